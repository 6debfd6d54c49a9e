package dev.finetune.engine.model;

import dev.finetune.engine.UserInputException;
import dev.finetune.spec.FinetuneSpec.FreezeSpec;
import dev.finetune.spec.FinetuneSpec.LayerRef;

import java.util.ArrayList;
import java.util.List;
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
