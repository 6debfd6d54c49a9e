package dev.finetune.engine.report;

import dev.finetune.spec.Metric;

import java.util.Collections;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;

/**
 * {@code metrics.json}'s {@code retention}: the base's original task scored before fine-tuning (the base as loaded)
 * and after (the fine-tuned body under the base's original top layers), on the same data.
 *
 * @param data     the data file as the spec names it
 * @param method   how the "after" network was built, in words
 * @param before   the base as loaded
 * @param after    the fine-tuned body with the base's removed layers and their original weights on top
 * @param drop     per metric, how much worse after is than before: a fall, or for loss a rise (negative: better)
 * @param checks   {@code evaluation.retention.maxDrop}, checked
 */
public record RetentionReport(String data, String method, SplitMetrics before, SplitMetrics after, Map<Metric, Double> drop,
                              List<Check> checks) {

    public RetentionReport {
        EnumMap<Metric, Double> sorted = new EnumMap<>(Metric.class);
        sorted.putAll(drop);
        drop = Collections.unmodifiableMap(sorted);
        checks = List.copyOf(checks);
    }

    /** How much worse {@code after} is than {@code before} on each metric. */
    public static Map<Metric, Double> drops(SplitMetrics before, SplitMetrics after) {
        Map<Metric, Double> drop = new EnumMap<>(Metric.class);
        for (Metric m : Metric.values()) {
            drop.put(m, m == Metric.loss ? after.value(m) - before.value(m) : before.value(m) - after.value(m));
        }
        return drop;
    }

    /**
     * One {@code maxDrop} entry checked.
     *
     * @param location where the entry stands in the spec
     */
    public record Check(Metric metric, double maxDrop, double drop, boolean passed, String location) {

        public String describe() {
            return String.format(java.util.Locale.ROOT, "%s retention maxDrop.%s: the base's task %s %s by %.4f, at most %s (%s)",
                    passed ? GateResult.PASSED : "FAILED", metric, metric, metric.higherIsBetter() ? "fell" : "rose", drop,
                    java.math.BigDecimal.valueOf(maxDrop).stripTrailingZeros().toPlainString(), location);
        }
    }
}
