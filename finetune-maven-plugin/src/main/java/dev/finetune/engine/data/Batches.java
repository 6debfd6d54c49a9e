package dev.finetune.engine.data;

import org.nd4j.linalg.dataset.DataSet;

import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Random;
import java.util.stream.IntStream;

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
        for (int index : shuffledIndices(n, shuffle)) {
            order.add(index);
        }
        return order;
    }

    /** {@link #shuffledOrder} as an array: 4 bytes a row instead of a boxed list, for splits of millions of rows. */
    static int[] shuffledIndices(int n, Random shuffle) {
        int[] order = inOrderIndices(n);
        shuffle(order, shuffle);
        return order;
    }

    /** Row indices 0..n-1 in order: what an in-order pass reads, and what a shuffle starts from. */
    static int[] inOrderIndices(int n) {
        return IntStream.range(0, n).toArray();
    }

    /**
     * Shuffles in place exactly as {@link java.util.Collections#shuffle(List, Random)} shuffles a random-access list
     * (the same draws, swaps and result), so the int-array code paths keep the orders the list-based ones gave.
     */
    static void shuffle(int[] values, Random random) {
        for (int i = values.length; i > 1; i--) {
            int j = random.nextInt(i);
            int t = values[i - 1];
            values[i - 1] = values[j];
            values[j] = t;
        }
    }
}
