package dev.finetune.engine.report;

import dev.finetune.spec.Gate;

import java.util.List;
import java.util.Locale;

/** A gate checked against measured test metrics. */
public record GateResult(Gate gate, double value, boolean passed) {

    /** How {@link #describe()} starts for a gate that passed. */
    public static final String PASSED = "passed";

    public static List<GateResult> check(List<Gate> gates, SplitMetrics test) {
        return gates.stream().map(g -> {
            double value = test.value(g.metric());
            return new GateResult(g, value, g.passes(value));
        }).toList();
    }

    public String describe() {
        return String.format(Locale.ROOT, "%s %s: %s is %.4f, threshold %s %s (%s)", passed ? PASSED : "FAILED",
                gate.expression(), gate.metric(), value, gate.comparison().symbol(), gate.threshold(), gate.location());
    }
}
