package dev.finetune.engine.diff;

import dev.finetune.engine.report.SplitMetrics;
import dev.finetune.spec.Metric;

import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * A regression gate of {@code evaluation.regression} checked against the baseline's test metrics.
 *
 * @param worsening how much worse this build is (a drop, or for loss a rise); negative when it improved
 */
public record RegressionResult(Metric metric, double allowed, double baseline, double current, double worsening,
                               boolean passed) {

    /** Metrics are ratios of counts; allow for rounding so that "at most 0.01" holds at exactly 0.01. */
    private static final double TOLERANCE = 1e-9;

    public static List<RegressionResult> check(Map<Metric, Double> allowed, SplitMetrics baseline, SplitMetrics current) {
        return allowed.entrySet().stream().map(e -> {
            Metric m = e.getKey();
            double b = baseline.value(m);
            double c = current.value(m);
            double worsening = m.higherIsBetter() ? b - c : c - b;
            return new RegressionResult(m, e.getValue(), b, c, worsening, worsening <= e.getValue() + TOLERANCE);
        }).toList();
    }

    /** e.g. {@code FAILED macroF1 may drop by at most 0.01: 0.9604 -> 0.9292, dropped by 0.0312}. */
    public String describe() {
        String verb = metric.higherIsBetter() ? "drop" : "rise";
        String moved = worsening > 0 ? (metric.higherIsBetter() ? "dropped" : "rose") + String.format(Locale.ROOT, " by %.4f", worsening)
                : worsening == 0 ? "unchanged" : "improved by " + String.format(Locale.ROOT, "%.4f", -worsening);
        return String.format(Locale.ROOT, "%s %s may %s by at most %s: %.4f -> %.4f, %s", passed ? "passed" : "FAILED",
                metric, verb, SettingPaths.render("", allowed), baseline, current, moved);
    }
}
