package dev.finetune.engine.model;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.finetune.engine.UserInputException;
import dev.finetune.engine.layout.OutputFiles;
import org.deeplearning4j.nn.conf.ComputationGraphConfiguration;
import org.deeplearning4j.nn.conf.MultiLayerConfiguration;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.graph.GraphVertex;
import org.deeplearning4j.nn.conf.graph.LayerVertex;
import org.deeplearning4j.nn.conf.layers.Layer;
import org.deeplearning4j.nn.conf.layers.misc.FrozenLayer;
import org.deeplearning4j.nn.conf.layers.misc.FrozenLayerWithBackprop;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.util.ModelSerializer;
import org.nd4j.linalg.api.ndarray.INDArray;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.zip.ZipEntry;
import java.util.zip.ZipFile;

/**
 * DL4J's model zip as {@code ModelSerializer} writes it: {@code configuration.json} and {@code coefficients.bin}, for
 * a MultiLayerNetwork or a ComputationGraph (told apart by the configuration: a graph's has {@code "vertices"}).
 * The plugin's own model artifact is such a zip with more entries, so a tuned model can be the next base.
 */
final class Dl4jZipFormat implements BaseFormat {

    static final String CONFIGURATION = "configuration.json";
    static final String COEFFICIENTS = "coefficients.bin";
    /**
     * Entries {@code ModelSerializer} would read with Java deserialization ({@code ObjectInputStream.readObject}):
     * an object stream from a pull request or a repository could run code in the training JVM. The plugin needs none
     * of them from a base, so a base holding one is refused.
     */
    static final List<String> JAVA_SERIALIZED = List.of("preprocessor.bin");
    /** The most of configuration.json read: real ones are kilobytes; a zip bomb must not exhaust the heap. */
    static final int MAX_CONFIGURATION_BYTES = 16 << 20;

    @Override
    public String name() {
        return "dl4j";
    }

    @Override
    public boolean channelsLast() {
        return false;
    }

    @Override
    public String displayName() {
        return "DL4J model zip";
    }

    @Override
    public String looksLike() {
        return "a zip holding " + CONFIGURATION + " and " + COEFFICIENTS + ", as ModelSerializer writes it";
    }

    @Override
    public boolean recognises(Path file) {
        try (ZipFile zip = new ZipFile(file.toFile())) {
            return zip.getEntry(CONFIGURATION) != null && zip.getEntry(COEFFICIENTS) != null;
        } catch (IOException e) {
            return false; // not a zip at all
        }
    }

    @Override
    public BaseModelInfo inspect(Path file) {
        JsonNode conf;
        boolean packaged;
        try (ZipFile zip = new ZipFile(file.toFile())) {
            ZipEntry entry = zip.getEntry(CONFIGURATION);
            if (entry == null) {
                throw new UserInputException(file + ": not a DL4J model zip (no " + CONFIGURATION + " inside)");
            }
            for (String serialized : JAVA_SERIALIZED) {
                if (zip.getEntry(serialized) != null) {
                    throw new UserInputException(file + ": holds " + serialized + ", a Java-serialized object, which this"
                            + " plugin refuses to deserialize (it could run code from the file); the plugin does not use a"
                            + " base's " + serialized + ": remove the entry from the zip");
                }
            }
            byte[] json;
            try (InputStream in = zip.getInputStream(entry)) {
                json = in.readNBytes(MAX_CONFIGURATION_BYTES + 1);
            }
            if (json.length > MAX_CONFIGURATION_BYTES) {
                throw new UserInputException(file + ": its " + CONFIGURATION + " is larger than " + (MAX_CONFIGURATION_BYTES >> 20)
                        + " MiB; a DL4J configuration is kilobytes, so this is not a model this plugin loads");
            }
            conf = new ObjectMapper().readTree(json);
            packaged = zip.getEntry(OutputFiles.ARCHIVE_METADATA_DIR + OutputFiles.LINEAGE) != null;
        } catch (IOException e) {
            throw new UserInputException(file + ": not a readable DL4J model zip: " + e.getMessage(), e);
        }
        return isGraph(conf) ? graph(conf, packaged) : multiLayer(conf, packaged);
    }

    /**
     * The network with its parameters. Layers a previous fine-tuning froze (a packaged model used as the next base)
     * come back unfrozen: this spec's {@code freeze} decides anew, and DL4J would otherwise wrap them a second time,
     * which breaks their forward pass.
     */
    @Override
    public Net load(Path file) {
        BaseModelInfo info = inspect(file);
        Net net;
        try {
            net = info.graph() ? Net.of(ModelSerializer.restoreComputationGraph(file.toFile(), false))
                    : Net.of(ModelSerializer.restoreMultiLayerNetwork(file.toFile(), false));
        } catch (IOException | RuntimeException e) {
            // an EOFException has no message: say what it means
            String why = endsEarly(e) ? COEFFICIENTS + " ends early (the file is truncated or corrupt;"
                    + " copy or download it again)" : e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
            throw new UserInputException(file + ": cannot load the base model as a DL4J "
                    + (info.graph() ? "ComputationGraph" : "MultiLayerNetwork") + ": " + why, e);
        }
        return info.layers().stream().anyMatch(BaseModelInfo.LayerInfo::frozen) ? unfrozen(net) : net;
    }

    /** Whether reading stopped at an unexpected end of data, perhaps wrapped by DL4J in a RuntimeException. */
    private static boolean endsEarly(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof java.io.EOFException) {
                return true;
            }
        }
        return false;
    }

    /** The same network and parameters without frozen wrappers; a frozen layer's parameters are its inner layer's. */
    private static Net unfrozen(Net net) {
        INDArray params = net.params().dup();
        if (net instanceof Net.Graph g) {
            ComputationGraphConfiguration conf = g.graph().getConfiguration().clone();
            for (GraphVertex vertex : conf.getVertices().values()) {
                if (vertex instanceof LayerVertex lv) {
                    lv.getLayerConf().setLayer(inner(lv.getLayerConf().getLayer()));
                }
            }
            ComputationGraph graph = new ComputationGraph(conf);
            graph.init(params, false);
            return Net.of(graph);
        }
        MultiLayerConfiguration conf = ((Net.Layered) net).network().getLayerWiseConfigurations().clone();
        for (NeuralNetConfiguration layerConf : conf.getConfs()) {
            layerConf.setLayer(inner(layerConf.getLayer()));
        }
        MultiLayerNetwork network = new MultiLayerNetwork(conf);
        network.init(params, false);
        return Net.of(network);
    }

    /** The layer configuration a frozen wrapper holds, else the configuration itself. */
    static Layer inner(Layer layer) {
        if (layer instanceof FrozenLayer f) {
            return f.getLayer();
        }
        if (layer instanceof FrozenLayerWithBackprop f) {
            return f.getUnderlying();
        }
        return layer;
    }

    private static boolean isGraph(JsonNode conf) {
        return conf.has("vertices");
    }

    private static String format(boolean graph, boolean packaged) {
        return (packaged ? "model packaged by finetune-maven-plugin, a DL4J model zip" : "DL4J model zip")
                + (graph ? " (ComputationGraph)" : " (MultiLayerNetwork)");
    }

    private static BaseModelInfo multiLayer(JsonNode conf, boolean packaged) {
        List<BaseModelInfo.LayerInfo> layers = new ArrayList<>();
        JsonNode confs = conf.path("confs");
        for (int i = 0; i < confs.size(); i++) {
            layers.add(layer(confs.get(i).path("layer"), String.valueOf(i)));
        }
        Optional<List<Long>> inputShape = Optional.empty();
        JsonNode first = inner(confs.path(0).path("layer"));
        JsonNode pre = conf.path("inputPreProcessors").path("0");
        if (pre.path("@class").asText().endsWith("FeedForwardToCnnPreProcessor")) {
            inputShape = Optional.of(List.of(pre.path("numChannels").asLong(), pre.path("inputHeight").asLong(),
                    pre.path("inputWidth").asLong()));
        } else if (first.path("@class").asText().endsWith(".DenseLayer") && first.path("nin").asLong() > 0) {
            inputShape = Optional.of(List.of(first.path("nin").asLong()));
        }
        if (inputShape.isPresent() && inputShape.get().size() == 3) {
            layers = withImageShapes(layers, confs, inputShape.get());
        }
        return new BaseModelInfo(format(false, packaged), false, List.copyOf(layers), inputShape, packaged);
    }

    /**
     * The layers with their output shapes from a {@code [channels, height, width]} input, computed from the
     * configuration as DL4J sizes 2D convolutions and pooling (Truncate: {@code (in + 2p - d(k-1) - 1) / s + 1};
     * Same: {@code ceil(in / s)}), given as height x width x channels like a Keras base's. From a layer kind this
     * does not size on, image shapes are unknown (vector sizes still show).
     */
    private static List<BaseModelInfo.LayerInfo> withImageShapes(List<BaseModelInfo.LayerInfo> layers, JsonNode confs, List<Long> chw) {
        List<BaseModelInfo.LayerInfo> out = new ArrayList<>();
        long[] hwc = {chw.get(1), chw.get(2), chw.get(0)};
        for (int i = 0; i < layers.size(); i++) {
            BaseModelInfo.LayerInfo info = layers.get(i);
            JsonNode layer = inner(confs.path(i).path("layer"));
            String type = layer.path("@class").asText("");
            type = type.substring(type.lastIndexOf('.') + 1);
            if (hwc != null) {
                switch (type) {
                    case "ConvolutionLayer", "Convolution2D", "SubsamplingLayer", "DepthwiseConvolution2D", "SeparableConvolution2D" -> {
                        long channels = switch (type) {
                            case "SubsamplingLayer" -> hwc[2];
                            case "DepthwiseConvolution2D" -> hwc[2] * layer.path("depthMultiplier").asLong(1);
                            default -> layer.path("nout").asLong();
                        };
                        boolean same = layer.path("convolutionMode").asText("Truncate").equals("Same");
                        hwc = new long[] {window(hwc[0], layer, 0, same), window(hwc[1], layer, 1, same), channels};
                    }
                    case "BatchNormalization", "ActivationLayer", "DropoutLayer", "LocalResponseNormalization" -> {
                        // same shape
                    }
                    case "GlobalPoolingLayer" -> hwc = null;
                    default -> hwc = info.nOut() > 0 ? null : new long[] {-1, -1, -1};
                }
            }
            boolean image = hwc != null && hwc[0] > 0 && hwc[1] > 0 && hwc[2] > 0;
            if (hwc != null && !image) {
                hwc = null; // unknown from here on
            }
            out.add(image ? new BaseModelInfo.LayerInfo(info.name(), info.type(), info.nOut(), info.params(), info.frozen(),
                    List.of(hwc[0], hwc[1], hwc[2])) : info);
        }
        return out;
    }

    private static long window(long in, JsonNode layer, int axis, boolean same) {
        long k = layer.path("kernelSize").path(axis).asLong(1);
        long s = layer.path("stride").path(axis).asLong(1);
        long p = layer.path("padding").path(axis).asLong(0);
        long d = layer.path("dilation").path(axis).asLong(1);
        return same ? (in + s - 1) / s : (in + 2 * p - d * (k - 1) - 1) / s + 1;
    }

    private static BaseModelInfo graph(JsonNode conf, boolean packaged) {
        Map<String, List<String>> inputs = new LinkedHashMap<>();
        conf.path("vertexInputs").fields().forEachRemaining(e -> {
            List<String> in = new ArrayList<>();
            e.getValue().forEach(n -> in.add(n.asText()));
            inputs.put(e.getKey(), in);
        });
        List<BaseModelInfo.LayerInfo> layers = new ArrayList<>();
        Optional<List<Long>> inputShape = Optional.empty();
        for (String name : topologicalOrder(conf, inputs)) {
            JsonNode vertex = conf.path("vertices").path(name);
            if (vertex.has("layerConf")) {
                JsonNode layer = vertex.path("layerConf").path("layer");
                layers.add(layer(layer, name));
                JsonNode inside = inner(layer);
                boolean fedByInput = inputs.getOrDefault(name, List.of()).stream().anyMatch(i -> !conf.path("vertices").has(i));
                if (fedByInput && inside.path("@class").asText().endsWith(".DenseLayer") && inside.path("nin").asLong() > 0) {
                    inputShape = Optional.of(List.of(inside.path("nin").asLong()));
                }
            }
        }
        return new BaseModelInfo(format(true, packaged), true, List.copyOf(layers), inputShape, packaged, inputs);
    }

    /** The layer a frozen wrapper holds (the plugin's own packaged models have frozen layers), else the layer. */
    private static JsonNode inner(JsonNode layer) {
        String type = layer.path("@class").asText("");
        return type.endsWith(".FrozenLayer") || type.endsWith(".FrozenLayerWithBackprop") ? layer.path("layer") : layer;
    }

    private static BaseModelInfo.LayerInfo layer(JsonNode wrapper, String fallbackName) {
        JsonNode layer = inner(wrapper);
        boolean frozen = layer != wrapper;
        String type = layer.path("@class").asText("?");
        String simple = type.substring(type.lastIndexOf('.') + 1);
        boolean vector = layer.has("nout") && layer.path("nout").asLong() > 0
                && !simple.contains("Convolution") && !simple.contains("Subsampling") && !simple.contains("LSTM");
        String name = layer.path("layerName").asText(wrapper.path("layerName").asText(fallbackName));
        return new BaseModelInfo.LayerInfo(name, simple, vector ? layer.path("nout").asLong() : -1, params(simple, layer), frozen);
    }

    /**
     * Parameter counts of the layer kinds whose parameters follow from their configuration alone; empty for others
     * (the weights would tell, but this inspection does not read them).
     */
    static Optional<Long> params(String type, JsonNode layer) {
        long nIn = layer.path("nin").asLong();
        long nOut = layer.path("nout").asLong();
        long bias = layer.path("hasBias").asBoolean(true) ? nOut : 0;
        switch (type) {
            case "DenseLayer", "OutputLayer", "EmbeddingLayer", "CenterLossOutputLayer":
                return Optional.of(nIn * nOut + bias);
            case "ConvolutionLayer":
                long kernel = 1;
                for (JsonNode k : layer.path("kernelSize")) {
                    kernel *= k.asLong();
                }
                return Optional.of(kernel * nIn * nOut + bias);
            case "BatchNormalization":
                // gamma and beta (unless locked) plus the running mean and variance
                return Optional.of((layer.path("lockGammaBeta").asBoolean(false) ? 2 : 4) * nOut);
            case "SubsamplingLayer", "GlobalPoolingLayer", "ActivationLayer", "DropoutLayer", "LossLayer",
                 "ZeroPaddingLayer", "Cropping2D", "Upsampling2D", "LocalResponseNormalization":
                return Optional.of(0L);
            default:
                return Optional.empty();
        }
    }

    private static List<String> topologicalOrder(JsonNode conf, Map<String, List<String>> inputs) {
        Map<String, Integer> pending = new HashMap<>();
        Map<String, List<String>> consumers = new HashMap<>();
        List<String> vertices = new ArrayList<>();
        conf.path("vertices").fieldNames().forEachRemaining(vertices::add);
        for (String v : vertices) {
            int count = 0;
            for (String in : inputs.getOrDefault(v, List.of())) {
                if (conf.path("vertices").has(in)) {
                    count++;
                    consumers.computeIfAbsent(in, k -> new ArrayList<>()).add(v);
                }
            }
            pending.put(v, count);
        }
        Deque<String> ready = new ArrayDeque<>();
        vertices.stream().filter(v -> pending.get(v) == 0).forEach(ready::add);
        List<String> order = new ArrayList<>();
        while (!ready.isEmpty()) {
            String v = ready.poll();
            order.add(v);
            for (String c : consumers.getOrDefault(v, List.of())) {
                if (pending.merge(c, -1, Integer::sum) == 0) {
                    ready.add(c);
                }
            }
        }
        return order;
    }
}
