package dev.finetune.engine.model;

import org.deeplearning4j.nn.api.Layer;
import org.deeplearning4j.nn.api.Model;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.layers.FrozenLayer;
import org.deeplearning4j.nn.layers.FrozenLayerWithBackprop;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.util.ModelSerializer;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * One view over DL4J's two network kinds, so training and evaluation need not care which the base was. Code that
 * must care (surgery, the frozen-feature cache) tells them apart with {@code instanceof Net.Layered} or
 * {@code Net.Graph}.
 */
public sealed interface Net permits Net.Layered, Net.Graph {

    /** A {@link MultiLayerNetwork}: a stack of layers. */
    record Layered(MultiLayerNetwork network) implements Net {
        @Override
        public Model model() {
            return network;
        }

        @Override
        public Net copy() {
            return new Layered(network.clone());
        }

        @Override
        public void fit(DataSet batch) {
            network.fit(batch);
        }

        @Override
        public INDArray output(INDArray features) {
            return network.output(features, false);
        }

        @Override
        public Layer[] layers() {
            return network.getLayers();
        }

        @Override
        public String summary() {
            return network.summary();
        }

        @Override
        public INDArray updaterState() {
            return network.getUpdater() == null ? null : network.getUpdater().getStateViewArray();
        }

        @Override
        public int iterationCount() {
            return network.getLayerWiseConfigurations().getIterationCount();
        }

        @Override
        public int epochCount() {
            return network.getLayerWiseConfigurations().getEpochCount();
        }

        @Override
        public void setCounts(int iterations, int epochs) {
            network.getLayerWiseConfigurations().setIterationCount(iterations);
            network.getLayerWiseConfigurations().setEpochCount(epochs);
        }
    }

    /** A {@link ComputationGraph}: layers and vertices in a directed acyclic graph, with one input and one output here. */
    record Graph(ComputationGraph graph) implements Net {
        @Override
        public Model model() {
            return graph;
        }

        @Override
        public Net copy() {
            return new Graph(graph.clone());
        }

        @Override
        public void fit(DataSet batch) {
            graph.fit(batch);
        }

        @Override
        public INDArray output(INDArray features) {
            return graph.outputSingle(false, features);
        }

        @Override
        public Layer[] layers() {
            return graph.getLayers();
        }

        @Override
        public String summary() {
            return graph.summary();
        }

        @Override
        public INDArray updaterState() {
            return graph.getUpdater() == null ? null : graph.getUpdater().getStateViewArray();
        }

        @Override
        public int iterationCount() {
            return graph.getConfiguration().getIterationCount();
        }

        @Override
        public int epochCount() {
            return graph.getConfiguration().getEpochCount();
        }

        @Override
        public void setCounts(int iterations, int epochs) {
            graph.getConfiguration().setIterationCount(iterations);
            graph.getConfiguration().setEpochCount(epochs);
        }
    }

    static Net of(MultiLayerNetwork network) {
        return new Layered(network);
    }

    static Net of(ComputationGraph graph) {
        return new Graph(graph);
    }

    Model model();

    /** A deep copy (configuration and parameters), so each sweep trial changes its own network. */
    Net copy();

    void fit(DataSet batch);

    /** Inference-mode output (no dropout). */
    INDArray output(INDArray features);

    Layer[] layers();

    String summary();

    /** The updater's state (Adam's moments), a view into the network; null for updaters that keep none (plain SGD). */
    INDArray updaterState();

    /** DL4J's count of fitted minibatches, which Adam's bias correction and learning-rate schedules read. */
    int iterationCount();

    int epochCount();

    void setCounts(int iterations, int epochs);

    default boolean isGraph() {
        return this instanceof Graph;
    }

    default INDArray params() {
        return model().params();
    }

    default void setParams(INDArray params) {
        model().setParams(params);
    }

    default Map<String, INDArray> paramTable() {
        return model().paramTable();
    }

    default long numParams() {
        return model().numParams();
    }

    /** Names of the layers whose parameters training leaves as they are. */
    default List<String> frozenLayerNames() {
        List<String> names = new ArrayList<>();
        for (Layer layer : layers()) {
            if (isFrozen(layer)) {
                names.add(layerName(layer));
            }
        }
        return names;
    }

    /** Writes a DL4J model zip without updater state: smaller, and it does not affect predictions. */
    default void save(Path file) throws IOException {
        ModelSerializer.writeModel(model(), file.toFile(), false);
    }

    static String layerName(Layer layer) {
        return underlying(layer).conf().getLayer().getLayerName();
    }

    static boolean isFrozen(Layer layer) {
        return layer instanceof FrozenLayer || layer instanceof FrozenLayerWithBackprop;
    }

    private static Layer underlying(Layer layer) {
        if (layer instanceof FrozenLayer f) {
            return f.getInsideLayer();
        }
        if (layer instanceof FrozenLayerWithBackprop f) {
            return f.getInsideLayer();
        }
        return layer;
    }
}
