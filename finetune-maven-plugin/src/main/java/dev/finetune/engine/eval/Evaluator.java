package dev.finetune.engine.eval;

import dev.finetune.engine.data.Batches;
import dev.finetune.engine.model.Net;
import dev.finetune.engine.report.SplitMetrics;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.ops.transforms.Transforms;

import java.util.Iterator;
import java.util.List;

/** Runs a network over a (normalised) split and scores it. */
public final class Evaluator {

    /**
     * Examples per forward pass. The loss is summed per batch (in float, by ND4J) and the sums accumulated in
     * double, so the batch size shapes the last bits of the loss: in-memory splits are read in the 512-row slices
     * this evaluator always cut, which keeps every reported number bit-identical to earlier versions.
     */
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
    public static SplitMetrics evaluate(Net net, Batches data, List<String> classes, String split) {
        int k = classes.size();
        int[][] confusion = new int[k][k];
        long n = 0;
        double lossSum = 0;
        for (Iterator<DataSet> batches = data.inOrder(BATCH); batches.hasNext(); ) {
            DataSet batch = batches.next();
            INDArray labels = batch.getLabels();
            INDArray probabilities = net.output(batch.getFeatures());
            lossSum -= Transforms.log(Transforms.max(probabilities, CLIP, true), false).muli(labels).sumNumber().doubleValue();
            INDArray predicted = probabilities.argMax(1);
            INDArray actual = labels.argMax(1);
            int rows = (int) labels.size(0);
            for (int i = 0; i < rows; i++) {
                confusion[actual.getInt(i)][predicted.getInt(i)]++;
            }
            n += rows;
        }
        return SplitMetrics.of(split, classes, confusion, n == 0 ? 0 : lossSum / n);
    }
}
