package dev.finetune.engine.inspect;

import dev.finetune.engine.UserInputException;
import dev.finetune.engine.model.BaseModelInfo;
import dev.finetune.engine.model.LayerSelection;
import dev.finetune.spec.FinetuneSpec;
import dev.finetune.spec.SweepPlanner;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Whether the network a spec builds can fit the training JVM at all, from parameter counts alone (no ND4J): a head
 * of a hundred million weights should fail in {@code finetune:validate} in a second, not minutes later in the fork
 * with a native allocation failure. ND4J keeps parameters off the Java heap, within JavaCPP's {@code maxbytes}, which
 * defaults to the heap's size ({@code finetune.maxHeap}) unless {@code finetune.maxOffHeap} sets it.
 *
 * <p>The estimate is a lower bound, so a refusal is certain: 4 bytes (float) per parameter; trainable layers also
 * hold a gradient and the updater's state (Adam two values per parameter); activations and batches are not counted.
 */
public final class MemoryEstimate {

    private static final long FLOAT_BYTES = 4;
    /** ModelSurgery's names of the head's layers, repeated so that this class loads no DL4J class. */
    private static final String HEAD_DENSE = "head_dense_";
    private static final String HEAD_OUTPUT = "head_output";
    private static final Pattern SIZE = Pattern.compile("(\\d+)\\s*([kKmMgGtT]?)[bB]?");

    /** One layer of the network the spec builds. */
    record Layer(String name, String location, long params, boolean trainable) {
    }

    private MemoryEstimate() {
    }

    /**
     * The problem when the network cannot fit (located at the largest layer), for the spec and each sweep trial.
     *
     * @param maxHeap    {@code finetune.maxHeap} as the user wrote it
     * @param maxOffHeap {@code finetune.maxOffHeap}, when set
     */
    public static Optional<String> check(FinetuneSpec spec, BaseModelInfo base, Optional<String> maxHeap, Optional<String> maxOffHeap) {
        String setting = maxOffHeap.map(v -> "finetune.maxOffHeap=" + v).or(() -> maxHeap.map(v -> "finetune.maxHeap=" + v))
                .orElse("");
        Optional<Long> limit = maxOffHeap.or(() -> maxHeap).flatMap(MemoryEstimate::parseBytes);
        if (limit.isEmpty()) {
            return Optional.empty(); // no limit known here; the fork's own checks (Faults) report what happens
        }
        List<FinetuneSpec> specs = new ArrayList<>();
        specs.add(spec);
        if (spec.sweep().isPresent()) {
            SweepPlanner.plan(spec).forEach(t -> specs.add(t.spec()));
        }
        for (FinetuneSpec s : specs) {
            List<Layer> layers = layers(s, base);
            long bytes = layers.stream().mapToLong(l -> bytes(l, s.training().updater())).sum();
            if (bytes > limit.get()) {
                Layer largest = layers.stream().max(java.util.Comparator.comparingLong(l -> bytes(l, s.training().updater())))
                        .orElseThrow();
                String where = s == spec ? largest.location() : "sweep.parameters";
                return Optional.of(spec.locate(where) + ": the network " + (s == spec ? "" : "of a sweep trial ")
                        + "needs at least " + human(bytes) + " for its parameters" + (s.training().updater()
                        == FinetuneSpec.Updater.sgd ? " and gradients" : ", gradients and " + s.training().updater() + " state")
                        + String.format(Locale.ROOT, " (largest: layer `%s`, %,d parameters, %s)", largest.name(), largest.params(),
                        human(bytes(largest, s.training().updater())))
                        + ", more than the training JVM may allocate, " + setting
                        + (maxOffHeap.isPresent() ? "" : " (ND4J's off-heap limit follows the heap unless finetune.maxOffHeap is set)")
                        + ": raise -D" + setting.substring(0, setting.indexOf('=')) + ", or make `" + largest.name()
                        + "` smaller");
            }
        }
        return Optional.empty();
    }

    /** The layers of the network the spec builds: the base's kept layers (frozen or not), the new dense layers, the output. */
    static List<Layer> layers(FinetuneSpec spec, BaseModelInfo base) {
        List<Layer> layers = new ArrayList<>();
        int removed;
        try {
            removed = base.frozenOnly() ? 0 : LayerSelection.removedLayers(spec.head(), base.names(), base.inputs(), spec.base().toString());
        } catch (UserInputException e) {
            removed = 0; // InputChecks reports it
        }
        int kept = Math.max(0, base.layers().size() - removed);
        Set<Integer> frozen;
        try {
            frozen = base.frozenOnly() ? Set.of() : LayerSelection.frozenIndices(spec.freeze(), base.names(), spec.base().toString(), removed);
        } catch (UserInputException e) {
            frozen = Set.of(); // InputChecks reports it; the estimate takes every layer as trainable
        }
        long nIn = -1;
        for (int i = 0; i < kept; i++) {
            BaseModelInfo.LayerInfo layer = base.layers().get(i);
            // an ONNX body runs in ONNX Runtime, outside ND4J's memory: only the head counts
            if (!base.frozenOnly()) {
                layers.add(new Layer(layer.name(), spec.base().key(), layer.params().orElse(0L),
                        !frozen.contains(i) && !layer.frozen()));
            }
            nIn = layer.nOut() > 0 || !base.graph() || layer.outputShape().isEmpty() ? layer.nOut()
                    : layer.outputShape().stream().mapToLong(Long::longValue).reduce(1, (a, b) -> a * b); // a flattened feature map
        }
        if (base.frozenOnly()) {
            nIn = LayerTable.featureRow(spec, base).nOut();
        }
        if (nIn <= 0) {
            return layers; // the head's input size is unknown here: only the base is counted
        }
        List<FinetuneSpec.DenseLayerSpec> hidden = spec.head().hidden();
        for (int i = 0; i < hidden.size(); i++) {
            long units = hidden.get(i).units();
            layers.add(new Layer(HEAD_DENSE + i, "head.hidden[" + i + "]", nIn * units + units, true));
            nIn = units;
        }
        // the classes are not counted here: two at least
        layers.add(new Layer(HEAD_OUTPUT, "head", nIn * 2 + 2, true));
        return layers;
    }

    static long bytes(Layer layer, FinetuneSpec.Updater updater) {
        return layer.params() * FLOAT_BYTES * (layer.trainable() ? 2 + stateValues(updater) : 1);
    }

    /** Values the updater keeps per parameter. */
    static int stateValues(FinetuneSpec.Updater updater) {
        return switch (updater) {
            case sgd -> 0;
            case nesterovs, rmsprop, adagrad -> 1;
            case adam, nadam -> 2;
        };
    }

    /** A JVM or JavaCPP size ({@code 2g}, {@code 512m}, {@code 4G}, {@code 1000000}) in bytes; empty when unreadable. */
    public static Optional<Long> parseBytes(String size) {
        Matcher m = SIZE.matcher(size.strip());
        if (!m.matches()) {
            return Optional.empty();
        }
        long unit = switch (m.group(2).toLowerCase(Locale.ROOT)) {
            case "k" -> 1L << 10;
            case "m" -> 1L << 20;
            case "g" -> 1L << 30;
            case "t" -> 1L << 40;
            default -> 1;
        };
        try {
            return Optional.of(Math.multiplyExact(Long.parseLong(m.group(1)), unit));
        } catch (ArithmeticException e) {
            return Optional.empty();
        }
    }

    static String human(long bytes) {
        if (bytes >= 1L << 30) {
            return String.format(Locale.ROOT, "%.1f GiB", bytes / (double) (1L << 30));
        }
        return String.format(Locale.ROOT, "%.0f MiB", Math.max(1, bytes / (double) (1L << 20)));
    }
}
