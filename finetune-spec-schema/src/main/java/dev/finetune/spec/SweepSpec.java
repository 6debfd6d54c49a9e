package dev.finetune.spec;

import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * A hyperparameter sweep: trials that each override some spec values, trained on the training split and compared on
 * the validation split; the best trial's model is the one evaluated on the test split and packaged.
 *
 * @param strategy         {@code grid}: every combination of the {@code values}; {@code random}: {@code maxTrials}
 *                         draws, each value from its {@code values} or {@code range}
 * @param maxTrials        the number of random trials; the most trials a grid may have
 * @param seed             trial i's sampled values and training seed derive from this and i only
 * @param metric           the validation metric that ranks trials
 * @param goal             whether a higher or a lower {@link #metric} is better (default: by the metric)
 * @param parallelism      trials trained at once; 0 chooses from the cores and memory available
 * @param earlyTermination stops trials that fall behind the others
 * @param parameters       by the dotted spec path they override ({@link SweepTarget}), in the order written
 */
public record SweepSpec(Strategy strategy, int maxTrials, long seed, Metric metric, Goal goal, int parallelism,
                        EarlyTerminationSpec earlyTermination, Map<String, SweepParameter> parameters) {

    public enum Strategy { grid, random }

    public enum Goal { maximize, minimize }

    public enum Scale {
        /** uniform between the ends */
        linear,
        /** uniform in the logarithm: as many draws between 1e-4 and 1e-3 as between 1e-3 and 1e-2 */
        log
    }

    public enum Policy {
        none,
        /** after {@code gracePeriod} epochs, stop a trial whose best so far is worse than the median of all trials at that epoch */
        medianStop,
        /** at epochs g, g*r, g*r^2, ... keep only the best 1/r of the running trials */
        successiveHalving
    }

    /**
     * @param policy          how poor trials are stopped
     * @param gracePeriod     epochs every trial runs before it may be stopped (the first rung of successive halving)
     * @param reductionFactor successive halving keeps 1 in this many trials at each rung
     */
    public record EarlyTerminationSpec(Policy policy, int gracePeriod, int reductionFactor) {
    }

    /**
     * One swept value. Exactly one of {@code values} and {@code range} is given.
     *
     * @param values   the choices, typed as the key they override (e.g. {@code List<DenseLayerSpec>} for head.hidden)
     * @param range    [low, high] to draw from (numeric keys, random strategy)
     * @param scale    how {@code range} is sampled
     * @param location where the parameter stood in the spec
     */
    public record SweepParameter(List<Object> values, Optional<List<Double>> range, Scale scale, Location location) {
    }

    public boolean higherIsBetter() {
        return goal == Goal.maximize;
    }
}
