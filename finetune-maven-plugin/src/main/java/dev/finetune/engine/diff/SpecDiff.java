package dev.finetune.engine.diff;

import dev.finetune.engine.report.TrainingReport;

import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;

/**
 * What changed between two resolved specs, key by key, plus what the reports say about data and base. Both specs
 * are in canonical form, so formatting, comments and key order never show up as changes.
 *
 * @param settings    changed spec keys in spec order; a derived {@code freeze (layers)} row names the layers
 *                    actually frozen when the trainings of both sides say
 * @param dataAndBase changed facts about data and base: split sizes, class counts, hashes, coordinates
 * @param notes       what could not be compared, and why
 */
public record SpecDiff(List<SettingChange> settings, List<SettingChange> dataAndBase, List<String> notes) {

    static final String FROZEN_LAYERS = "freeze (layers)";

    public SpecDiff {
        settings = List.copyOf(settings);
        dataAndBase = List.copyOf(dataAndBase);
        notes = List.copyOf(notes);
    }

    public boolean noEffectiveChange() {
        return settings.isEmpty() && dataAndBase.isEmpty();
    }

    /**
     * Settings a later plugin version added, with the value that models packaged before then implied: a baseline
     * without the key is read as having that value, so the upgrade alone is no change.
     */
    static final Map<String, String> IMPLIED_BEFORE_ADDED = Map.of("dataset.type", "csv", "training.layerLearningRates", "[]", "training.stages", "[]",
            "training.l2sp", "0", "training.layerLearningRateDecay", "1");

    public static SpecDiff between(Snapshot before, Snapshot after) {
        Map<String, String> flatBefore = SettingPaths.flatten(before.spec());
        Map<String, String> flatAfter = SettingPaths.flatten(after.spec());
        stageByStage(before.spec(), after.spec(), flatBefore, flatAfter);
        List<SettingChange> settings = changes(withImplied(flatBefore), withImplied(flatAfter), true);
        frozenLayers(before.training(), after.training()).ifPresent(row -> {
            int at = 0;
            for (int i = 0; i < settings.size(); i++) {
                if (settings.get(i).key().startsWith("freeze")) {
                    at = i + 1;
                }
            }
            settings.add(at == 0 ? settings.size() : at, row);
        });
        Map<String, String> factsBefore = SettingPaths.flatten(before.facts());
        Map<String, String> factsAfter = SettingPaths.flatten(after.facts());
        List<String> notes = new ArrayList<>();
        Set<String> oneSided = new TreeSet<>(factsBefore.keySet());
        oneSided.addAll(factsAfter.keySet());
        oneSided.removeIf(k -> factsBefore.containsKey(k) && factsAfter.containsKey(k));
        if (!oneSided.isEmpty()) {
            notes.add("Known for one side only, so not compared: " + String.join(", ", oneSided)
                    + " (models packaged without finetune/lineage.json record fewer facts)");
        }
        return new SpecDiff(settings, changes(factsBefore, factsAfter, false), notes);
    }

    /**
     * Two specs with as many stages compare stage by stage ({@code training.stages[1].learningRate: 0.0001 -> 0.00003}),
     * which says what changed better than the whole list; with another number of stages the list is one value.
     */
    @SuppressWarnings("unchecked")
    private static void stageByStage(Map<String, Object> before, Map<String, Object> after, Map<String, String> flatBefore,
                                     Map<String, String> flatAfter) {
        List<Object> b = stages(before);
        List<Object> a = stages(after);
        if (b.isEmpty() || b.size() != a.size()) {
            return;
        }
        for (int side = 0; side < 2; side++) {
            List<Object> stages = side == 0 ? b : a;
            Map<String, String> flat = side == 0 ? flatBefore : flatAfter;
            flat.remove("training.stages");
            for (int i = 0; i < stages.size(); i++) {
                Map<String, Object> one = new java.util.LinkedHashMap<>();
                one.put("training.stages[" + i + "]", stages.get(i) instanceof Map<?, ?> m && m.isEmpty() ? "{}" : stages.get(i));
                flat.putAll(SettingPaths.flatten(one));
            }
        }
    }

    @SuppressWarnings("unchecked")
    private static List<Object> stages(Map<String, Object> spec) {
        return spec.get("training") instanceof Map<?, ?> t && t.get("stages") instanceof List<?> l ? (List<Object>) l : List.of();
    }

    /** Keys older models have in their resolved spec that are no longer spec settings (now the build's). */
    static final Set<String> NO_LONGER_IN_THE_SPEC = Set.of("allowPathsOutsideProject");

    private static Map<String, String> withImplied(Map<String, String> flat) {
        Map<String, String> out = new java.util.LinkedHashMap<>(flat);
        IMPLIED_BEFORE_ADDED.forEach(out::putIfAbsent);
        NO_LONGER_IN_THE_SPEC.forEach(out::remove);
        return out;
    }

    /** Keys in the order of {@code after}, then keys only {@code before} had. */
    private static List<SettingChange> changes(Map<String, String> before, Map<String, String> after, boolean oneSidedCounts) {
        Set<String> keys = new LinkedHashSet<>(after.keySet());
        keys.addAll(before.keySet());
        List<SettingChange> out = new ArrayList<>();
        for (String key : keys) {
            Optional<String> b = Optional.ofNullable(before.get(key));
            Optional<String> a = Optional.ofNullable(after.get(key));
            if (b.equals(a) || !oneSidedCounts && (b.isEmpty() || a.isEmpty())) {
                continue;
            }
            out.add(new SettingChange(key, b, a));
        }
        return out;
    }

    private static Optional<SettingChange> frozenLayers(Optional<TrainingReport> before, Optional<TrainingReport> after) {
        if (before.isEmpty() || after.isEmpty() || before.get().frozenLayers() == null || after.get().frozenLayers() == null
                || before.get().frozenLayers().equals(after.get().frozenLayers())) {
            return Optional.empty();
        }
        return Optional.of(new SettingChange(FROZEN_LAYERS, Optional.of(layers(before.get().frozenLayers())),
                Optional.of(layers(after.get().frozenLayers()))));
    }

    /** {@code conv1..pool2 (4)}: the frozen layers are a prefix in the usual case, so first and last say it. */
    static String layers(List<String> names) {
        if (names.isEmpty()) {
            return "none";
        }
        if (names.size() <= 3) {
            return String.join(", ", names) + " (" + names.size() + ")";
        }
        return names.get(0) + ".." + names.get(names.size() - 1) + " (" + names.size() + ")";
    }
}
