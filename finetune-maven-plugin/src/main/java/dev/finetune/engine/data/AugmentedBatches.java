package dev.finetune.engine.data;

import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.dataset.api.preprocessor.DataNormalization;
import org.nd4j.linalg.factory.Nd4j;

import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Optional;
import java.util.Random;

/**
 * The training split with augmentation: each epoch's batches hold freshly changed copies of the raw images, then
 * scaled by the normaliser. The epoch's augmentation seed is drawn from {@code shuffle} right after its order, so it
 * follows from the training seed and the epoch number alone (the shuffle generator is seeded with the training seed
 * and advanced once per epoch): a rerun sees the same images, and a sweep's trials, which share this instance across
 * threads, each see their own. Holds no mutable state. {@link #inOrder} yields the images unchanged.
 */
final class AugmentedBatches implements Batches {

    private final LabeledRows raw;
    private final int numClasses;
    private final Optional<DataNormalization> normalizer;
    private final Augmenter augmenter;

    AugmentedBatches(LabeledRows raw, int numClasses, Optional<DataNormalization> normalizer, Augmenter augmenter) {
        this.raw = raw;
        this.numClasses = numClasses;
        this.normalizer = normalizer;
        this.augmenter = augmenter;
    }

    @Override
    public int numExamples() {
        return raw.size();
    }

    @Override
    public Iterator<DataSet> shuffled(int batchSize, Random shuffle) {
        List<Integer> order = Batches.shuffledOrder(raw.size(), shuffle);
        long epochSeed = shuffle.nextLong();
        return batches(order, batchSize, i -> augmenter.apply(raw.features()[i], Augmenter.random(epochSeed, i)));
    }

    @Override
    public Iterator<DataSet> inOrder(int batchSize) {
        List<Integer> order = new ArrayList<>(raw.size());
        for (int i = 0; i < raw.size(); i++) {
            order.add(i);
        }
        return batches(order, batchSize, i -> raw.features()[i]);
    }

    private Iterator<DataSet> batches(List<Integer> order, int size, java.util.function.IntFunction<float[]> image) {
        return BatchCuts.cut(order.size(), size, (start, end) -> {
            float[][] features = new float[end - start][];
            INDArray labels = Nd4j.zeros(DataType.FLOAT, end - start, numClasses);
            for (int k = start; k < end; k++) {
                int i = order.get(k);
                features[k - start] = image.apply(i);
                labels.putScalar(k - start, raw.labels()[i], 1f);
            }
            DataSet batch = new DataSet(Nd4j.create(features), labels);
            normalizer.ifPresent(n -> n.transform(batch));
            return batch;
        });
    }
}
