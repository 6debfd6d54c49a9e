package dev.finetune.engine.diff;

import dev.finetune.spec.Metric;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

/**
 * The comparison of this build with a baseline model, as written to {@code diff.json} and rendered to
 * {@code diff.md}.
 *
 * @param baseline   the baseline's label (a version or file name); empty when there is none
 * @param baselineSource where the baseline came from (coordinates or path)
 * @param current    this build's label
 * @param verdict    the one-word outcome
 * @param summary    the one-line verdict for a reviewer
 * @param spec       changed settings, data and base
 * @param metrics    test metric deltas; empty when either side has no (current) metrics
 * @param regression the regression gates of this build's spec, checked; empty when none or not checkable
 * @param notes      what was not compared, and why
 */
public record DiffReport(Optional<String> baseline, String baselineSource, String current, Verdict verdict, String summary,
                         SpecDiff spec, Optional<MetricDeltas> metrics, List<RegressionResult> regression,
                         List<String> notes) {

    public enum Verdict {
        /** nothing to compare with yet */
        noBaseline,
        /** the resolved spec, data and base are the same */
        noEffectiveChange,
        changed,
        /** a regression gate failed */
        regression
    }

    public DiffReport {
        regression = List.copyOf(regression);
        notes = List.copyOf(notes);
    }

    public boolean regressed() {
        return regression.stream().anyMatch(r -> !r.passed());
    }

    public static DiffReport noBaseline(String current, String reason) {
        return new DiffReport(Optional.empty(), "", current, Verdict.noBaseline, "No baseline to compare with: " + reason,
                new SpecDiff(List.of(), List.of(), List.of()), Optional.empty(), List.of(), List.of());
    }

    public static DiffReport compare(Snapshot baseline, Snapshot current, Map<Metric, Double> regressionGates) {
        SpecDiff spec = SpecDiff.between(baseline, current);
        List<String> notes = new ArrayList<>(spec.notes());
        Optional<MetricDeltas> metrics = Optional.empty();
        List<RegressionResult> regression = List.of();
        if (baseline.test().isPresent() && current.test().isPresent()) {
            metrics = Optional.of(MetricDeltas.between(baseline.test().get(), current.test().get()));
            regression = RegressionResult.check(regressionGates, baseline.test().get(), current.test().get());
        } else {
            String missing = current.test().isEmpty()
                    ? "this build has no test metrics for its current inputs (run finetune:evaluate before finetune:diff, e.g. `mvn verify`)"
                    : "the baseline " + baseline.label() + " was packaged without test metrics";
            notes.add("Test metrics not compared: " + missing
                    + (regressionGates.isEmpty() ? "" : "; regression gates not checked"));
        }
        retention(baseline, current).ifPresent(notes::add);
        boolean regressed = regression.stream().anyMatch(r -> !r.passed());
        Verdict verdict = regressed ? Verdict.regression : spec.noEffectiveChange() ? Verdict.noEffectiveChange : Verdict.changed;
        return new DiffReport(Optional.of(baseline.label()), baseline.source(), current.label(), verdict,
                summary(verdict, baseline.label(), spec, metrics, regression), spec, metrics, regression, notes);
    }

    /** {@code evaluation.retention} on either side: how much of the base's task each model kept, in one line. */
    private static Optional<String> retention(Snapshot baseline, Snapshot current) {
        if (baseline.retention().isEmpty() && current.retention().isEmpty()) {
            return Optional.empty();
        }
        java.util.function.Function<Snapshot, String> side = s -> s.retention().map(r -> String.format(java.util.Locale.ROOT,
                "%s %.2f%% -> %.2f%% (drop %.2f points)", s.label(), r.before().accuracy() * 100, r.after().accuracy() * 100,
                r.drop().getOrDefault(Metric.accuracy, 0.0) * 100)).orElse(s.label() + " not measured");
        return Optional.of("Retention of the base's task (accuracy before -> after fine-tuning): " + side.apply(baseline) + "; "
                + side.apply(current));
    }

    private static String summary(Verdict verdict, String baseline, SpecDiff spec, Optional<MetricDeltas> metrics,
                                  List<RegressionResult> regression) {
        List<String> parts = new ArrayList<>();
        if (verdict == Verdict.regression) {
            parts.add("Regression vs " + baseline + ": " + String.join("; ", regression.stream().filter(r -> !r.passed())
                    .map(RegressionResult::describe).map(s -> s.substring("FAILED ".length())).toList()));
        }
        int settings = spec.settings().size();
        parts.add(spec.noEffectiveChange() ? "no effective change to the spec, data or base vs " + baseline
                : settings + " setting" + (settings == 1 ? "" : "s") + " changed"
                + (spec.dataAndBase().isEmpty() ? "" : ", data or base changed") + " vs " + baseline);
        metrics.ifPresent(m -> parts.add(m.overall().stream()
                .filter(d -> d.metric() == Metric.accuracy || d.metric() == Metric.macroF1)
                .map(d -> String.format(Locale.ROOT, "test %s %.4f -> %.4f (%+.4f)", d.metric(), d.before(), d.after(), d.change()))
                .reduce((x, y) -> x + ", " + y).orElse("")));
        if (verdict != Verdict.regression && !regression.isEmpty()) {
            parts.add("regression gates passed (" + regression.size() + ")");
        }
        String line = String.join("; ", parts);
        return Character.toUpperCase(line.charAt(0)) + line.substring(1);
    }
}
