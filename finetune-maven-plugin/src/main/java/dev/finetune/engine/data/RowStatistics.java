package dev.finetune.engine.data;

import dev.finetune.spec.FinetuneSpec.Normalization;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.api.preprocessor.DataNormalization;
import org.nd4j.linalg.dataset.api.preprocessor.ImagePreProcessingScaler;
import org.nd4j.linalg.dataset.api.preprocessor.NormalizerMinMaxScaler;
import org.nd4j.linalg.dataset.api.preprocessor.NormalizerStandardize;
import org.nd4j.linalg.factory.Nd4j;

import java.util.Optional;

/**
 * A normaliser fitted in one streaming pass over the training rows, reading one row at a time, so a split larger than
 * memory is never one array. Minimum and maximum are exact, as ND4J's. Mean and (population) standard deviation are
 * summed in double precision in row order and then rounded to float: ND4J's {@code fit} reduces one float32 array
 * natively, so these may differ from it in the last bits (RowStatisticsTest bounds the difference); they are the
 * same for the same rows on every machine and thread count.
 */
public final class RowStatistics {

    private RowStatistics() {
    }

    public static Optional<DataNormalization> fit(Normalization kind, LabeledRows train) {
        return switch (kind) {
            case none -> Optional.empty();
            case image -> Optional.of(new ImagePreProcessingScaler(0, 1, 8));
            case minMax -> Optional.of(minMax(train));
            case standardize -> Optional.of(standardize(train));
        };
    }

    private static DataNormalization minMax(LabeledRows train) {
        int width = train.featureCount();
        float[] min = new float[width];
        float[] max = new float[width];
        java.util.Arrays.fill(min, Float.POSITIVE_INFINITY);
        java.util.Arrays.fill(max, Float.NEGATIVE_INFINITY);
        float[] row = new float[width];
        for (int i = 0; i < train.size(); i++) {
            train.store().read(i, row, 0);
            for (int f = 0; f < width; f++) {
                min[f] = Math.min(min[f], row[f]);
                max[f] = Math.max(max[f], row[f]);
            }
        }
        NormalizerMinMaxScaler scaler = new NormalizerMinMaxScaler(0, 1);
        scaler.setFeatureStats(vector(min), vector(max));
        return scaler;
    }

    private static DataNormalization standardize(LabeledRows train) {
        int width = train.featureCount();
        int n = train.size();
        double[] sum = new double[width];
        float[] row = new float[width];
        for (int i = 0; i < n; i++) {
            train.store().read(i, row, 0);
            for (int f = 0; f < width; f++) {
                sum[f] += row[f];
            }
        }
        float[] mean = new float[width];
        double[] meanD = new double[width];
        for (int f = 0; f < width; f++) {
            meanD[f] = sum[f] / n;
            mean[f] = (float) meanD[f];
        }
        // a second pass over the deviations: as exact as the data allows, where sum-of-squares would cancel
        double[] squares = new double[width];
        for (int i = 0; i < n; i++) {
            train.store().read(i, row, 0);
            for (int f = 0; f < width; f++) {
                double d = row[f] - meanD[f];
                squares[f] += d * d;
            }
        }
        float[] std = new float[width];
        for (int f = 0; f < width; f++) {
            std[f] = (float) Math.sqrt(squares[f] / n);
        }
        return new NormalizerStandardize(vector(mean), vector(std));
    }

    private static INDArray vector(float[] values) {
        return Nd4j.create(values, new long[] {1, values.length}, DataType.FLOAT);
    }
}
