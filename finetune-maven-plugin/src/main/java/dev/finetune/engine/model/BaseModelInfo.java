package dev.finetune.engine.model;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.finetune.engine.UserInputException;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
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
 * What a DL4J model zip's {@code configuration.json} says about its layers, read with plain JSON: no weights are
 * loaded and ND4J is never initialised, so a spec can be checked against its base in well under a second.
 *
 * @param layers    in the order DL4J numbers them (for graphs: a topological order of the layer vertices)
 * @param inputSize the number of input features, when the configuration states it
 */
public record BaseModelInfo(boolean graph, List<LayerInfo> layers, Optional<Integer> inputSize) {

    /** One layer: its name, DL4J class (simple name) and output size (-1 when not a plain vector). */
    public record LayerInfo(String name, String type, long nOut) {
    }

    public List<String> names() {
        return layers.stream().map(LayerInfo::name).toList();
    }

    public static BaseModelInfo read(Path file) {
        if (!Files.isRegularFile(file)) {
            throw new UserInputException(file + ": base model not found");
        }
        JsonNode conf;
        try (ZipFile zip = new ZipFile(file.toFile())) {
            ZipEntry entry = zip.getEntry("configuration.json");
            if (entry == null) {
                throw new UserInputException(file + ": not a DL4J model zip (no configuration.json inside)");
            }
            try (InputStream in = zip.getInputStream(entry)) {
                conf = new ObjectMapper().readTree(in);
            }
        } catch (IOException e) {
            throw new UserInputException(file + ": not a readable DL4J model zip: " + e.getMessage(), e);
        }
        return conf.has("vertices") ? graph(conf) : multiLayer(conf);
    }

    private static BaseModelInfo multiLayer(JsonNode conf) {
        List<LayerInfo> layers = new ArrayList<>();
        JsonNode confs = conf.path("confs");
        for (int i = 0; i < confs.size(); i++) {
            layers.add(layer(confs.get(i).path("layer"), String.valueOf(i)));
        }
        Optional<Integer> inputSize = Optional.empty();
        JsonNode first = confs.path(0).path("layer");
        JsonNode pre = conf.path("inputPreProcessors").path("0");
        if (pre.path("@class").asText().endsWith("FeedForwardToCnnPreProcessor")) {
            inputSize = Optional.of(pre.path("inputHeight").asInt() * pre.path("inputWidth").asInt() * pre.path("numChannels").asInt());
        } else if (first.path("@class").asText().endsWith(".DenseLayer") && first.path("nin").asLong() > 0) {
            inputSize = Optional.of(first.path("nin").asInt());
        }
        return new BaseModelInfo(false, List.copyOf(layers), inputSize);
    }

    private static BaseModelInfo graph(JsonNode conf) {
        Map<String, List<String>> inputs = new LinkedHashMap<>();
        conf.path("vertexInputs").fields().forEachRemaining(e -> {
            List<String> in = new ArrayList<>();
            e.getValue().forEach(n -> in.add(n.asText()));
            inputs.put(e.getKey(), in);
        });
        List<LayerInfo> layers = new ArrayList<>();
        Optional<Integer> inputSize = Optional.empty();
        for (String name : topologicalOrder(conf, inputs)) {
            JsonNode vertex = conf.path("vertices").path(name);
            if (vertex.has("layerConf")) {
                JsonNode layer = vertex.path("layerConf").path("layer");
                layers.add(layer(layer, name));
                boolean fedByInput = inputs.getOrDefault(name, List.of()).stream().anyMatch(i -> !conf.path("vertices").has(i));
                if (fedByInput && layer.path("@class").asText().endsWith(".DenseLayer") && layer.path("nin").asLong() > 0) {
                    inputSize = Optional.of(layer.path("nin").asInt());
                }
            }
        }
        return new BaseModelInfo(true, List.copyOf(layers), inputSize);
    }

    private static LayerInfo layer(JsonNode layer, String fallbackName) {
        String type = layer.path("@class").asText("?");
        String simple = type.substring(type.lastIndexOf('.') + 1);
        boolean vector = layer.has("nout") && layer.path("nout").asLong() > 0
                && !simple.contains("Convolution") && !simple.contains("Subsampling") && !simple.contains("LSTM");
        return new LayerInfo(layer.path("layerName").asText(fallbackName), simple, vector ? layer.path("nout").asLong() : -1);
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
