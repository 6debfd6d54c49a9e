package dev.finetune.engine.inspect;

import dev.finetune.engine.UserInputException;
import dev.finetune.engine.model.BaseModelInfo;
import dev.finetune.engine.model.LayerSelection;
import dev.finetune.engine.model.ModelSurgery;
import dev.finetune.spec.FinetuneSpec;
import dev.finetune.spec.FinetuneSpec.DenseLayerSpec;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.TreeSet;

/**
 * What the spec's surgery does to a base, layer by layer, computed from the base's inspection alone (no weights, no
 * ND4J): which layers stay frozen, which the head removes, the new head's layers, and how many parameters train.
 * {@code finetune:layers} prints it; a spec that does not fit the base gives its problem instead of a plan.
 *
 * @param base     the base's inspection
 * @param rows     the base's layers, then the new head's
 * @param problem  why the spec's freeze or head does not fit the base, if it does not (the rows then show the base only)
 * @param notes    caveats on the counts
 */
public record LayerTable(BaseModelInfo base, List<Row> rows, Optional<String> problem, List<String> notes) {

    public enum Role { frozen, trainable, removed, added }

    /**
     * @param index  the layer's index in the base, empty for a new head layer
     * @param nOut   output size; -1 when the output is not a plain vector
     * @param params parameter count, empty when the inspection cannot tell
     * @param shape  the output shape for people: {@code 48x48x96} (height x width x channels) for images in every
     *               format, the size for vectors, {@code -} when unknown
     */
    public record Row(Optional<Integer> index, String name, String type, long nOut, Optional<Long> params, Role role, String shape) {

        public Row(Optional<Integer> index, String name, String type, long nOut, Optional<Long> params, Role role) {
            this(index, name, type, nOut, params, role, nOut > 0 ? String.valueOf(nOut) : "-");
        }
    }

    /**
     * @param classes the number of classes in the data, which sizes the new output layer; empty when the data could
     *                not be read (the output layer's parameters are then unknown)
     */
    public static LayerTable of(FinetuneSpec spec, BaseModelInfo base, OptionalInt classes) {
        if (base.frozenOnly()) {
            return frozenBody(spec, base, classes);
        }
        List<String> names = base.names();
        List<String> notes = new ArrayList<>();
        TreeSet<Integer> frozen;
        int remove;
        try {
            remove = LayerSelection.removedLayers(spec.head(), names, base.inputs(), spec.base().toString());
            frozen = LayerSelection.frozenIndices(spec.freeze(), names, spec.base().toString(), remove);
            LayerSelection.requireKept(frozen, names, remove, spec.base().toString());
        } catch (UserInputException e) {
            List<Row> rows = new ArrayList<>();
            for (int i = 0; i < names.size(); i++) {
                BaseModelInfo.LayerInfo l = base.layers().get(i);
                rows.add(new Row(Optional.of(i), l.name(), l.type(), l.nOut(), l.params(), Role.trainable, l.shapeText()));
            }
            return new LayerTable(base, rows, Optional.of(e.getMessage()), notes);
        }
        int kept = names.size() - remove;
        java.util.Set<String> frozenNames = base.frozenWithAncestors(frozen.stream().map(names::get).toList());
        List<Row> rows = new ArrayList<>();
        for (int i = 0; i < names.size(); i++) {
            BaseModelInfo.LayerInfo l = base.layers().get(i);
            Role role = i >= kept ? Role.removed : frozenNames.contains(names.get(i)) ? Role.frozen : Role.trainable;
            rows.add(new Row(Optional.of(i), l.name(), l.type(), l.nOut(), l.params(), role, l.shapeText()));
        }
        BaseModelInfo.LayerInfo top = base.layers().get(kept - 1);
        long previous = top.nOut();
        Optional<String> problem = Optional.empty();
        if (previous <= 0 && base.graph() && !top.outputShape().isEmpty() && top.outputShape().stream().allMatch(d -> d > 0)) {
            // a graph's feature map (a pooling layer's 1x1x1280): the surgery flattens it for the head
            previous = top.outputShape().stream().mapToLong(Long::longValue).reduce(1, (a, b) -> a * b);
            notes.add("the head takes `" + top.name() + "`'s " + top.shapeText() + " output flattened to " + previous + " features");
        } else if (previous <= 0) {
            problem = Optional.of("the new head would sit on layer `" + names.get(kept - 1) + "`, whose output is not a plain"
                    + " vector; raise or lower `head.removeLayers` so a dense layer stays on top");
        }
        addHead(spec, rows, previous, classes, notes);
        if (base.graph() && !frozen.isEmpty()) {
            notes.add("in a ComputationGraph, every layer feeding a frozen layer is frozen too"
                    + (base.inputs().isEmpty() ? "; this base's edges are unknown, so count those as frozen too" : " (shown)"));
        }
        return new LayerTable(base, rows, problem, notes);
    }

    /**
     * A frozen-only base (an ONNX body): all of it frozen, its pooled output the head's input, nothing removed; a
     * {@code freeze} or {@code head.removeLayers} that asks otherwise is validation's to refuse.
     */
    private static LayerTable frozenBody(FinetuneSpec spec, BaseModelInfo base, OptionalInt classes) {
        List<Row> rows = new ArrayList<>();
        List<String> notes = new ArrayList<>();
        for (int i = 0; i < base.layers().size(); i++) {
            BaseModelInfo.LayerInfo l = base.layers().get(i);
            rows.add(new Row(Optional.of(i), l.name(), l.type(), l.nOut(), l.params(), Role.frozen, l.shapeText()));
        }
        long previous = featureRow(spec, base).nOut();
        addHead(spec, rows, previous, classes, notes);
        String output = spec.base().output().map(o -> "`" + o + "`").orElse("first output");
        if (spec.dataset().type() == FinetuneSpec.DatasetSpec.Type.images) {
            boolean map = featureRow(spec, base).outputShape().size() == 3;
            notes.add("the ONNX body is frozen-only: ONNX Runtime computes its " + output + " once per image"
                    + (map ? " (a feature map, averaged over its positions)" : "") + ", and only the new head trains");
        } else {
            notes.add("the ONNX body is frozen-only: ONNX Runtime computes its " + output + " once per example ("
                    + spec.base().pooling().orElse(FinetuneSpec.BaseSpec.Pooling.mean) + " pooling over tokens, at most "
                    + spec.base().sequenceLength() + " tokens), and only the new head trains");
        }
        if (previous <= 0) {
            notes.add("the output's size is not stated in the ONNX file, so the head's first layer's parameters are unknown");
        }
        return new LayerTable(base, rows, Optional.empty(), notes);
    }

    /**
     * The row of a frozen body whose size the head reads: the output {@code base.output} names, else the first of a
     * model with several outputs (listed after the body), else the body itself.
     */
    static BaseModelInfo.LayerInfo featureRow(FinetuneSpec spec, BaseModelInfo base) {
        List<BaseModelInfo.LayerInfo> layers = base.layers();
        if (layers.size() == 1) {
            return layers.get(0);
        }
        return spec.base().output().flatMap(o -> layers.stream().skip(1).filter(l -> l.name().equals(o)).findFirst())
                .orElse(layers.get(1));
    }

    private static void addHead(FinetuneSpec spec, List<Row> rows, long previous, OptionalInt classes, List<String> notes) {
        List<DenseLayerSpec> hidden = spec.head().hidden();
        for (int i = 0; i < hidden.size(); i++) {
            long units = hidden.get(i).units();
            rows.add(new Row(Optional.empty(), "head_dense_" + i, "DenseLayer (" + hidden.get(i).activation() + ")", units,
                    previous > 0 ? Optional.of(previous * units + units) : Optional.empty(), Role.added));
            previous = units;
        }
        long finalPrevious = previous;
        rows.add(new Row(Optional.empty(), ModelSurgery.HEAD_OUTPUT, "OutputLayer (softmax)", classes.orElse(-1),
                classes.isPresent() && previous > 0 ? Optional.of(finalPrevious * classes.getAsInt() + classes.getAsInt())
                        : Optional.empty(), Role.added));
        if (classes.isEmpty()) {
            notes.add("the number of classes is unknown (the dataset could not be read), so the output layer's size is too");
        }
    }

    /** Parameters that train after surgery, when every count is known. */
    public Optional<Long> trainableParams() {
        return sum(Role.trainable, Role.added);
    }

    /** Parameters of the network after surgery (kept layers and the new head), when every count is known. */
    public Optional<Long> totalParams() {
        return sum(Role.frozen, Role.trainable, Role.added);
    }

    private Optional<Long> sum(Role... roles) {
        long total = 0;
        for (Row row : rows) {
            if (List.of(roles).contains(row.role())) {
                if (row.params().isEmpty()) {
                    return Optional.empty();
                }
                total += row.params().get();
            }
        }
        return Optional.of(total);
    }

    /** The table as log lines: a header, a line per layer, the totals, then problems and notes. */
    public List<String> lines() {
        List<String[]> cells = new ArrayList<>();
        cells.add(new String[] {"#", "layer", "type", "output", "parameters", "this spec"});
        for (Row row : rows) {
            cells.add(new String[] {row.index().map(String::valueOf).orElse("+"), row.name(), row.type(),
                    row.shape(),
                    row.params().map(p -> String.format(Locale.ROOT, "%,d", p)).orElse("?"), describe(row.role())});
        }
        int[] width = new int[6];
        for (String[] line : cells) {
            for (int c = 0; c < 6; c++) {
                width[c] = Math.max(width[c], line[c].length());
            }
        }
        List<String> out = new ArrayList<>();
        for (String[] line : cells) {
            StringBuilder b = new StringBuilder();
            for (int c = 0; c < 6; c++) {
                // numbers right-aligned, text left-aligned
                boolean right = c == 0 || c == 3 || c == 4;
                String cell = right ? " ".repeat(width[c] - line[c].length()) + line[c]
                        : line[c] + " ".repeat(width[c] - line[c].length());
                b.append(c == 0 ? "" : "  ").append(cell);
            }
            out.add(b.toString().stripTrailing());
        }
        if (problem.isPresent()) {
            out.add("does not fit this spec: " + problem.get());
        } else {
            out.add("after surgery: " + trainableParams().map(p -> String.format(Locale.ROOT, "%,d", p)).orElse("?")
                    + " of " + totalParams().map(p -> String.format(Locale.ROOT, "%,d", p)).orElse("?") + " parameters trainable");
        }
        notes.forEach(n -> out.add("note: " + n));
        return out;
    }

    private static String describe(Role role) {
        return switch (role) {
            case frozen -> "frozen";
            case trainable -> "trains";
            case removed -> "removed by the head";
            case added -> "new head, trains";
        };
    }
}
