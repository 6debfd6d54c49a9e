package dev.finetune.engine.model;

import dev.finetune.engine.UserInputException;
import dev.finetune.spec.FinetuneSpec.FreezeSpec;
import dev.finetune.spec.FinetuneSpec.HeadSpec;
import dev.finetune.spec.FinetuneSpec.LayerRef;
import dev.finetune.spec.Suggestions;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/** Resolves the spec's layer references against a base's layer names; shared by validation and model surgery. */
public final class LayerSelection {

    private LayerSelection() {
    }

    /**
     * Indices of the layers to freeze; names or indices that do not exist are reported with the real ones.
     * {@code freeze: all} freezes every layer the head keeps.
     */
    public static TreeSet<Integer> frozenIndices(FreezeSpec freeze, List<String> names, String baseName, int removeLayers) {
        TreeSet<Integer> frozen = new TreeSet<>();
        if (freeze.all()) {
            for (int i = 0; i < names.size() - removeLayers; i++) {
                frozen.add(i);
            }
            return frozen;
        }
        for (LayerRef ref : freeze.layers()) {
            frozen.add(resolve(ref, names, baseName));
        }
        freeze.upTo().ifPresent(ref -> {
            int last = resolve(ref, names, baseName);
            for (int i = 0; i <= last; i++) {
                frozen.add(i);
            }
        });
        return frozen;
    }

    /**
     * How many layers the head removes from the top: {@code head.removeLayers}, or for {@code head.replaceFrom} that
     * layer and every one after it in DL4J's order. In a graph (when its edges are known) the layers after it must be
     * exactly the ones that depend on it, and it must have one input, the head's: otherwise removing them would cut a
     * branch that does not end in the head, or leave several tops.
     *
     * @param inputs each vertex's inputs (layers and other vertices) of a graph; empty for a stack of layers
     */
    public static int removedLayers(HeadSpec head, List<String> names, Map<String, List<String>> inputs, String baseName) {
        if (head.replaceFrom().isEmpty()) {
            return head.removeLayers();
        }
        LayerRef ref = head.replaceFrom().get();
        int from;
        if (ref.index().isPresent()) {
            from = ref.index().get();
            if (from >= names.size()) {
                throw new UserInputException(ref.location() + ": `head.replaceFrom` layer index " + from + " is out of range; "
                        + baseName + " has layers 0.." + (names.size() - 1) + ": " + describe(names));
            }
        } else {
            from = names.indexOf(ref.name().orElseThrow());
            if (from < 0) {
                String hint = Suggestions.closest(ref.name().get(), names).map(n -> "; did you mean `" + n + "`?").orElse("");
                throw new UserInputException(ref.location() + ": `head.replaceFrom` names layer `" + ref.name().get()
                        + "`, which " + baseName + " does not have; its layers are: " + describe(names) + hint);
            }
        }
        if (from == 0) {
            throw new UserInputException(ref.location() + ": `head.replaceFrom` is layer 0 (`" + names.get(0) + "`), which would"
                    + " remove every layer of " + baseName + "; name the lowest layer to replace, e.g. the first dense layer");
        }
        String name = names.get(from);
        List<String> in = inputs.get(name);
        if (!inputs.isEmpty() && in != null && in.size() != 1) {
            throw new UserInputException(ref.location() + ": `head.replaceFrom` names layer `" + name + "`, which has "
                    + in.size() + " inputs " + in + " in " + baseName + "; the head needs a single input to sit on: name a"
                    + " layer above it");
        }
        if (!inputs.isEmpty()) {
            List<String> others = new ArrayList<>();
            for (String later : names.subList(from + 1, names.size())) {
                if (!dependsOn(later, name, inputs)) {
                    others.add(later);
                }
            }
            if (!others.isEmpty()) {
                throw new UserInputException(ref.location() + ": `head.replaceFrom` names layer `" + name + "`, but layers "
                        + others + " of " + baseName + " come after it without depending on it, so the head would not"
                        + " replace the whole top; name a layer that every later layer depends on");
            }
        }
        return names.size() - from;
    }

    private static boolean dependsOn(String layer, String ancestor, Map<String, List<String>> inputs) {
        Set<String> seen = new HashSet<>();
        Deque<String> todo = new ArrayDeque<>(List.of(layer));
        while (!todo.isEmpty()) {
            String v = todo.poll();
            if (v.equals(ancestor)) {
                return true;
            }
            if (seen.add(v)) {
                todo.addAll(inputs.getOrDefault(v, List.of()));
            }
        }
        return false;
    }

    /** Fails when a frozen layer is one the head removes: its parameters would be thrown away. */
    public static void requireKept(TreeSet<Integer> frozen, List<String> names, int removeLayers, String baseName) {
        int kept = names.size() - removeLayers;
        if (kept < 1) {
            throw new UserInputException("`head.removeLayers` is " + removeLayers + " but the base " + baseName + " has only "
                    + names.size() + " layers: " + describe(names));
        }
        for (int index : frozen) {
            if (index >= kept) {
                throw new UserInputException("`freeze` names layer " + index + " (`" + names.get(index)
                        + "`), but the head removes the top " + removeLayers + " layer(s) of " + baseName
                        + "; freeze only layers 0.." + (kept - 1) + ": " + describe(names.subList(0, kept)));
            }
        }
    }

    static int resolve(LayerRef ref, List<String> names, String baseName) {
        if (ref.index().isPresent()) {
            int index = ref.index().get();
            if (index >= names.size()) {
                throw new UserInputException(ref.location() + ": `freeze` layer index " + index + " is out of range; "
                        + baseName + " has layers 0.." + (names.size() - 1) + ": " + describe(names));
            }
            return index;
        }
        int index = names.indexOf(ref.name().orElseThrow());
        if (index < 0) {
            throw new UserInputException(ref.location() + ": `freeze` names layer `" + ref.name().get() + "`, which "
                    + baseName + " does not have; its layers are: " + describe(names));
        }
        return index;
    }

    public static String describe(List<String> names) {
        List<String> out = new ArrayList<>();
        for (int i = 0; i < names.size(); i++) {
            out.add(i + "=" + names.get(i));
        }
        return String.join(", ", out);
    }
}
