package dev.finetune.engine.sweep;

import dev.finetune.spec.Metric;
import dev.finetune.spec.SweepSpec;
import dev.finetune.spec.SweepSpec.EarlyTerminationSpec;
import dev.finetune.spec.SweepSpec.Policy;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** The policies' decisions on outcomes alone. */
class EarlyTerminationTest {

    private static SweepSpec sweep(Policy policy, int gracePeriod, int reductionFactor, SweepSpec.Goal goal) {
        return new SweepSpec(SweepSpec.Strategy.grid, 1, 0, Metric.accuracy, goal, 0,
                new EarlyTerminationSpec(policy, gracePeriod, reductionFactor), Map.of());
    }

    private static TrialOutcome running(int index, Double... kept) {
        return new TrialOutcome(index, TrialOutcome.Status.running, List.of(kept), kept.length, false, null, null, 0, true, true);
    }

    private static TrialOutcome ended(int index, Double... kept) {
        return new TrialOutcome(index, TrialOutcome.Status.completed, List.of(kept), kept.length, false, null, null, 0, true, true);
    }

    @Test
    void successiveHalvingKeepsTheBestAndTiesGoToTheLowerIndex() {
        SweepSpec s = sweep(Policy.successiveHalving, 1, 2, SweepSpec.Goal.maximize);
        List<TrialOutcome> outcomes = List.of(running(0, 0.5), running(1, 0.7), running(2, 0.5), running(3, 0.2));
        assertEquals(List.of(new EarlyTermination.Stop(2, "successive halving at epoch 1 (kept 2 of 4)"),
                new EarlyTermination.Stop(3, "successive halving at epoch 1 (kept 2 of 4)")), EarlyTermination.apply(s, 1, outcomes));
        assertEquals(List.of(), EarlyTermination.apply(s, 3, outcomes), "3 is not a rung of 1, 2, 4, ...");
    }

    @Test
    void medianStopComparesWithEveryTrialIncludingEndedOnes() {
        SweepSpec s = sweep(Policy.medianStop, 2, 3, SweepSpec.Goal.minimize);
        // losses at epoch 2: median of 0.3, 0.4, 0.5 (the ended trial counts) is 0.4; only the running 0.5 is worse
        List<TrialOutcome> outcomes = List.of(running(0, 0.9, 0.3), ended(1, 0.4), running(2, 0.8, 0.5));
        assertEquals(List.of(new EarlyTermination.Stop(2, "median stop at epoch 2 (0.5000 vs median 0.4000)")),
                EarlyTermination.apply(s, 2, outcomes));
        assertEquals(List.of(), EarlyTermination.apply(s, 1, outcomes), "within the grace period");
    }
}
