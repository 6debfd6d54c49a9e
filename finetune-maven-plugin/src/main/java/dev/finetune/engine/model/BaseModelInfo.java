package dev.finetune.engine.model;

import java.util.ArrayDeque;
import java.util.Collection;
import java.util.Deque;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * What a base model's configuration says about it, read without its weights and without ND4J (see
 * {@link BaseFormat#inspect}), so a spec can be checked against its base in well under a second.
 *
 * @param format     the file's format and network kind, for people, e.g. {@code DL4J model zip (MultiLayerNetwork)}
 * @param graph      whether the network is a graph (ComputationGraph) rather than a stack of layers
 * @param layers     in the order DL4J numbers them (for graphs: a topological order of the layer vertices)
 * @param inputShape the shape of one example, when the configuration states it: {@code [features]} for vector
 *                   inputs; for images {@code [channels, height, width]} (DL4J bases) or {@code [height, width,
 *                   channels]} (Keras bases, channels last): in both, the order a flat dataset row lists the values in
 * @param packaged   whether the plugin itself packaged this file (a tuned model used as the next base)
 * @param inputs     for graphs: each vertex's inputs (layers and other vertices); empty when unknown or not a graph
 * @param frozenOnly whether the base can only stay frozen as a whole (ONNX bodies): the head goes on top of all of
 *                   it, removing nothing, and no layer of it trains
 */
public record BaseModelInfo(String format, boolean graph, List<LayerInfo> layers, Optional<List<Long>> inputShape,
                            boolean packaged, Map<String, List<String>> inputs, boolean frozenOnly) {

    public BaseModelInfo {
        layers = List.copyOf(layers);
        inputs = Map.copyOf(inputs);
    }

    public BaseModelInfo(String format, boolean graph, List<LayerInfo> layers, Optional<List<Long>> inputShape, boolean packaged) {
        this(format, graph, layers, inputShape, packaged, Map.of());
    }

    public BaseModelInfo(String format, boolean graph, List<LayerInfo> layers, Optional<List<Long>> inputShape, boolean packaged,
                         Map<String, List<String>> inputs) {
        this(format, graph, layers, inputShape, packaged, inputs, false);
    }

    /**
     * The layers {@code frozen} freezes in a graph, where freezing a layer also freezes everything that feeds it (as
     * DL4J's {@code setFeatureExtractor} does); for a stack of layers, or when the edges are unknown, {@code frozen} itself.
     */
    public Set<String> frozenWithAncestors(Collection<String> frozen) {
        Set<String> out = new LinkedHashSet<>(frozen);
        Deque<String> todo = new ArrayDeque<>(frozen);
        while (!todo.isEmpty()) {
            for (String in : inputs.getOrDefault(todo.poll(), List.of())) {
                if (out.add(in)) {
                    todo.add(in);
                }
            }
        }
        return out;
    }

    /**
     * One layer: its name, type (for DL4J bases the class's simple name, of the layer inside when it is frozen; for
     * Keras bases the Keras class name, e.g. {@code Conv2D}), output size (-1 when not
     * a plain vector), parameter count (empty for layer kinds whose count this inspection does not know), and
     * whether it is frozen already.
     */
    public record LayerInfo(String name, String type, long nOut, Optional<Long> params, boolean frozen, List<Long> outputShape) {

        /**
         * @param outputShape one example's output: {@code [height, width, channels]} for images whatever the format's
         *                    own order (DL4J's is channels first), {@code [size]} for vectors; empty when the
         *                    inspection cannot tell
         */
        public LayerInfo {
            outputShape = List.copyOf(outputShape);
        }

        /** A layer whose output shape is its vector size, when it has one. */
        public LayerInfo(String name, String type, long nOut, Optional<Long> params, boolean frozen) {
            this(name, type, nOut, params, frozen, nOut > 0 ? List.of(nOut) : List.of());
        }

        /** The output shape for people: {@code 48x48x96} (height x width x channels), {@code 256}, or {@code -} when unknown. */
        public String shapeText() {
            return shapeText(outputShape);
        }

        public static String shapeText(List<Long> shape) {
            return shape.isEmpty() || shape.stream().anyMatch(d -> d <= 0) ? "-"
                    : shape.stream().map(String::valueOf).collect(java.util.stream.Collectors.joining("x"));
        }
    }

    public List<String> names() {
        return layers.stream().map(LayerInfo::name).toList();
    }

    /** The number of input features a flat (CSV) example must have: the product of the input shape. */
    public Optional<Integer> inputSize() {
        return inputShape.map(shape -> (int) shape.stream().mapToLong(Long::longValue).reduce(1, (a, b) -> a * b));
    }

    /** All parameters, when every layer's count is known. */
    public Optional<Long> params() {
        long sum = 0;
        for (LayerInfo layer : layers) {
            if (layer.params().isEmpty()) {
                return Optional.empty();
            }
            sum += layer.params().get();
        }
        return Optional.of(sum);
    }

    /** One line for logs: {@code DL4J model zip (MultiLayerNetwork), 6 layers, input [1, 28, 28], 431,080 parameters}. */
    public String summary() {
        String size = frozenOnly ? "" : ", " + layers.size() + " layers";
        return format + size + inputShape.map(s -> ", input " + s).orElse("")
                + params().map(p -> String.format(java.util.Locale.ROOT, ", %,d parameters", p)).orElse("");
    }
}
