package dev.finetune.engine.model;

import dev.finetune.engine.UserInputException;
import dev.finetune.engine.model.LayerSelection;
import dev.finetune.spec.FinetuneSpec;
import dev.finetune.spec.FinetuneSpec.DenseLayerSpec;
import org.deeplearning4j.nn.api.Layer;
import org.deeplearning4j.nn.conf.InputPreProcessor;
import org.deeplearning4j.nn.conf.MultiLayerConfiguration;
import org.deeplearning4j.nn.conf.graph.PreprocessorVertex;
import org.deeplearning4j.nn.conf.layers.BaseOutputLayer;
import org.deeplearning4j.nn.conf.preprocessor.CnnToFeedForwardPreProcessor;
import org.deeplearning4j.nn.conf.preprocessor.ComposableInputPreProcessor;
import org.deeplearning4j.nn.conf.preprocessor.FeedForwardToCnnPreProcessor;
import org.deeplearning4j.nn.conf.graph.GraphVertex;
import org.deeplearning4j.nn.conf.graph.LayerVertex;
import org.deeplearning4j.nn.conf.layers.BaseLayer;
import org.deeplearning4j.nn.conf.layers.DenseLayer;
import org.deeplearning4j.nn.conf.layers.FeedForwardLayer;
import org.deeplearning4j.nn.conf.layers.OutputLayer;
import org.deeplearning4j.nn.conf.layers.misc.FrozenLayer;
import org.deeplearning4j.nn.conf.layers.misc.FrozenLayerWithBackprop;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.nn.transferlearning.FineTuneConfiguration;
import org.deeplearning4j.nn.transferlearning.TransferLearning;
import org.deeplearning4j.nn.weights.WeightInit;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.learning.config.IUpdater;
import org.nd4j.linalg.lossfunctions.LossFunctions;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeSet;

/**
 * Turns a base network into the network to fine-tune: removes the top layers, adds the new head sized to the
 * classes in the data, and freezes the requested layers (their parameters stay byte-identical in training).
 */
public final class ModelSurgery {

    public static final String HEAD_OUTPUT = "head_output";
    /** The head's hidden layers are {@code head_dense_0}, {@code head_dense_1}, ... */
    public static final String HEAD_DENSE_PREFIX = "head_dense_";

    private final FinetuneSpec spec;

    public ModelSurgery(FinetuneSpec spec) {
        this.spec = spec;
    }

    public Net apply(Net base, int numClasses, String baseName) {
        Nd4j.getRandom().setSeed(spec.training().seed());
        return base.isGraph()
                ? graph((ComputationGraph) base.model(), numClasses, baseName)
                : multiLayer((MultiLayerNetwork) base.model(), numClasses, baseName);
    }

    /**
     * The head alone, for a frozen body that is not a DL4J network (an ONNX model): its dense layers and softmax
     * output on {@code nIn} features, with the spec's updater, seed, L2 and dropout, as {@code apply} gives the layers
     * it adds to a DL4J base.
     */
    public Net headOnly(long nIn, int numClasses) {
        Nd4j.getRandom().setSeed(spec.training().seed());
        var training = spec.training();
        var builder = new org.deeplearning4j.nn.conf.NeuralNetConfiguration.Builder()
                .seed(training.seed())
                .updater(Updaters.of(training.updater(), training.learningRate()));
        if (training.l2() > 0) {
            builder.l2(training.l2());
        }
        if (training.dropout() > 0) {
            // DL4J's dropOut argument is the probability of keeping an activation
            builder.dropOut(1.0 - training.dropout());
        }
        var list = builder.list();
        for (FeedForwardLayer layer : headLayers(nIn, numClasses)) {
            list.layer(layer);
        }
        MultiLayerNetwork head = new MultiLayerNetwork(list.build());
        head.init();
        return Net.of(head);
    }

    /**
     * The same architecture with fresh random weights and nothing frozen, for the "does pretraining help?"
     * comparison: trained on the same data with the same settings.
     */
    public Net scratchCopy(Net tuned) {
        IUpdater updater = Updaters.of(spec.training().updater(), spec.training().learningRate());
        Nd4j.getRandom().setSeed(spec.training().seed());
        if (tuned.isGraph()) {
            var conf = ((ComputationGraph) tuned.model()).getConfiguration().clone();
            // a fresh start: Adam's bias correction counts iterations, which the clone would carry over
            conf.setIterationCount(0);
            conf.setEpochCount(0);
            for (GraphVertex vertex : conf.getVertices().values()) {
                if (vertex instanceof LayerVertex lv) {
                    lv.getLayerConf().setLayer(unfrozen(lv.getLayerConf().getLayer(), updater));
                }
            }
            ComputationGraph scratch = new ComputationGraph(conf);
            scratch.init();
            return Net.of(scratch);
        }
        MultiLayerConfiguration conf = ((MultiLayerNetwork) tuned.model()).getLayerWiseConfigurations().clone();
        conf.setIterationCount(0);
        conf.setEpochCount(0);
        for (int i = 0; i < conf.getConfs().size(); i++) {
            conf.getConf(i).setLayer(unfrozen(conf.getConf(i).getLayer(), updater));
        }
        MultiLayerNetwork scratch = new MultiLayerNetwork(conf);
        scratch.init();
        return Net.of(scratch);
    }

    private static org.deeplearning4j.nn.conf.layers.Layer unfrozen(org.deeplearning4j.nn.conf.layers.Layer layer, IUpdater updater) {
        org.deeplearning4j.nn.conf.layers.Layer inner = Dl4jZipFormat.inner(layer);
        if (inner instanceof BaseLayer b) {
            b.setIUpdater(updater.clone());
        }
        return inner;
    }

    private FineTuneConfiguration fineTuneConfiguration() {
        var training = spec.training();
        FineTuneConfiguration.Builder b = new FineTuneConfiguration.Builder()
                .updater(Updaters.of(training.updater(), training.learningRate()))
                .seed(training.seed());
        if (training.l2() > 0) {
            b.l2(training.l2());
        }
        if (training.dropout() > 0) {
            // DL4J's dropOut argument is the probability of keeping an activation
            b.dropOut(1.0 - training.dropout());
        }
        return b.build();
    }

    private Net multiLayer(MultiLayerNetwork base, int numClasses, String baseName) {
        Layer[] layers = base.getLayers();
        List<String> names = new ArrayList<>();
        for (Layer layer : layers) {
            names.add(Net.layerName(layer));
        }
        int remove = LayerSelection.removedLayers(spec.head(), names, Map.of(), baseName);
        TreeSet<Integer> frozen = LayerSelection.frozenIndices(spec.freeze(), names, baseName, remove);
        LayerSelection.requireKept(frozen, names, remove, baseName);
        int kept = layers.length - remove;
        List<Long> params = java.util.Arrays.stream(layers).map(Layer::numParams).toList();
        Map<Integer, Double> rates = LayerRates.withDecay(
                LayerRates.resolve(spec.training().layerLearningRates(), names, kept, frozen, baseName), spec.training(),
                java.util.stream.IntStream.range(0, kept).boxed().toList(), params, frozen);
        int prefix = frozenPrefix(frozen);
        long nIn = outputSize(layers[kept - 1].conf().getLayer(), names.get(kept - 1));

        TransferLearning.Builder builder = new TransferLearning.Builder(base)
                .fineTuneConfiguration(fineTuneConfiguration())
                .removeLayersFromOutput(remove);
        if (prefix >= 0) {
            builder.setFeatureExtractor(prefix);
        }
        for (var layer : headLayers(nIn, numClasses)) {
            builder.addLayer(layer);
        }
        MultiLayerNetwork tuned = builder.build();

        // DL4J can only freeze a prefix; layers frozen above it keep passing gradients down but never update
        List<Integer> above = frozen.stream().filter(i -> i > prefix).toList();
        if (above.isEmpty()) {
            return Net.of(LayerRates.apply(tuned, rates, spec.training()));
        }
        MultiLayerConfiguration conf = tuned.getLayerWiseConfigurations().clone();
        for (int index : above) {
            conf.getConf(index).setLayer(new FrozenLayerWithBackprop(conf.getConf(index).getLayer()));
        }
        MultiLayerNetwork wrapped = new MultiLayerNetwork(conf);
        wrapped.init(tuned.params().dup(), false);
        return Net.of(LayerRates.apply(wrapped, rates, spec.training()));
    }

    /** The last index of the run of frozen layers starting at layer 0, or -1. */
    private static int frozenPrefix(TreeSet<Integer> frozen) {
        int prefix = -1;
        while (frozen.contains(prefix + 1)) {
            prefix++;
        }
        return prefix;
    }

    private Net graph(ComputationGraph base, int numClasses, String baseName) {
        var conf = base.getConfiguration();
        if (conf.getNetworkOutputs().size() != 1) {
            throw new UserInputException(baseName + " has " + conf.getNetworkOutputs().size()
                    + " outputs " + conf.getNetworkOutputs() + "; only single-output graphs can get a new head");
        }
        List<String> names = new ArrayList<>();
        for (Layer layer : base.getLayers()) {
            names.add(Net.layerName(layer));
        }
        Map<String, List<String>> inputs = conf.getVertexInputs();
        int remove = LayerSelection.removedLayers(spec.head(), names, inputs, baseName);
        if (remove < 1 || remove >= names.size()) {
            throw new UserInputException("`head.removeLayers` is " + remove + " but the base " + baseName + " has only "
                    + names.size() + " layers: " + LayerSelection.describe(names));
        }
        // the lowest removed layer and every vertex that depends on it go; the head sits on that layer's one input
        String lowest = names.get(names.size() - remove);
        List<String> removed = dependents(lowest, inputs);
        List<String> removedLayers = names.subList(names.size() - remove, names.size());
        List<String> in = inputs.get(lowest);
        if (in == null || in.size() != 1 || conf.getNetworkInputs().contains(in.get(0))
                || !removed.containsAll(conf.getNetworkOutputs()) || !removed.containsAll(removedLayers)
                || removed.stream().filter(names::contains).count() != remove) {
            throw new UserInputException("the head replaces " + spec.head().removedText() + " of " + baseName + " ("
                    + removedLayers + "), but these are not the top of the graph above one vertex to keep as the head's input"
                    + " (the layers depending on `" + lowest + "`: " + removed.stream().filter(names::contains).toList()
                    + "; its inputs: " + in + ")");
        }
        String top = in.get(0);
        TreeSet<Integer> frozen = LayerSelection.frozenIndices(spec.freeze(), names, baseName, remove);
        List<String> frozenNames = new ArrayList<>();
        for (int index : frozen) {
            if (removed.contains(names.get(index))) {
                throw new UserInputException("`freeze` names layer `" + names.get(index) + "`, which the head replaces in "
                        + baseName + "; removed by the head: " + removed);
            }
            frozenNames.add(names.get(index));
        }
        HeadInput headInput = headInput(base, top);
        // the kept layers in index order: a graph's removed vertices are its top, so the kept ones come first
        List<String> keptNames = names.stream().filter(n -> !removed.contains(n)).toList();
        Map<Integer, Double> rateByIndex = LayerRates.resolve(spec.training().layerLearningRates(), names,
                names.size(), frozen, baseName);
        Map<String, Double> rates = new java.util.LinkedHashMap<>();
        for (Map.Entry<Integer, Double> r : rateByIndex.entrySet()) {
            String name = names.get(r.getKey());
            if (!keptNames.contains(name)) {
                throw new UserInputException(spec.training().layerLearningRates().get(0).layers().location()
                        + ": `training.layerLearningRates` names layer `" + name + "`, which the head replaces in " + baseName
                        + "; removed by the head: " + removed);
            }
            rates.put(name, r.getValue());
        }
        if (spec.training().layerLearningRateDecay() != dev.finetune.spec.FinetuneSpec.TrainingSpec.NO_DECAY) {
            // depth below the head in index order (a graph's topological order): kept layers only
            List<Integer> keptIndices = java.util.stream.IntStream.range(0, names.size())
                    .filter(i -> keptNames.contains(names.get(i))).boxed().toList();
            List<Long> params = java.util.Arrays.stream(base.getLayers()).map(Layer::numParams).toList();
            Map<Integer, Double> byIndex = LayerRates.withDecay(rateByIndex, spec.training(), keptIndices, params, frozen);
            rates.clear();
            byIndex.forEach((index, rate) -> rates.put(names.get(index), rate));
        }

        TransferLearning.GraphBuilder builder = new TransferLearning.GraphBuilder(base)
                .fineTuneConfiguration(fineTuneConfiguration());
        if (!frozenNames.isEmpty()) {
            // in a graph, freezing a layer also freezes every layer that feeds it
            builder.setFeatureExtractor(frozenNames.toArray(String[]::new));
        }
        for (String name : removed) {
            builder.removeVertexAndConnections(name);
        }
        String previous = top;
        for (var layer : headLayers(headInput.size(), numClasses)) {
            if (previous.equals(top) && headInput.flatten().isPresent()) {
                builder.addLayer(layer.getLayerName(), layer, headInput.flatten().get(), previous);
            } else {
                builder.addLayer(layer.getLayerName(), layer, previous);
            }
            previous = layer.getLayerName();
        }
        builder.setOutputs(previous);
        return Net.of(LayerRates.apply(builder.build(), rates, spec.training()));
    }

    /** {@code vertex} and every vertex that depends on it, in the graph's vertex order. */
    private static List<String> dependents(String vertex, Map<String, List<String>> inputs) {
        java.util.Set<String> out = new java.util.LinkedHashSet<>(List.of(vertex));
        boolean grew = true;
        while (grew) {
            grew = false;
            for (Map.Entry<String, List<String>> e : inputs.entrySet()) {
                if (!out.contains(e.getKey()) && e.getValue().stream().anyMatch(out::contains)) {
                    out.add(e.getKey());
                    grew = true;
                }
            }
        }
        return List.copyOf(out);
    }

    /**
     * The size of the features the head's first layer takes from {@code top}, and the flattening it needs when
     * {@code top}'s output is an image (a pooling layer's {@code 1x1x1280}, or any feature map).
     */
    record HeadInput(long size, Optional<InputPreProcessor> flatten) {
    }

    /**
     * What the head sits on: a dense layer's size as configured; anything else (a pooling layer, a flattening
     * vertex, a feature map) by one forward pass of a zero example, since DL4J's configuration states no image sizes.
     * Feature maps are flattened in the order DL4J holds them, as Keras' Flatten does (a plain 'c'-order reshape,
     * which is what CnnToFeedForwardPreProcessor does in either channel order).
     */
    static HeadInput headInput(ComputationGraph graph, String top) {
        GraphVertex vertex = graph.getConfiguration().getVertices().get(top);
        if (vertex instanceof LayerVertex lv) {
            org.deeplearning4j.nn.conf.layers.Layer inner = Dl4jZipFormat.inner(lv.getLayerConf().getLayer());
            if ((inner instanceof DenseLayer || inner instanceof BaseOutputLayer) && ((FeedForwardLayer) inner).getNOut() > 0) {
                return new HeadInput(((FeedForwardLayer) inner).getNOut(), Optional.empty());
            }
        }
        long inputSize = flatInputSize(graph);
        if (inputSize <= 0) {
            throw new UserInputException("the head would sit on `" + top + "`, whose output size this graph does not"
                    + " state; set `head.removeLayers` or `head.replaceFrom` so that a dense layer stays on top");
        }
        INDArray probe = Nd4j.zeros(graph.getConfiguration().getDataType(), 1, inputSize);
        INDArray out = graph.feedForward(probe, false).get(top);
        graph.clearLayersStates();
        long[] shape = out.shape();
        if (shape.length == 2) {
            return new HeadInput(shape[1], Optional.empty());
        }
        if (shape.length == 4) {
            // sizes in the order the array holds them: the preprocessor only checks them and reshapes in 'c' order
            return new HeadInput(shape[1] * shape[2] * shape[3],
                    Optional.of(new CnnToFeedForwardPreProcessor(shape[2], shape[3], shape[1])));
        }
        throw new UserInputException("the head would sit on `" + top + "`, whose output has shape "
                + java.util.Arrays.toString(java.util.Arrays.copyOfRange(shape, 1, shape.length))
                + " (a sequence); only vectors and image feature maps can feed the new dense head");
    }

    /** The length of a flat example row the graph takes: from its input reshape, or its first layer's input size. */
    private static long flatInputSize(ComputationGraph graph) {
        var conf = graph.getConfiguration();
        String input = conf.getNetworkInputs().get(0);
        for (Map.Entry<String, List<String>> e : conf.getVertexInputs().entrySet()) {
            if (!e.getValue().equals(List.of(input))) {
                continue;
            }
            GraphVertex vertex = conf.getVertices().get(e.getKey());
            InputPreProcessor pre = vertex instanceof LayerVertex lv ? lv.getPreProcessor()
                    : vertex instanceof PreprocessorVertex pv ? pv.getPreProcessor() : null;
            if (pre instanceof ComposableInputPreProcessor c && c.getInputPreProcessors().length > 0) {
                pre = c.getInputPreProcessors()[0];
            }
            if (pre instanceof FeedForwardToCnnPreProcessor f) {
                return f.getInputHeight() * f.getInputWidth() * f.getNumChannels();
            }
            if (vertex instanceof LayerVertex lv && Dl4jZipFormat.inner(lv.getLayerConf().getLayer()) instanceof FeedForwardLayer ff
                    && !(ff instanceof org.deeplearning4j.nn.conf.layers.ConvolutionLayer)) {
                return ff.getNIn();
            }
        }
        return -1;
    }

    private List<FeedForwardLayer> headLayers(long nIn, int numClasses) {
        List<FeedForwardLayer> head = new ArrayList<>();
        long previous = nIn;
        List<DenseLayerSpec> hidden = spec.head().hidden();
        for (int i = 0; i < hidden.size(); i++) {
            DenseLayerSpec h = hidden.get(i);
            head.add(new DenseLayer.Builder().name(HEAD_DENSE_PREFIX + i).nIn(previous).nOut(h.units())
                    .activation(Updaters.activation(h.activation())).weightInit(WeightInit.XAVIER).build());
            previous = h.units();
        }
        head.add(new OutputLayer.Builder(LossFunctions.LossFunction.MCXENT).name(HEAD_OUTPUT).nIn(previous).nOut(numClasses)
                .activation(Activation.SOFTMAX).weightInit(WeightInit.XAVIER).build());
        return head;
    }

    private static long outputSize(org.deeplearning4j.nn.conf.layers.Layer layer, String name) {
        org.deeplearning4j.nn.conf.layers.Layer inner = layer instanceof FrozenLayer f ? f.getLayer() : layer;
        if (inner instanceof FeedForwardLayer ff && ff.getNOut() > 0) {
            return ff.getNOut();
        }
        throw new UserInputException("the head would sit on layer `" + name + "` (" + inner.getClass().getSimpleName()
                + "), whose output size is not a plain vector; set `head.removeLayers` so that a dense layer stays on top");
    }
}
