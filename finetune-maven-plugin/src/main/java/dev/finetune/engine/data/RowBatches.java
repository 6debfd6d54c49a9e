package dev.finetune.engine.data;

import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.dataset.api.preprocessor.DataNormalization;
import org.nd4j.linalg.factory.Nd4j;

import java.util.Iterator;
import java.util.Optional;
import java.util.Random;

/**
 * Batches read row by row from a split's {@link RowFeatures} (for CSV data, a memory-mapped {@link RowFile}) and
 * scaled as they are made: a pass holds one minibatch, never the split. Each batch holds the same floats as the
 * rows of an {@link InMemoryBatches} over the whole split scaled at once, since the normalisers scale element by
 * element (RowBatchesTest trains on both and compares the parameters bit for bit).
 */
public final class RowBatches implements Batches {

    private final LabeledRows rows;
    private final int numClasses;
    /** The shape of one example, e.g. {@code [c, h, w]} for cached convolution outputs; features per row when flat. */
    private final long[] exampleShape;
    /** The normaliser as applied per batch (without ND4J's broadcasts, see {@link RowScaling}). */
    private final RowScaling scaling;

    public RowBatches(LabeledRows rows, int numClasses, Optional<DataNormalization> normalizer) {
        this(rows, numClasses, normalizer, new long[] {rows.featureCount()});
    }

    public RowBatches(LabeledRows rows, int numClasses, Optional<DataNormalization> normalizer, long[] exampleShape) {
        this.rows = rows;
        this.numClasses = numClasses;
        this.exampleShape = exampleShape.clone();
        this.scaling = new RowScaling(normalizer);
    }

    @Override
    public int numExamples() {
        return rows.size();
    }

    @Override
    public Iterator<DataSet> shuffled(int batchSize, Random shuffle) {
        return cut(Batches.shuffledIndices(rows.size(), shuffle), batchSize);
    }

    @Override
    public Iterator<DataSet> inOrder(int batchSize) {
        return cut(Batches.inOrderIndices(rows.size()), batchSize);
    }

    private Iterator<DataSet> cut(int[] order, int size) {
        return BatchCuts.cut(order.length, size, (start, end) -> batch(order, start, end));
    }

    private DataSet batch(int[] order, int start, int end) {
        int n = end - start;
        int width = rows.featureCount();
        float[] buffer = new float[n * width];
        for (int i = 0; i < n; i++) {
            rows.store().read(order[start + i], buffer, i * width);
        }
        long[] shape = new long[exampleShape.length + 1];
        shape[0] = n;
        System.arraycopy(exampleShape, 0, shape, 1, exampleShape.length);
        INDArray features = Nd4j.create(buffer, shape, DataType.FLOAT);
        INDArray labels = Nd4j.zeros(DataType.FLOAT, n, numClasses);
        for (int i = 0; i < n; i++) {
            labels.putScalar(i, rows.labels()[order[start + i]], 1f);
        }
        DataSet data = new DataSet(features, labels);
        scaling.apply(data);
        return data;
    }
}
