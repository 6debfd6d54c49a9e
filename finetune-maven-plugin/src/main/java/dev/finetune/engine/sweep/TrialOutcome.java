package dev.finetune.engine.sweep;

import java.io.Serializable;
import java.util.List;
import java.util.Optional;

/**
 * Where a trial stands after a task, as plain data, so it can come back from a worker in another JVM. The sweep ranks
 * trials and early termination stops them on these alone. (Strings are nullable rather than {@code Optional}, which
 * is not serialisable; {@link #stopReasonText()} and {@link #errorText()} give them as {@code Optional}s.)
 *
 * @param index          the trial's index in the sweep's plan
 * @param status         whether it goes on, and if not, how it ended
 * @param keptValues     after each epoch run, the sweep metric's validation value at the epoch the trial would keep
 *                       had it stopped there (the best so far by its own early-stopping metric): what early
 *                       termination compares at each round
 * @param bestEpoch      the epoch the trial keeps (1-based; 0 before any)
 * @param stoppedEarly   whether it ended before its epoch limit: patience, early termination or a failure
 * @param stopReason     why it stopped early; null when it did not
 * @param error          why it failed, one line; null unless {@code status} is failed
 * @param seconds        time spent on the trial so far, building its network included
 * @param built          whether its network was built (a trial can fail before)
 * @param featuresCached whether it trains on cached frozen-layer outputs rather than full forward passes
 */
public record TrialOutcome(int index, Status status, List<Double> keptValues, int bestEpoch, boolean stoppedEarly,
                           String stopReason, String error, double seconds, boolean built, boolean featuresCached)
        implements Serializable {

    /** The names are those {@code sweep.json} and the events use. */
    public enum Status {
        /** built, with epochs to go */
        running,
        completed,
        /** ended before its epoch limit: patience or early termination */
        stopped,
        failed
    }

    public TrialOutcome {
        keptValues = List.copyOf(keptValues);
    }

    /** A trial whose task threw before the worker could say more. */
    public static TrialOutcome failed(int index, Throwable e) {
        return new TrialOutcome(index, Status.failed, List.of(), 0, false, null, describe(e), 0, false, false);
    }

    /** One line for a failure: the message's first line, or the exception's name when it has none. */
    static String describe(Throwable e) {
        return e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage().lines().findFirst().orElse("");
    }

    public int epochsRun() {
        return keptValues.size();
    }

    public boolean finished() {
        return status != Status.running;
    }

    /** Whether it has a validation value to be ranked by: it did not fail and ran an epoch. */
    public boolean ok() {
        return status != Status.failed && !keptValues.isEmpty();
    }

    /** The sweep metric's validation value at the epoch the trial keeps; empty when it failed. */
    public Optional<Double> value() {
        return ok() ? Optional.of(keptValues.get(keptValues.size() - 1)) : Optional.empty();
    }

    /** The value the trial would keep had it stopped after {@code epoch} (or its last epoch, if it ended before). */
    public Optional<Double> valueUpTo(int epoch) {
        int epochs = Math.min(epoch, keptValues.size());
        return epochs == 0 ? Optional.empty() : Optional.of(keptValues.get(epochs - 1));
    }

    public Optional<String> stopReasonText() {
        return Optional.ofNullable(stopReason);
    }

    public Optional<String> errorText() {
        return Optional.ofNullable(error);
    }

    /** This outcome of a running trial, ended by the sweep's early termination. */
    public TrialOutcome stopped(String reason) {
        if (status != Status.running) {
            throw new IllegalStateException("trial " + index + " is " + status + ", not running");
        }
        return new TrialOutcome(index, Status.stopped, keptValues, bestEpoch, true, reason, error, seconds, built, featuresCached);
    }
}
