package dev.finetune.engine.sweep;

import dev.finetune.engine.report.SplitMetrics;
import dev.finetune.engine.train.TrainingRun;
import dev.finetune.spec.SweepSpec;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;

/**
 * Stops sweep trials that fall behind, between rounds of one epoch each. Both policies look at every trial's best
 * validation value up to the current epoch (the value it would keep if stopped now) and decide only at round
 * boundaries, so the decisions do not depend on thread timing.
 *
 * <ul>
 *   <li>{@code medianStop} (the median stopping rule of Google Vizier): from epoch {@code gracePeriod} on, a running
 *   trial whose best so far is strictly worse than the median of all trials' best so far at this epoch stops.</li>
 *   <li>{@code successiveHalving} (synchronous, as in Jamieson and Talwalkar 2016): at epochs g, g*r, g*r^2, ... the
 *   running trials are ranked and only the best ceil(n / r) go on.</li>
 * </ul>
 */
final class EarlyTermination {

    private EarlyTermination() {
    }

    /** @param runs every trial that has a result, in trial order (ties go to the earlier trial) */
    static void apply(SweepSpec sweep, int epoch, List<TrainingRun> runs) {
        var policy = sweep.earlyTermination();
        List<TrainingRun> running = runs.stream().filter(r -> !r.finished()).toList();
        if (running.isEmpty() || epoch < policy.gracePeriod()) {
            return;
        }
        switch (policy.policy()) {
            case none -> {
            }
            case medianStop -> {
                List<Double> all = new ArrayList<>();
                runs.forEach(r -> all.add(value(sweep, r, epoch)));
                double median = median(all);
                for (TrainingRun r : running) {
                    double v = value(sweep, r, epoch);
                    if (sweep.higherIsBetter() ? v < median : v > median) {
                        r.terminate(String.format(Locale.ROOT, "median stop at epoch %d (%.4f vs median %.4f)", epoch, v, median));
                    }
                }
            }
            case successiveHalving -> {
                if (!isRung(epoch, policy.gracePeriod(), policy.reductionFactor())) {
                    return;
                }
                int keep = (running.size() + policy.reductionFactor() - 1) / policy.reductionFactor();
                Comparator<TrainingRun> best = Comparator.comparingDouble(r -> sweep.higherIsBetter() ? -value(sweep, r, epoch) : value(sweep, r, epoch));
                List<TrainingRun> ranked = running.stream().sorted(best).toList();
                for (TrainingRun r : ranked.subList(keep, ranked.size())) {
                    r.terminate(String.format(Locale.ROOT, "successive halving at epoch %d (kept %d of %d)", epoch, keep, running.size()));
                }
            }
        }
    }

    static boolean isRung(int epoch, int first, int factor) {
        for (long rung = first; rung <= epoch; rung *= factor) {
            if (rung == epoch) {
                return true;
            }
        }
        return false;
    }

    private static double value(SweepSpec sweep, TrainingRun run, int epoch) {
        return run.bestValidationUpTo(epoch).map((SplitMetrics m) -> m.value(sweep.metric()))
                .orElse(sweep.higherIsBetter() ? Double.NEGATIVE_INFINITY : Double.POSITIVE_INFINITY);
    }

    static double median(List<Double> values) {
        List<Double> sorted = values.stream().sorted().toList();
        int n = sorted.size();
        return n % 2 == 1 ? sorted.get(n / 2) : (sorted.get(n / 2 - 1) + sorted.get(n / 2)) / 2;
    }
}
