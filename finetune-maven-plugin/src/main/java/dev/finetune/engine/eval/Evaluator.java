package dev.finetune.engine.eval;

import dev.finetune.engine.model.Net;
import dev.finetune.engine.report.SplitMetrics;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;

import java.util.List;

/** Runs a network over a (normalised) split and scores it. */
public final class Evaluator {

    private static final int BATCH = 512;

    private Evaluator() {
    }

    public static SplitMetrics evaluate(Net net, DataSet data, List<String> classes, String split) {
        int k = classes.size();
        int[][] confusion = new int[k][k];
        int n = data.numExamples();
        for (int start = 0; start < n; start += BATCH) {
            int end = Math.min(n, start + BATCH);
            INDArray features = data.getFeatures().get(org.nd4j.linalg.indexing.NDArrayIndex.interval(start, end),
                    org.nd4j.linalg.indexing.NDArrayIndex.all());
            INDArray predicted = net.output(features).argMax(1);
            INDArray actual = data.getLabels().get(org.nd4j.linalg.indexing.NDArrayIndex.interval(start, end),
                    org.nd4j.linalg.indexing.NDArrayIndex.all()).argMax(1);
            for (int i = 0; i < end - start; i++) {
                confusion[actual.getInt(i)][predicted.getInt(i)]++;
            }
        }
        return SplitMetrics.of(split, classes, confusion, net.loss(data));
    }
}
