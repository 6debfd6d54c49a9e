package dev.finetune.engine.data;

import org.nd4j.linalg.dataset.DataSet;

import java.util.Iterator;
import java.util.NoSuchElementException;
import java.util.function.BiFunction;

/** The one way every batch source cuts its rows into minibatches: lazily, so only the batch being read is in memory. */
final class BatchCuts {

    private BatchCuts() {
    }

    /**
     * Batches {@code [0, size)}, {@code [size, 2 size)}, ... of {@code n} positions, each made by
     * {@code batch.apply(start, end)} when it is read; the last one may be smaller.
     */
    static Iterator<DataSet> cut(int n, int size, BiFunction<Integer, Integer, DataSet> batch) {
        if (size < 1) {
            throw new IllegalArgumentException("batch size " + size);
        }
        return new Iterator<>() {
            private int start;

            @Override
            public boolean hasNext() {
                return start < n;
            }

            @Override
            public DataSet next() {
                if (!hasNext()) {
                    throw new NoSuchElementException();
                }
                int end = (int) Math.min(n, (long) start + size);
                DataSet out = batch.apply(start, end);
                start = end;
                return out;
            }
        };
    }
}
