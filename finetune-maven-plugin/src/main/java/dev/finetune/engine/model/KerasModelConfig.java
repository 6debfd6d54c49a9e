package dev.finetune.engine.model;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.DoubleNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.finetune.engine.UserInputException;
import io.jhdf.HdfFile;
import io.jhdf.api.Attribute;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashMap;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * What a Keras 2 {@code .h5} file says about its model, read with a pure-Java HDF5 reader (jHDF): no native HDF5,
 * no ND4J, so {@code finetune:validate} can inspect it in Maven's JVM. Holds the root attributes Keras'
 * {@code model.save("x.h5")} writes ({@code model_config}, {@code keras_version}, {@code backend} and, for a compiled
 * model, {@code training_config}) and turns the model configuration into a {@link BaseModelInfo} whose layers are the
 * ones DL4J's importer builds from it: Keras layers that become input preprocessors or graph vertices (InputLayer,
 * Flatten, Reshape, Permute, merges such as Add) are not layers there, so they are not listed.
 *
 * <p>Refuses, as user errors that say what to do, what DL4J 1.0.0-M2.1's Keras import cannot read or this plugin
 * cannot fine-tune: Keras 1 and Keras 3 files, channels-first layers, models nested as layers, several inputs.
 */
final class KerasModelConfig {

    static final String MODEL_CONFIG = "model_config";
    static final String TRAINING_CONFIG = "training_config";

    /** What to do with a model this plugin cannot read, for the messages. */
    static final String RESAVE_WITH_KERAS_2 = "re-save it with Keras 2 as .h5: load it with tf.keras (TensorFlow 2.15 or "
            + "older, or the tf_keras package) and call model.save(\"model.h5\")";

    /**
     * Configuration keys whose values DL4J's importer casts to {@code Double}: Keras writes what the user passed, so
     * {@code ReLU(max_value=6)} saves the integer 6, and the cast throws a ClassCastException. Integers under these
     * keys are rewritten as floating-point numbers before the configuration goes to the importer.
     */
    static final Set<String> FLOAT_KEYS = Set.of("max_value", "negative_slope", "threshold", "alpha", "theta", "rate",
            "stddev", "epsilon", "momentum", "l1", "l2", "dropout", "recurrent_dropout");

    /** Keras layers that DL4J imports as input preprocessors or graph vertices, not as layers. */
    private static final Set<String> NOT_LAYERS = Set.of("InputLayer", "Flatten", "Reshape", "Permute", "Merge", "Add",
            "Subtract", "Multiply", "Average", "Maximum", "Concatenate");

    /** Model classes that may not appear as a layer: DL4J's importer reads flat models only. */
    private static final Set<String> MODEL_CLASSES = Set.of("Sequential", "Model", "Functional");

    private static final ObjectMapper JSON = new ObjectMapper();

    private final Path file;
    private final JsonNode model;
    private final String kerasVersion;
    private final String backend;
    private final Optional<JsonNode> training;

    private KerasModelConfig(Path file, JsonNode model, String kerasVersion, String backend, Optional<JsonNode> training) {
        this.file = file;
        this.model = model;
        this.kerasVersion = kerasVersion;
        this.backend = backend;
        this.training = training;
    }

    /** Reads the root attributes; a user error for files this plugin cannot use, saying what to do instead. */
    static KerasModelConfig read(Path file) {
        if (KerasH5Format.isKeras3Archive(file)) {
            throw new UserInputException(file + ": a .keras archive (Keras 3's format" + archiveVersion(file).map(v -> ", saved by Keras " + v)
                    .orElse("") + "); DL4J's Keras import reads Keras 2 HDF5 models only: " + RESAVE_WITH_KERAS_2);
        }
        String modelJson;
        String version;
        String backend;
        String trainingJson;
        try (HdfFile hdf = new HdfFile(file)) {
            modelJson = stringAttribute(hdf, MODEL_CONFIG);
            version = stringAttribute(hdf, "keras_version");
            backend = stringAttribute(hdf, "backend");
            trainingJson = stringAttribute(hdf, TRAINING_CONFIG);
        } catch (RuntimeException e) {
            throw new UserInputException(file + ": not a readable HDF5 file: " + e.getMessage(), e);
        }
        if (modelJson == null) {
            throw new UserInputException(file + ": an HDF5 file without a Keras `" + MODEL_CONFIG + "` (weights only, as "
                    + "model.save_weights() writes them?); save the whole model with model.save(\"model.h5\")");
        }
        JsonNode model;
        Optional<JsonNode> training;
        try {
            model = JSON.readTree(modelJson);
            training = trainingJson == null ? Optional.empty() : Optional.of(JSON.readTree(trainingJson));
        } catch (IOException e) {
            throw new UserInputException(file + ": the Keras `" + MODEL_CONFIG + "` is not valid JSON: " + e.getMessage(), e);
        }
        if (version == null) {
            version = model.path("keras_version").asText("");
        }
        if (version.startsWith("1.") || version.isEmpty()) {
            throw new UserInputException(file + ": saved by Keras " + (version.isEmpty() ? "1 (no keras_version)" : version)
                    + "; this plugin reads Keras 2 models: " + RESAVE_WITH_KERAS_2);
        }
        if (!version.startsWith("2.")) {
            throw new UserInputException(file + ": saved by Keras " + version + ", whose layer configurations DL4J's "
                    + "Keras import does not read; " + RESAVE_WITH_KERAS_2);
        }
        KerasModelConfig config = new KerasModelConfig(file, model, version, backend == null ? "tensorflow" : backend, training);
        config.refuseWhatCannotBeImported();
        return config;
    }

    /** The keras_version in a .keras archive's metadata.json, when it can be read. */
    private static Optional<String> archiveVersion(Path file) {
        try (java.util.zip.ZipFile zip = new java.util.zip.ZipFile(file.toFile())) {
            java.util.zip.ZipEntry metadata = zip.getEntry("metadata.json");
            if (metadata == null) {
                return Optional.empty();
            }
            try (java.io.InputStream in = zip.getInputStream(metadata)) {
                String version = JSON.readTree(in).path("keras_version").asText("");
                return version.isEmpty() ? Optional.empty() : Optional.of(version);
            }
        } catch (IOException | RuntimeException e) {
            return Optional.empty();
        }
    }

    /** A string attribute of the file's root, or null when absent; jHDF gives fixed- and variable-length ones alike. */
    private static String stringAttribute(HdfFile hdf, String name) {
        Attribute attribute = hdf.getAttribute(name);
        if (attribute == null) {
            return null;
        }
        Object data = attribute.getData();
        if (data instanceof String s) {
            return s;
        }
        if (data instanceof String[] array && array.length == 1) {
            return array[0];
        }
        if (data instanceof byte[] bytes) {
            return new String(bytes, java.nio.charset.StandardCharsets.UTF_8);
        }
        throw new UserInputException(hdf.getFile() + ": attribute `" + name + "` is not a string but " + data.getClass().getSimpleName());
    }

    String className() {
        return model.path("class_name").asText("");
    }

    /** Sequential models become a MultiLayerNetwork; functional ones ({@code Model}, {@code Functional}) a ComputationGraph. */
    boolean sequential() {
        return className().equals("Sequential");
    }

    String kerasVersion() {
        return kerasVersion;
    }

    boolean hasTrainingConfig() {
        return training.isPresent();
    }

    /** Whether the file holds an optimizer configuration: what breaks the import of Keras 2.11+ files (deeplearning4j#10042). */
    boolean hasOptimizerConfig() {
        return training.map(t -> t.hasNonNull("optimizer_config")).orElse(false);
    }

    /** The layer configurations in file order (a Sequential model of Keras 2.0/2.1 stores them as the config itself). */
    List<JsonNode> layers() {
        JsonNode config = model.path("config");
        JsonNode layers = config.isArray() ? config : config.path("layers");
        List<JsonNode> out = new ArrayList<>();
        layers.forEach(out::add);
        return out;
    }

    static String name(JsonNode layer) {
        return layer.path("config").path("name").asText(layer.path("name").asText("?"));
    }

    private void refuseWhatCannotBeImported() {
        String kind = className();
        if (!MODEL_CLASSES.contains(kind)) {
            throw new UserInputException(file + ": a Keras model of class `" + kind + "`; DL4J's Keras import reads "
                    + "Sequential and functional (Model, Functional) models");
        }
        if (layers().isEmpty()) {
            throw new UserInputException(file + ": the Keras model has no layers");
        }
        for (JsonNode layer : layers()) {
            String type = layer.path("class_name").asText("");
            if (MODEL_CLASSES.contains(type)) {
                throw new UserInputException(file + ": layer `" + name(layer) + "` is itself a Keras model (" + type
                        + "); DL4J's Keras import reads flat models only: rebuild the model from the inner model's layers "
                        + "(e.g. keras.Model(inner.input, head(inner.output))) and save that");
            }
            if (layer.path("config").path("data_format").asText("").equals("channels_first")) {
                throw new UserInputException(file + ": layer `" + name(layer) + "` (" + type + ") uses data_format "
                        + "channels_first; this plugin fine-tunes channels-last Keras models (Keras' default): rebuild the "
                        + "model with data_format=\"channels_last\" (use channels_last), copy the weights and save it again");
            }
        }
        if (!sequential() && model.path("config").path("input_layers").size() != 1) {
            throw new UserInputException(file + ": the Keras model has " + model.path("config").path("input_layers").size()
                    + " inputs; only models with one input can be fine-tuned on a dataset's feature columns");
        }
    }

    /**
     * The model configuration as DL4J's importer needs it: with {@code keras_version} and {@code backend} (which
     * {@code KerasModelImport} otherwise copies from the file's attributes) and integers under {@link #FLOAT_KEYS}
     * written as floating-point numbers.
     */
    String importJson() {
        ObjectNode copy = model.deepCopy();
        floatsWhereExpected(copy);
        copy.put("keras_version", kerasVersion);
        copy.put("backend", backend);
        try {
            return JSON.writeValueAsString(copy);
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    private static void floatsWhereExpected(JsonNode node) {
        if (node instanceof ObjectNode object) {
            for (Iterator<Map.Entry<String, JsonNode>> it = object.fields(); it.hasNext(); ) {
                Map.Entry<String, JsonNode> field = it.next();
                if (FLOAT_KEYS.contains(field.getKey()) && field.getValue().isIntegralNumber()) {
                    field.setValue(DoubleNode.valueOf(field.getValue().asDouble()));
                } else {
                    floatsWhereExpected(field.getValue());
                }
            }
        } else if (node.isArray()) {
            node.forEach(KerasModelConfig::floatsWhereExpected);
        }
    }

    // ------------------------------------------------------------------ inspection

    /**
     * Layers in the order DL4J numbers them, with parameter counts computed from the configuration (empty for layer
     * kinds this does not know), and the input shape without the batch dimension ({@code [height, width, channels]}
     * for images: channels last).
     */
    BaseModelInfo info() {
        boolean graph = !sequential();
        String format = "Keras " + kerasVersion + " HDF5 model (" + className() + ")";
        List<JsonNode> layers = graph ? topologicalOrder(layers()) : layers();
        Map<String, List<Long>> shapes = new HashMap<>();
        List<BaseModelInfo.LayerInfo> infos = new ArrayList<>();
        List<Long> previous = null;
        Optional<List<Long>> inputShape = Optional.empty();
        for (int i = 0; i < layers.size(); i++) {
            JsonNode layer = layers.get(i);
            JsonNode config = layer.path("config");
            String type = layer.path("class_name").asText("?");
            List<List<Long>> in = new ArrayList<>();
            if (graph) {
                for (String inbound : inbound(layer)) {
                    in.add(shapes.get(inbound));
                }
            } else if (previous != null) {
                in.add(previous);
            }
            List<Long> declared = batchInputShape(config);
            if (declared != null && (in.isEmpty() || in.get(0) == null)) {
                in = new ArrayList<>(List.of(declared));
            }
            if (inputShape.isEmpty() && declared != null && (i == 0 || type.equals("InputLayer"))) {
                inputShape = declared.stream().allMatch(d -> d > 0) ? Optional.of(declared) : Optional.empty();
            }
            List<Long> input = in.isEmpty() ? null : in.get(0);
            List<Long> output = type.equals("InputLayer") ? declared : outputShape(type, config, input, in);
            shapes.put(name(layer), output);
            previous = output;
            if (!NOT_LAYERS.contains(type)) {
                infos.add(new BaseModelInfo.LayerInfo(name(layer), type, vectorSize(type, output),
                        params(type, config, input, output), false, output == null ? List.of() : output));
            }
        }
        // a graph's edges, so finetune:layers can show the layers feeding a frozen one as frozen (DL4J freezes them)
        Map<String, List<String>> edges = new java.util.LinkedHashMap<>();
        if (graph) {
            layers.forEach(l -> edges.put(name(l), inbound(l)));
        }
        return new BaseModelInfo(format, graph, List.copyOf(infos), inputShape, false, edges);
    }

    private static List<Long> batchInputShape(JsonNode config) {
        JsonNode shape = config.path("batch_input_shape");
        if (!shape.isArray() || shape.size() < 2) {
            return null;
        }
        List<Long> dims = new ArrayList<>();
        for (int i = 1; i < shape.size(); i++) {
            dims.add(shape.get(i).isNumber() ? shape.get(i).asLong() : -1L);
        }
        return dims;
    }

    /** The names of the layers feeding a functional model's layer (its first node's, then any others'). */
    private static List<String> inbound(JsonNode layer) {
        List<String> names = new ArrayList<>();
        for (JsonNode node : layer.path("inbound_nodes")) {
            // Keras 2: [[name, node_index, tensor_index, kwargs], ...] per node
            for (JsonNode connection : node) {
                String name = connection.isArray() ? connection.path(0).asText() : connection.asText();
                if (!names.contains(name)) {
                    names.add(name);
                }
            }
        }
        return names;
    }

    /** Kahn's algorithm over the layers in file order, as DL4J orders a graph's vertices. */
    private static List<JsonNode> topologicalOrder(List<JsonNode> layers) {
        Map<String, JsonNode> byName = new LinkedHashMap<>();
        layers.forEach(l -> byName.put(name(l), l));
        Map<String, Integer> pending = new HashMap<>();
        Map<String, List<String>> consumers = new HashMap<>();
        for (JsonNode layer : layers) {
            int count = 0;
            for (String in : inbound(layer)) {
                if (byName.containsKey(in)) {
                    count++;
                    consumers.computeIfAbsent(in, k -> new ArrayList<>()).add(name(layer));
                }
            }
            pending.put(name(layer), count);
        }
        Deque<String> ready = new ArrayDeque<>();
        byName.keySet().stream().filter(n -> pending.get(n) == 0).forEach(ready::add);
        List<JsonNode> order = new ArrayList<>();
        while (!ready.isEmpty()) {
            String name = ready.poll();
            order.add(byName.get(name));
            for (String consumer : consumers.getOrDefault(name, List.of())) {
                if (pending.merge(consumer, -1, Integer::sum) == 0) {
                    ready.add(consumer);
                }
            }
        }
        return order.size() == layers.size() ? order : layers;
    }

    /** The output size when the output is a plain vector and DL4J's layer is a feed-forward one with that nOut; else -1. */
    private static long vectorSize(String type, List<Long> output) {
        boolean vector = output != null && output.size() == 1 && output.get(0) > 0;
        return vector && (type.equals("Dense") || type.equals("BatchNormalization")) ? output.get(0) : -1;
    }

    private static long last(List<Long> shape) {
        return shape == null || shape.isEmpty() ? -1 : shape.get(shape.size() - 1);
    }

    private static long product(List<Long> shape) {
        long p = 1;
        for (long d : shape) {
            if (d <= 0) {
                return -1;
            }
            p *= d;
        }
        return p;
    }

    private static long[] pair(JsonNode value, long fallback) {
        if (value.isArray() && value.size() >= 2) {
            return new long[] {value.get(0).asLong(), value.get(1).asLong()};
        }
        if (value.isArray() && value.size() == 1) {
            return new long[] {value.get(0).asLong(), value.get(0).asLong()};
        }
        long v = value.isNumber() ? value.asLong() : fallback;
        return new long[] {v, v};
    }

    /** Spatial output size of a convolution or pooling window along one axis. */
    private static long window(long size, long kernel, long stride, long dilation, String padding) {
        if (size <= 0) {
            return -1;
        }
        if (padding.equals("same")) {
            return (size + stride - 1) / stride;
        }
        long effective = (kernel - 1) * dilation + 1;
        return size < effective ? -1 : (size - effective) / stride + 1;
    }

    /** What comes out of a layer, as Keras computes it; null when not known. */
    private static List<Long> outputShape(String type, JsonNode c, List<Long> in, List<List<Long>> all) {
        if (in == null) {
            return null;
        }
        switch (type) {
            case "Dense": {
                List<Long> out = new ArrayList<>(in.subList(0, in.size() - 1));
                out.add(c.path("units").asLong());
                return out;
            }
            case "Conv2D", "Convolution2D", "DepthwiseConv2D", "SeparableConv2D", "SeparableConvolution2D",
                 "MaxPooling2D", "MaxPool2D", "AveragePooling2D", "AvgPool2D": {
                if (in.size() != 3) {
                    return null;
                }
                boolean pooling = type.contains("Pool");
                long[] kernel = pooling ? pair(c.path("pool_size"), 2) : pair(c.path("kernel_size"), 1);
                long[] strides = pooling && c.path("strides").isNull() ? kernel : pair(c.path("strides"), 1);
                long[] dilation = pooling ? new long[] {1, 1} : pair(c.path("dilation_rate"), 1);
                String padding = c.path("padding").asText("valid");
                long channels = switch (type) {
                    case "DepthwiseConv2D" -> in.get(2) * c.path("depth_multiplier").asLong(1);
                    case "MaxPooling2D", "MaxPool2D", "AveragePooling2D", "AvgPool2D" -> in.get(2);
                    default -> c.path("filters").asLong();
                };
                return List.of(window(in.get(0), kernel[0], strides[0], dilation[0], padding),
                        window(in.get(1), kernel[1], strides[1], dilation[1], padding), channels);
            }
            case "Conv1D", "Convolution1D", "MaxPooling1D", "MaxPool1D", "AveragePooling1D", "AvgPool1D": {
                if (in.size() != 2) {
                    return null;
                }
                boolean pooling = type.contains("Pool");
                long kernel = pooling ? pair(c.path("pool_size"), 2)[0] : pair(c.path("kernel_size"), 1)[0];
                long stride = pooling && c.path("strides").isNull() ? kernel : pair(c.path("strides"), 1)[0];
                long dilation = pooling ? 1 : pair(c.path("dilation_rate"), 1)[0];
                return List.of(window(in.get(0), kernel, stride, dilation, c.path("padding").asText("valid")),
                        pooling ? in.get(1) : c.path("filters").asLong());
            }
            case "GlobalAveragePooling2D", "GlobalMaxPooling2D", "GlobalAveragePooling1D", "GlobalMaxPooling1D",
                 "GlobalAvgPool2D", "GlobalMaxPool2D", "GlobalAvgPool1D", "GlobalMaxPool1D":
                return c.path("keepdims").asBoolean(false) ? null : List.of(last(in));
            case "Flatten":
                return List.of(product(in));
            case "Reshape": {
                List<Long> target = new ArrayList<>();
                c.path("target_shape").forEach(d -> target.add(d.asLong()));
                long known = 1;
                int unknown = -1;
                for (int i = 0; i < target.size(); i++) {
                    if (target.get(i) < 0) {
                        unknown = i;
                    } else {
                        known *= target.get(i);
                    }
                }
                if (unknown >= 0) {
                    long total = product(in);
                    target.set(unknown, total > 0 && known > 0 ? total / known : -1L);
                }
                return target;
            }
            case "Permute": {
                List<Long> out = new ArrayList<>();
                for (JsonNode d : c.path("dims")) {
                    int axis = d.asInt() - 1;
                    if (axis < 0 || axis >= in.size()) {
                        return null;
                    }
                    out.add(in.get(axis));
                }
                return out;
            }
            case "ZeroPadding2D", "Cropping2D": {
                if (in.size() != 3) {
                    return null;
                }
                JsonNode p = type.equals("ZeroPadding2D") ? c.path("padding") : c.path("cropping");
                long[] rows;
                long[] cols;
                if (p.isArray() && p.size() == 2 && p.get(0).isArray()) {
                    rows = pair(p.get(0), 0);
                    cols = pair(p.get(1), 0);
                } else {
                    long[] symmetric = pair(p, 0);
                    rows = new long[] {symmetric[0], symmetric[0]};
                    cols = new long[] {symmetric[1], symmetric[1]};
                }
                long sign = type.equals("ZeroPadding2D") ? 1 : -1;
                return List.of(in.get(0) + sign * (rows[0] + rows[1]), in.get(1) + sign * (cols[0] + cols[1]), in.get(2));
            }
            case "UpSampling2D": {
                if (in.size() != 3) {
                    return null;
                }
                long[] size = pair(c.path("size"), 2);
                return List.of(in.get(0) * size[0], in.get(1) * size[1], in.get(2));
            }
            case "Embedding": {
                List<Long> out = new ArrayList<>(in);
                out.add(c.path("output_dim").asLong());
                return out;
            }
            case "LSTM", "SimpleRNN": {
                if (in.size() != 2) {
                    return null;
                }
                long units = c.path("units").asLong();
                return c.path("return_sequences").asBoolean(false) ? List.of(in.get(0), units) : List.of(units);
            }
            case "RepeatVector":
                return in.size() == 1 ? List.of(c.path("n").asLong(), in.get(0)) : null;
            case "Add", "Subtract", "Multiply", "Average", "Maximum":
                return in;
            case "Concatenate": {
                if (all.stream().anyMatch(s -> s == null || s.size() != in.size())) {
                    return null;
                }
                int axis = c.path("axis").asInt(-1);
                int a = axis < 0 ? in.size() + axis : axis - 1;
                if (a < 0 || a >= in.size()) {
                    return null;
                }
                List<Long> out = new ArrayList<>(in);
                out.set(a, all.stream().mapToLong(s -> s.get(a)).sum());
                return out;
            }
            case "Activation", "ReLU", "LeakyReLU", "ELU", "PReLU", "ThresholdedReLU", "Softmax", "Dropout",
                 "SpatialDropout1D", "SpatialDropout2D", "SpatialDropout3D", "GaussianNoise", "GaussianDropout",
                 "AlphaDropout", "BatchNormalization", "Masking":
                return in;
            default:
                return null;
        }
    }

    /**
     * The parameters DL4J's layer has, from the configuration alone (Keras' own counts, which match DL4J's for these
     * kinds: BatchNormalization's four per channel include the moving mean and variance); empty when not known.
     */
    private static Optional<Long> params(String type, JsonNode c, List<Long> in, List<Long> out) {
        boolean bias = c.path("use_bias").asBoolean(true);
        long inChannels = last(in);
        switch (type) {
            case "Dense": {
                long units = c.path("units").asLong();
                return known(inChannels, inChannels * units + (bias ? units : 0));
            }
            case "Conv2D", "Convolution2D", "Conv1D", "Convolution1D": {
                long kernel = 1;
                for (long k : type.contains("1D") ? new long[] {pair(c.path("kernel_size"), 1)[0]} : pair(c.path("kernel_size"), 1)) {
                    kernel *= k;
                }
                long filters = c.path("filters").asLong();
                long groups = Math.max(1, c.path("groups").asLong(1));
                return known(inChannels, kernel * (inChannels / groups) * filters + (bias ? filters : 0));
            }
            case "DepthwiseConv2D": {
                long[] k = pair(c.path("kernel_size"), 1);
                long depth = inChannels * c.path("depth_multiplier").asLong(1);
                return known(inChannels, k[0] * k[1] * depth + (bias ? depth : 0));
            }
            case "SeparableConv2D", "SeparableConvolution2D": {
                long[] k = pair(c.path("kernel_size"), 1);
                long depth = inChannels * c.path("depth_multiplier").asLong(1);
                long filters = c.path("filters").asLong();
                return known(inChannels, k[0] * k[1] * depth + depth * filters + (bias ? filters : 0));
            }
            case "BatchNormalization":
                return known(inChannels, 4 * inChannels);
            case "Embedding":
                return Optional.of(c.path("input_dim").asLong() * c.path("output_dim").asLong());
            case "LSTM": {
                long units = c.path("units").asLong();
                return known(inChannels, 4 * (units * (inChannels + units) + units));
            }
            case "SimpleRNN": {
                long units = c.path("units").asLong();
                return known(inChannels, units * (inChannels + units) + units);
            }
            case "PReLU":
                return c.path("shared_axes").isNull() || c.path("shared_axes").isMissingNode()
                        ? known(in == null ? -1 : product(in), in == null ? -1 : product(in)) : Optional.empty();
            case "Activation", "ReLU", "LeakyReLU", "ELU", "ThresholdedReLU", "Softmax", "Dropout", "SpatialDropout1D",
                 "SpatialDropout2D", "SpatialDropout3D", "GaussianNoise", "GaussianDropout", "AlphaDropout",
                 "MaxPooling2D", "MaxPool2D", "AveragePooling2D", "AvgPool2D", "MaxPooling1D", "MaxPool1D",
                 "AveragePooling1D", "AvgPool1D", "GlobalAveragePooling2D", "GlobalMaxPooling2D", "GlobalAveragePooling1D",
                 "GlobalMaxPooling1D", "GlobalAvgPool2D", "GlobalMaxPool2D", "GlobalAvgPool1D", "GlobalMaxPool1D",
                 "ZeroPadding2D", "ZeroPadding1D", "Cropping2D", "Cropping1D", "UpSampling2D", "UpSampling1D",
                 "RepeatVector", "Masking":
                return Optional.of(0L);
            default:
                return Optional.empty();
        }
    }

    private static Optional<Long> known(long input, long count) {
        return input > 0 ? Optional.of(count) : Optional.empty();
    }

    @Override
    public String toString() {
        return String.format(Locale.ROOT, "%s: Keras %s %s", file, kerasVersion, className());
    }
}
