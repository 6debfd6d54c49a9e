package dev.finetune.engine.data;

import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;

import java.util.Iterator;
import java.util.List;
import java.util.Random;

/**
 * Batches cut from one data set in memory. Features may be a matrix or, as cached convolution outputs, of higher
 * rank [n, c, h, w]; rows are always the first dimension. Batches are cut as they are read, so an epoch never holds
 * more than one minibatch beside the data set itself.
 */
final class InMemoryBatches implements Batches {

    private final DataSet data;

    InMemoryBatches(DataSet data) {
        this.data = data;
    }

    @Override
    public int numExamples() {
        return data.numExamples();
    }

    @Override
    public Iterator<DataSet> shuffled(int batchSize, Random shuffle) {
        int n = numExamples();
        List<Integer> order = Batches.shuffledOrder(n, shuffle);
        return BatchCuts.cut(n, batchSize, (start, end) -> {
            int[] rows = order.subList(start, end).stream().mapToInt(Integer::intValue).toArray();
            return new DataSet(rows(data.getFeatures(), rows), rows(data.getLabels(), rows));
        });
    }

    /** Views of consecutive rows: no copy, and the same arrays the evaluator and featurizer always sliced. */
    @Override
    public Iterator<DataSet> inOrder(int batchSize) {
        return BatchCuts.cut(numExamples(), batchSize, (start, end) -> new DataSet(
                data.getFeatures().get(NDArrayIndex.interval(start, end)),
                data.getLabels().get(NDArrayIndex.interval(start, end), NDArrayIndex.all())));
    }

    /**
     * The given rows of a matrix, or of a higher-rank array such as cached convolution outputs [n, c, h, w], copied by
     * one native op ({@code pullRows}): {@code INDArray.getRows} copies row by row, one native op each, which was 78%
     * of an MLP epoch's native ops (128 of ~170 per minibatch of 64; README "Speed"). The same values either way.
     */
    static INDArray rows(INDArray array, int[] rows) {
        if (array.rank() == 2) {
            return Nd4j.pullRows(array, 1, rows, 'c');
        }
        long[] shape = array.shape().clone();
        INDArray picked = Nd4j.pullRows(array.reshape('c', shape[0], array.length() / shape[0]), 1, rows, 'c');
        shape[0] = rows.length;
        return picked.reshape('c', shape);
    }
}
