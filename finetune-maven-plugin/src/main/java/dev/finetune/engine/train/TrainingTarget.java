package dev.finetune.engine.train;

import dev.finetune.engine.data.Batches;
import dev.finetune.engine.model.Net;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.indexing.NDArrayIndex;

/**
 * What a training loop fits: the whole network on the data, or only its trainable top on the cached outputs of the
 * frozen prefix ({@link FrozenFeatureCache}). Reports always describe the whole network.
 *
 * @param whole        the network that is saved and evaluated
 * @param fitted       the network the loop updates: {@code whole} itself, or its top
 * @param train        training data as {@code fitted} takes it
 * @param validation   validation data as {@code fitted} takes it
 * @param paramsOffset where {@code fitted}'s parameters start in {@code whole}'s (a stack's top is its last layers);
 *                     0 for a graph's top, whose layers go back by name ({@link GraphSplit}); -1 when {@code fitted}
 *                     is {@code whole}
 */
public record TrainingTarget(Net whole, Net fitted, Batches train, Batches validation, long paramsOffset) {

    public static TrainingTarget full(Net net, Batches train, Batches validation) {
        return new TrainingTarget(net, net, train, validation, -1);
    }

    public boolean cached() {
        return paramsOffset >= 0;
    }

    /** Puts the fitted top's parameters into the whole network (nothing to do without the cache). */
    public void commit() {
        if (!cached()) {
            return;
        }
        if (whole.model() instanceof ComputationGraph graph && fitted.model() instanceof MultiLayerNetwork top) {
            GraphSplit.commit(top, graph);
            return;
        }
        INDArray all = whole.params();
        INDArray flat = all.reshape(1, all.length());
        flat.get(NDArrayIndex.point(0), NDArrayIndex.interval(paramsOffset, all.length()))
                .assign(fitted.params().reshape(fitted.params().length()));
        whole.setParams(flat);
        // the whole network's configuration records the training too, as if it had been fitted itself
        if (whole.model() instanceof MultiLayerNetwork w && fitted.model() instanceof MultiLayerNetwork f) {
            w.getLayerWiseConfigurations().setIterationCount(f.getLayerWiseConfigurations().getIterationCount());
            w.getLayerWiseConfigurations().setEpochCount(f.getLayerWiseConfigurations().getEpochCount());
        }
    }
}
