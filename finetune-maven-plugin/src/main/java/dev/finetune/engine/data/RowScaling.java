package dev.finetune.engine.data;

import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.dataset.api.preprocessor.DataNormalization;
import org.nd4j.linalg.dataset.api.preprocessor.NormalizerMinMaxScaler;
import org.nd4j.linalg.dataset.api.preprocessor.NormalizerStandardize;
import org.nd4j.linalg.factory.Nd4j;

import java.util.Optional;

/**
 * A fitted normaliser applied to each streamed batch as ND4J's own {@code transform} does it (the same element-wise
 * float operations, so the same bits), but with the per-feature statistics repeated for every row of the batch and
 * applied with pairwise ops instead of row-vector broadcasts.
 *
 * <p>Why: ND4J 1.0.0-M2.1's broadcast path crashes the JVM now and then ({@code SIGSEGV} in
 * {@code sd::DataBuffer::primary()} or {@code sd::TadDescriptor}, from {@code Nd4jCpu.execBroadcast}) when a garbage
 * collection runs during the op: a buffer the op made for itself is freed by ND4J's deallocator while native code still
 * reads it. Streaming makes one such op per batch under steady garbage collection, which is how a 10^6-row run died.
 * A stand-alone loop of {@code NormalizerStandardize.transform} on 64 x 64 batches with a thread allocating garbage
 * and {@code -Xmx32m} crashed within 30 s in every run (and so did {@code subiRowVector} directly, and inside a
 * workspace); the pairwise form ran 5,000-8,000 batches per 30 s without one. Other layouts (rank above 2) and other
 * normalisers (the image scaler's scalar ops have no broadcast) keep ND4J's {@code transform}.
 */
final class RowScaling {

    private final Optional<DataNormalization> normalizer;
    /** What is subtracted from and then divided into each feature; empty when ND4J's transform is used as is. */
    private final Optional<float[]> subtract;
    private final Optional<float[]> divide;
    /** For minMax: the target range, applied after as ND4J does (scalar ops). */
    private final double minRange;
    private final double maxRange;

    RowScaling(Optional<DataNormalization> normalizer) {
        this.normalizer = normalizer;
        DataNormalization n = normalizer.orElse(null);
        if (n instanceof NormalizerStandardize s) {
            float[] std = floats(s.getStd());
            for (int i = 0; i < std.length; i++) {
                // what ND4J's StandardizeStrategy divides by: a zero deviation is replaced by 1
                std[i] = std[i] == 0f ? 1f : std[i];
            }
            subtract = Optional.of(floats(s.getMean()));
            divide = Optional.of(std);
            minRange = 0;
            maxRange = 0;
        } else if (n instanceof NormalizerMinMaxScaler m) {
            float[] min = floats(m.getMin());
            float[] max = floats(m.getMax());
            // MinMaxStats.getRange(), a float subtraction: its constructor already raised a zero range's max by epsilon
            float[] range = new float[min.length];
            for (int i = 0; i < range.length; i++) {
                range[i] = max[i] - min[i];
            }
            subtract = Optional.of(min);
            divide = Optional.of(range);
            minRange = m.getTargetMin();
            maxRange = m.getTargetMax();
        } else {
            subtract = Optional.empty();
            divide = Optional.empty();
            minRange = 0;
            maxRange = 0;
        }
    }

    private static float[] floats(INDArray vector) {
        return vector.castTo(DataType.FLOAT).reshape(vector.length()).toFloatVector();
    }

    /** Scales the batch's features in place. */
    void apply(DataSet batch) {
        if (normalizer.isEmpty()) {
            return;
        }
        INDArray features = batch.getFeatures();
        if (subtract.isEmpty() || features.rank() != 2 || features.dataType() != DataType.FLOAT
                || features.size(1) != subtract.get().length) {
            normalizer.get().transform(batch);
            return;
        }
        int rows = (int) features.size(0);
        // kept in locals until the ops return: these buffers must outlive the native calls that read them
        INDArray sub = repeated(subtract.get(), rows);
        INDArray div = repeated(divide.get(), rows);
        features.subi(sub);
        features.divi(div);
        if (normalizer.get() instanceof NormalizerMinMaxScaler) {
            features.muli(maxRange - minRange);
            features.addi(minRange);
        }
        java.lang.ref.Reference.reachabilityFence(sub);
        java.lang.ref.Reference.reachabilityFence(div);
    }

    private static INDArray repeated(float[] row, int rows) {
        float[] all = new float[rows * row.length];
        for (int r = 0; r < rows; r++) {
            System.arraycopy(row, 0, all, r * row.length, row.length);
        }
        return Nd4j.create(all, new long[] {rows, row.length}, DataType.FLOAT);
    }
}
