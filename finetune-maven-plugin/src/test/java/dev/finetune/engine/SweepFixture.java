package dev.finetune.engine;

import dev.finetune.engine.report.SweepReport;
import dev.finetune.engine.report.TrialResult;
import dev.finetune.spec.FinetuneSpec;
import dev.finetune.spec.SpecException;
import dev.finetune.spec.SpecParser;

import java.util.ArrayList;
import java.util.List;

/**
 * The inputs the sweep tests share (local trials in {@link SweepTest}, Spark tasks in {@link SparkSweepTest}), so that
 * both sweep the same spec over the same grid and compare reports the same way.
 */
final class SweepFixture {

    /** Six trials: three heads times two learning rates, {@code parallelism} at a time. */
    static String grid(int parallelism) {
        return """
                parallelism: %d
                parameters:
                  head.hidden: { values: [[], [8], [24]] }
                  training.learningRate: { values: [0.001, 0.02] }
                """.formatted(parallelism);
    }

    private static final String SPEC = "base: { path: mln.zip }\n" + TestBases.UPPER_DIGITS + """
            freeze: { upTo: hidden1 }
            head: { hidden: [12] }
            training: { learningRate: 0.01, batchSize: 16, epochs: 4, seed: 5 }
            sweep:
            %s
            """;

    private SweepFixture() {
    }

    /** The spec with {@code sweep} (its keys at the left margin) as its {@code sweep} section. */
    static FinetuneSpec spec(String sweep) throws SpecException {
        return new SpecParser().parse("finetune.yaml", SPEC.formatted(sweep.indent(2)));
    }

    /** The report without wall-clock times, the only part allowed to differ between runs and executors. */
    static List<String> timeless(SweepReport r) {
        List<String> rows = new ArrayList<>();
        rows.add(r.winner() + " " + r.winnerParameters() + " " + r.metric() + " " + r.goal() + " " + r.seed());
        for (TrialResult t : r.trials()) {
            rows.add(t.trial() + " " + t.seed() + " " + t.parameters() + " " + t.status() + " " + t.value() + " " + t.epochsRun()
                    + " " + t.bestEpoch() + " " + t.stoppedEarly() + " " + t.stopReason() + " " + t.error() + " " + t.winner());
        }
        return rows;
    }
}
