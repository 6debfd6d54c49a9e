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

/** One view over DL4J's two network kinds, so training and evaluation need not care which the base was. */
public final class Net {

    private final MultiLayerNetwork multiLayer;
    private final ComputationGraph graph;

    private Net(MultiLayerNetwork multiLayer, ComputationGraph graph) {
        this.multiLayer = multiLayer;
        this.graph = graph;
    }

    public static Net of(MultiLayerNetwork network) {
        return new Net(network, null);
    }

    public static Net of(ComputationGraph graph) {
        return new Net(null, graph);
    }

    /** A deep copy (configuration and parameters), so each sweep trial changes its own network. */
    public Net copy() {
        return multiLayer != null ? Net.of(multiLayer.clone()) : Net.of(graph.clone());
    }

    public Model model() {
        return multiLayer != null ? multiLayer : graph;
    }

    public boolean isGraph() {
        return graph != null;
    }

    public void fit(DataSet batch) {
        if (multiLayer != null) {
            multiLayer.fit(batch);
        } else {
            graph.fit(batch);
        }
    }

    public INDArray output(INDArray features) {
        return multiLayer != null ? multiLayer.output(features, false) : graph.outputSingle(false, features);
    }

    public INDArray params() {
        return model().params();
    }

    public void setParams(INDArray params) {
        model().setParams(params);
    }

    public Map<String, INDArray> paramTable() {
        return model().paramTable();
    }

    public Layer[] layers() {
        return multiLayer != null ? multiLayer.getLayers() : graph.getLayers();
    }

    public static String layerName(Layer layer) {
        return underlying(layer).conf().getLayer().getLayerName();
    }

    public static boolean isFrozen(Layer layer) {
        return layer instanceof FrozenLayer || layer instanceof FrozenLayerWithBackprop;
    }

    /** Names of the layers whose parameters training leaves as they are. */
    public List<String> frozenLayerNames() {
        List<String> names = new ArrayList<>();
        for (Layer layer : layers()) {
            if (isFrozen(layer)) {
                names.add(layerName(layer));
            }
        }
        return names;
    }

    public long numParams() {
        return model().numParams();
    }

    public String summary() {
        return multiLayer != null ? multiLayer.summary() : graph.summary();
    }

    /** Writes a DL4J model zip without updater state: smaller, and it does not affect predictions. */
    public void save(Path file) throws IOException {
        ModelSerializer.writeModel(model(), file.toFile(), false);
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
