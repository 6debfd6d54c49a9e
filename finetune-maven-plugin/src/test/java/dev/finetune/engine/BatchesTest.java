package dev.finetune.engine;

import dev.finetune.engine.data.Batches;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.factory.Nd4j;

import java.util.ArrayList;
import java.util.Collections;
import java.util.Iterator;
import java.util.List;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;

/** In-memory batches: exactly the minibatches the training loop always cut, and every row once in order. */
class BatchesTest {

    private static final int ROWS = 37;

    /** Row r's features hold r * 100 + column, so a batch shows which rows it took; labels one-hot over 3 classes. */
    private static DataSet data(long... featureShape) {
        long[] shape = featureShape.length == 0 ? new long[] {ROWS, 4} : featureShape;
        INDArray features = Nd4j.arange(0, shape[0] * 100).castTo(DataType.FLOAT).reshape(shape[0], 100)
                .get(org.nd4j.linalg.indexing.NDArrayIndex.all(), org.nd4j.linalg.indexing.NDArrayIndex.interval(0, sizeOfRow(shape)))
                .dup('c').reshape('c', shape);
        INDArray labels = Nd4j.zeros(DataType.FLOAT, shape[0], 3);
        for (int r = 0; r < shape[0]; r++) {
            labels.putScalar(r, r % 3, 1f);
        }
        return new DataSet(features, labels);
    }

    private static long sizeOfRow(long[] shape) {
        long n = 1;
        for (int i = 1; i < shape.length; i++) {
            n *= shape[i];
        }
        return n;
    }

    /** A copy of {@code Trainer.batches} before batches became a seam: the reference the new code must match. */
    private static List<DataSet> previousSlicing(DataSet train, int batchSize, Random shuffle) {
        int n = train.numExamples();
        List<Integer> order = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            order.add(i);
        }
        Collections.shuffle(order, shuffle);
        List<DataSet> out = new ArrayList<>();
        for (int start = 0; start < n; start += batchSize) {
            int[] rows = order.subList(start, Math.min(n, start + batchSize)).stream().mapToInt(Integer::intValue).toArray();
            out.add(new DataSet(previousRows(train.getFeatures(), rows), train.getLabels().getRows(rows)));
        }
        return out;
    }

    private static INDArray previousRows(INDArray array, int[] rows) {
        if (array.rank() == 2) {
            return array.getRows(rows);
        }
        long[] shape = array.shape().clone();
        INDArray picked = array.reshape('c', shape[0], array.length() / shape[0]).getRows(rows);
        shape[0] = rows.length;
        return picked.reshape('c', shape);
    }

    private static void assertSameBits(INDArray expected, INDArray actual, String what) {
        assertArrayEquals(expected.shape(), actual.shape(), what + " shape");
        assertArrayEquals(expected.dup('c').data().asFloat(), actual.dup('c').data().asFloat(), what);
    }

    private static List<DataSet> all(Iterator<DataSet> batches) {
        List<DataSet> out = new ArrayList<>();
        batches.forEachRemaining(out::add);
        return out;
    }

    private static void assertShuffledAsBefore(DataSet data, int batchSize, long seed) {
        // three epochs drawing from one generator, as a training run does
        Random previous = new Random(seed);
        Random now = new Random(seed);
        Batches batches = Batches.inMemory(data);
        for (int epoch = 1; epoch <= 3; epoch++) {
            List<DataSet> expected = previousSlicing(data, batchSize, previous);
            List<DataSet> actual = all(batches.shuffled(batchSize, now));
            assertEquals(expected.size(), actual.size(), "batches in epoch " + epoch);
            for (int b = 0; b < expected.size(); b++) {
                String what = "seed " + seed + ", batch size " + batchSize + ", epoch " + epoch + ", batch " + b;
                assertSameBits(expected.get(b).getFeatures(), actual.get(b).getFeatures(), what + " features");
                assertSameBits(expected.get(b).getLabels(), actual.get(b).getLabels(), what + " labels");
            }
        }
        assertEquals(previous.nextLong(), now.nextLong(), "the generator advanced exactly as before");
    }

    @Test
    void shuffledBatchesAreThoseThePreviousSlicingCut() {
        DataSet data = data();
        for (long seed : new long[] {5, 42, -7}) {
            for (int batchSize : new int[] {1, 5, 16, ROWS, 64}) {
                assertShuffledAsBefore(data, batchSize, seed);
            }
        }
    }

    @Test
    void higherRankFeaturesAreShuffledByRowLikeBefore() {
        // cached convolution outputs [n, c, h, w]
        assertShuffledAsBefore(data(ROWS, 2, 3, 2), 8, 9);
    }

    @Test
    void shuffledBatchesHaveTheRequestedSizeButTheLast() {
        List<DataSet> batches = all(Batches.inMemory(data()).shuffled(16, new Random(1)));
        assertEquals(List.of(16, 16, 5), batches.stream().map(DataSet::numExamples).toList());
    }

    @Test
    void inOrderCoversEveryRowOnceInOrder() {
        for (DataSet data : List.of(data(), data(ROWS, 2, 3, 2))) {
            for (int batchSize : new int[] {1, 10, ROWS, 256}) {
                List<DataSet> batches = all(Batches.inMemory(data).inOrder(batchSize));
                List<Integer> sizes = batches.stream().map(DataSet::numExamples).toList();
                for (int i = 0; i < sizes.size() - 1; i++) {
                    assertEquals(batchSize, sizes.get(i));
                }
                assertEquals(ROWS, sizes.stream().mapToInt(Integer::intValue).sum());
                INDArray features = Nd4j.concat(0, batches.stream().map(DataSet::getFeatures).toArray(INDArray[]::new));
                INDArray labels = Nd4j.concat(0, batches.stream().map(DataSet::getLabels).toArray(INDArray[]::new));
                assertSameBits(data.getFeatures(), features, "features in batches of " + batchSize);
                assertSameBits(data.getLabels(), labels, "labels in batches of " + batchSize);
            }
        }
    }

    @Test
    void numExamplesAndEmptySplits() {
        assertEquals(ROWS, Batches.inMemory(data()).numExamples());
        Batches empty = Batches.inMemory(new DataSet(Nd4j.create(DataType.FLOAT, 0, 4), Nd4j.create(DataType.FLOAT, 0, 3)));
        assertEquals(0, empty.numExamples());
        assertFalse(empty.inOrder(8).hasNext());
        assertFalse(empty.shuffled(8, new Random(1)).hasNext());
    }

    @Test
    void batchSizeMustBePositive() {
        assertThrows(IllegalArgumentException.class, () -> Batches.inMemory(data()).inOrder(0));
    }
}
