package dev.finetune.engine.eval;

import dev.finetune.engine.model.Net;
import dev.finetune.engine.report.SplitMetrics;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.indexing.NDArrayIndex;
import org.nd4j.linalg.ops.transforms.Transforms;

import java.util.List;

/** Runs a network over a (normalised) split and scores it. */
public final class Evaluator {

    private static final int BATCH = 512;
    /** As DL4J's cross-entropy clips softmax outputs, so a confident mistake costs a large finite loss. */
    private static final double CLIP = 1e-10;

    private Evaluator() {
    }

    /**
     * Confusion matrix and mean cross-entropy loss from one forward pass: every model this engine trains ends in a
     * softmax output layer with cross-entropy loss (the head it adds), so the loss follows from the predicted
     * probabilities, without a second pass through the network each epoch.
     */
    public static SplitMetrics evaluate(Net net, DataSet data, List<String> classes, String split) {
        int k = classes.size();
        int[][] confusion = new int[k][k];
        int n = data.numExamples();
        double lossSum = 0;
        for (int start = 0; start < n; start += BATCH) {
            int end = Math.min(n, start + BATCH);
            INDArray features = data.getFeatures().get(NDArrayIndex.interval(start, end), NDArrayIndex.all());
            INDArray labels = data.getLabels().get(NDArrayIndex.interval(start, end), NDArrayIndex.all());
            INDArray probabilities = net.output(features);
            lossSum -= Transforms.log(Transforms.max(probabilities, CLIP, true), false).muli(labels).sumNumber().doubleValue();
            INDArray predicted = probabilities.argMax(1);
            INDArray actual = labels.argMax(1);
            for (int i = 0; i < end - start; i++) {
                confusion[actual.getInt(i)][predicted.getInt(i)]++;
            }
        }
        return SplitMetrics.of(split, classes, confusion, n == 0 ? 0 : lossSum / n);
    }
}
