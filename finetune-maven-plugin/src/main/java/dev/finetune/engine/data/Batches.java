package dev.finetune.engine.data;

import org.nd4j.linalg.dataset.DataSet;

import java.util.ArrayList;
import java.util.Collections;
import java.util.Iterator;
import java.util.List;
import java.util.Random;

/**
 * A split as training and evaluation read it: in batches, so a source need not hold a whole split as one array.
 * Features are as the fitted network takes them (normalised, or cached outputs of a frozen prefix); labels one-hot.
 */
public interface Batches {

    /** How many examples one pass yields. */
    int numExamples();

    /**
     * One epoch in a seeded random order, cut into minibatches of {@code batchSize}; the last one may be smaller.
     * The order is drawn from {@code shuffle} when this is called, so a run's batches depend only on the seed of
     * {@code shuffle} and the number of epochs before, not on how far earlier iterators were read.
     */
    Iterator<DataSet> shuffled(int batchSize, Random shuffle);

    /** Every example once, in order, in batches of {@code batchSize}; the last one may be smaller. */
    Iterator<DataSet> inOrder(int batchSize);

    /** A split held in memory as one data set. */
    static Batches inMemory(DataSet data) {
        return new InMemoryBatches(data);
    }

    /** Row indices 0..n-1 in the order {@code shuffle} draws: every source cuts its shuffled batches from this. */
    static List<Integer> shuffledOrder(int n, Random shuffle) {
        List<Integer> order = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            order.add(i);
        }
        Collections.shuffle(order, shuffle);
        return order;
    }
}
