package dev.finetune.engine.sweep;

import dev.finetune.spec.SweepSpec;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;

/**
 * Stops sweep trials that fall behind, between rounds of one epoch each. Both policies look at every trial's best
 * validation value up to the current epoch (the value it would keep if stopped now, {@link TrialOutcome#valueUpTo})
 * and decide only at round boundaries, on outcomes alone, so the decisions do not depend on thread timing nor on
 * where the trials run.
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

    /** A running trial the policy stops, and why (the reason goes to the reports). */
    record Stop(int trial, String reason) {
    }

    /**
     * @param outcomes every trial that has a result, in trial order (ties go to the earlier trial)
     * @return the trials to stop after {@code epoch}, in the order decided
     */
    static List<Stop> apply(SweepSpec sweep, int epoch, List<TrialOutcome> outcomes) {
        var policy = sweep.earlyTermination();
        List<TrialOutcome> running = outcomes.stream().filter(o -> !o.finished()).toList();
        List<Stop> stops = new ArrayList<>();
        if (running.isEmpty() || epoch < policy.gracePeriod()) {
            return stops;
        }
        switch (policy.policy()) {
            case none -> {
            }
            case medianStop -> {
                List<Double> all = new ArrayList<>();
                outcomes.forEach(o -> all.add(value(sweep, o, epoch)));
                double median = median(all);
                for (TrialOutcome o : running) {
                    double v = value(sweep, o, epoch);
                    if (sweep.higherIsBetter() ? v < median : v > median) {
                        stops.add(new Stop(o.index(), String.format(Locale.ROOT, "median stop at epoch %d (%.4f vs median %.4f)", epoch, v, median)));
                    }
                }
            }
            case successiveHalving -> {
                if (!isRung(epoch, policy.gracePeriod(), policy.reductionFactor())) {
                    return stops;
                }
                int keep = (running.size() + policy.reductionFactor() - 1) / policy.reductionFactor();
                Comparator<TrialOutcome> best = Comparator.comparingDouble(o -> sweep.higherIsBetter() ? -value(sweep, o, epoch) : value(sweep, o, epoch));
                List<TrialOutcome> ranked = running.stream().sorted(best).toList();
                for (TrialOutcome o : ranked.subList(keep, ranked.size())) {
                    stops.add(new Stop(o.index(), String.format(Locale.ROOT, "successive halving at epoch %d (kept %d of %d)", epoch, keep, running.size())));
                }
            }
        }
        return stops;
    }

    static boolean isRung(int epoch, int first, int factor) {
        for (long rung = first; rung <= epoch; rung *= factor) {
            if (rung == epoch) {
                return true;
            }
        }
        return false;
    }

    private static double value(SweepSpec sweep, TrialOutcome outcome, int epoch) {
        return outcome.valueUpTo(epoch).orElse(sweep.higherIsBetter() ? Double.NEGATIVE_INFINITY : Double.POSITIVE_INFINITY);
    }

    static double median(List<Double> values) {
        List<Double> sorted = values.stream().sorted().toList();
        int n = sorted.size();
        return n % 2 == 1 ? sorted.get(n / 2) : (sorted.get(n / 2 - 1) + sorted.get(n / 2)) / 2;
    }
}
