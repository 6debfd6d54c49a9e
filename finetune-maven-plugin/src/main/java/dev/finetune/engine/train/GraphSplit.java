package dev.finetune.engine.train;

import dev.finetune.engine.data.Batches;
import org.deeplearning4j.nn.conf.ComputationGraphConfiguration;
import org.deeplearning4j.nn.conf.InputPreProcessor;
import org.deeplearning4j.nn.conf.MultiLayerConfiguration;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.graph.GraphVertex;
import org.deeplearning4j.nn.conf.graph.LayerVertex;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.layers.FrozenLayer;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.factory.Nd4j;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Deque;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * A ComputationGraph cut where its frozen part ends, for the frozen-feature cache: the trainable layers must form one
 * chain from a single frozen vertex (the {@code boundary}) up to the graph's output, as the head surgery builds them
 * on an imported CNN (MobileNetV2's frozen body, then dense layers and the softmax). The frozen part below the
 * boundary is run once per example as a graph of its own whose output is the boundary; the chain trains as a
 * MultiLayerNetwork on those outputs, starting from the graph's parameters, and its parameters go back into the
 * graph's layers by name ({@link TrainingTarget#commit}).
 *
 * @param boundary the frozen vertex the chain sits on
 * @param chain    the trainable layers from the boundary up, the last one the graph's output
 */
record GraphSplit(String boundary, List<String> chain) {

    /** A split of {@code graph}, or why there is none (as a sentence for the log), in {@code why[0]}. */
    static GraphSplit of(ComputationGraph graph, String[] why) {
        ComputationGraphConfiguration conf = graph.getConfiguration();
        Map<String, List<String>> inputs = conf.getVertexInputs();
        if (conf.getNetworkOutputs().size() != 1 || conf.getNetworkInputs().size() != 1) {
            why[0] = "the graph has several inputs or outputs";
            return null;
        }
        List<String> chain = new ArrayList<>();
        String vertex = conf.getNetworkOutputs().get(0);
        while (trainableLayer(graph, vertex)) {
            chain.add(vertex);
            List<String> in = inputs.get(vertex);
            if (in == null || in.size() != 1) {
                why[0] = "trainable layer `" + vertex + "` of the graph has several inputs";
                return null;
            }
            vertex = in.get(0);
        }
        if (chain.isEmpty()) {
            why[0] = "the graph's output layer is frozen";
            return null;
        }
        if (conf.getNetworkInputs().contains(vertex)) {
            why[0] = "no frozen layer at the input";
            return null;
        }
        Collections.reverse(chain);
        // everything else must be the boundary and what feeds it, all frozen (or without parameters)
        Set<String> below = new HashSet<>();
        Deque<String> todo = new ArrayDeque<>(List.of(vertex));
        while (!todo.isEmpty()) {
            String v = todo.poll();
            if (below.add(v)) {
                todo.addAll(inputs.getOrDefault(v, List.of()));
            }
        }
        for (String name : conf.getVertices().keySet()) {
            if (!below.contains(name) && !chain.contains(name)) {
                why[0] = "vertex `" + name + "` of the graph is neither below the frozen layers nor in one chain above them";
                return null;
            }
            if (below.contains(name) && trainableLayer(graph, name)) {
                why[0] = "layer `" + name + "` trains but is not in one chain of layers above the frozen ones";
                return null;
            }
        }
        for (String name : chain) {
            if (!(conf.getVertices().get(name) instanceof LayerVertex)) {
                why[0] = "vertex `" + name + "` above the frozen layers is not a layer";
                return null;
            }
        }
        return new GraphSplit(vertex, List.copyOf(chain));
    }

    private static boolean trainableLayer(ComputationGraph graph, String vertex) {
        org.deeplearning4j.nn.graph.vertex.GraphVertex v = graph.getVertex(vertex);
        return v != null && v.hasLayer() && !(v.getLayer() instanceof FrozenLayer) && v.getLayer().numParams() > 0;
    }

    /** The frozen part alone: the graph without the chain, its output the boundary, with the graph's parameters. */
    ComputationGraph bottom(ComputationGraph graph) {
        ComputationGraphConfiguration conf = graph.getConfiguration().clone();
        for (String name : chain) {
            conf.getVertices().remove(name);
            conf.getVertexInputs().remove(name);
        }
        conf.setNetworkOutputs(List.of(boundary));
        ComputationGraph bottom = new ComputationGraph(conf);
        bottom.init();
        for (org.deeplearning4j.nn.api.Layer layer : bottom.getLayers()) {
            if (layer.numParams() > 0) {
                layer.setParams(graph.getLayer(layer.conf().getLayer().getLayerName()).params().dup());
            }
        }
        return bottom;
    }

    /** The boundary's output for every example, in chunks of {@code chunk}, held in memory with the labels. */
    static Batches featurize(ComputationGraph bottom, Batches data, int chunk) {
        List<INDArray> features = new ArrayList<>();
        List<INDArray> labels = new ArrayList<>();
        for (Iterator<DataSet> batches = data.inOrder(chunk); batches.hasNext(); ) {
            DataSet batch = batches.next();
            features.add(bottom.outputSingle(false, batch.getFeatures()).detach());
            labels.add(batch.getLabels());
        }
        return Batches.inMemory(new DataSet(concat(features), concat(labels)));
    }

    private static INDArray concat(List<INDArray> chunks) {
        return chunks.size() == 1 ? chunks.get(0) : Nd4j.concat(0, chunks.toArray(INDArray[]::new));
    }

    /** The chain as a MultiLayerNetwork of its own, with its preprocessors, starting from the graph's parameters. */
    MultiLayerNetwork top(ComputationGraph graph) {
        ComputationGraphConfiguration conf = graph.getConfiguration();
        List<NeuralNetConfiguration> confs = new ArrayList<>();
        Map<Integer, InputPreProcessor> preprocessors = new HashMap<>();
        List<INDArray> params = new ArrayList<>();
        for (int i = 0; i < chain.size(); i++) {
            LayerVertex vertex = (LayerVertex) conf.getVertices().get(chain.get(i));
            confs.add(vertex.getLayerConf().clone());
            if (vertex.getPreProcessor() != null) {
                preprocessors.put(i, vertex.getPreProcessor().clone());
            }
            INDArray p = graph.getLayer(chain.get(i)).params();
            params.add(p.reshape(1, p.length()));
        }
        MultiLayerConfiguration topConf = new MultiLayerConfiguration.Builder()
                .confs(confs)
                .inputPreProcessors(preprocessors)
                .backpropType(conf.getBackpropType())
                .trainingWorkspaceMode(conf.getTrainingWorkspaceMode())
                .inferenceWorkspaceMode(conf.getInferenceWorkspaceMode())
                .cacheMode(conf.getCacheMode())
                .dataType(conf.getDataType())
                .build();
        MultiLayerNetwork top = new MultiLayerNetwork(topConf);
        top.init(Nd4j.hstack(params.toArray(INDArray[]::new)).dup(), false);
        return top;
    }

    /** Puts the trained chain's parameters back into the graph's layers, and its training counts into the graph's configuration. */
    static void commit(MultiLayerNetwork top, ComputationGraph graph) {
        for (org.deeplearning4j.nn.api.Layer layer : top.getLayers()) {
            graph.getLayer(layer.conf().getLayer().getLayerName()).setParams(layer.params());
        }
        graph.getConfiguration().setIterationCount(top.getLayerWiseConfigurations().getIterationCount());
        graph.getConfiguration().setEpochCount(top.getLayerWiseConfigurations().getEpochCount());
    }
}
