package dev.finetune.engine.sweep;

import dev.finetune.engine.UserInputException;
import dev.finetune.engine.event.EventSink;
import dev.finetune.engine.event.JobEvent;
import dev.finetune.engine.model.Net;
import dev.finetune.engine.report.SweepReport;
import dev.finetune.engine.report.TrainingTimings;
import dev.finetune.engine.report.TrialResult;
import dev.finetune.engine.train.Trainer;
import dev.finetune.spec.FinetuneSpec;
import dev.finetune.spec.SweepPlanner;
import dev.finetune.spec.SweepPlanner.Trial;
import dev.finetune.spec.SweepSpec;
import dev.finetune.spec.SweepSpec.Policy;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.function.Consumer;
import java.util.function.Function;

/**
 * Runs a sweep's trials through a {@link TrialExecutor} and picks the winner on the validation split. A trial that
 * throws is recorded as failed and the others go on.
 *
 * <p>Without early termination each trial runs to its end. With it, trials advance one epoch per round and the
 * policy decides between rounds, on all trials' outcomes so far: the same decisions whatever the thread timing or the
 * executor.
 */
public final class SweepRunner {

    /** For calls whose outcomes are reported once the call returns: in trial order, after the policy's decisions. */
    private static final Consumer<TrialOutcome> AFTER_THE_CALL = o -> {
    };

    private final FinetuneSpec spec;
    private final SweepSpec sweep;
    private final EventSink log;

    /** The winning trial with its trained network (best epoch), and the report of the whole sweep. */
    public record Outcome(Trial winner, Net net, Trainer.Result result, SweepReport report, List<TrainingTimings> timings) {
    }

    public SweepRunner(FinetuneSpec spec, EventSink log) {
        this.spec = spec;
        this.sweep = spec.sweep().orElseThrow();
        this.log = log;
    }

    public Outcome run(TrialExecutor executor) {
        long started = System.nanoTime();
        List<Trial> trials = SweepPlanner.plan(spec);
        log.info(String.format(Locale.ROOT, "sweep: %d %s trials ranked by validation %s (%s), early termination %s",
                trials.size(), sweep.strategy(), sweep.metric(), sweep.goal(), sweep.earlyTermination().policy()));
        List<TrialTask> tasks = trials.stream().map(t -> TrialTask.of(t, 0)).toList();
        Ends ends = new Ends(trials, started);
        // by trial index (the plan numbers trials 0..n-1); a trial that failed to build is reported here
        List<TrialOutcome> outcomes = new ArrayList<>(executor.run(tasks, AFTER_THE_CALL));
        ends.report(outcomes);
        int parallelism = executor.parallelism();
        if (sweep.earlyTermination().policy() == Policy.none) {
            update(outcomes, executor.run(activeTasks(tasks, outcomes, t -> trials.get(t.index()).spec().maxEpochs()), ends::report));
        } else {
            inRounds(executor, tasks, outcomes, ends);
        }

        List<TrialOutcome> ranked = outcomes.stream().sorted(ranking()).toList();
        TrialOutcome winner = ranked.get(0);
        if (!winner.ok()) {
            throw new UserInputException("every sweep trial failed; trial 0: " + winner.errorText().orElse("no epoch ran"));
        }
        TrainedTrial trained = executor.finish(winner);
        Trial winning = trials.get(winner.index());
        List<TrialResult> rows = ranked.stream().map(o -> row(trials.get(o.index()), o, o == winner)).toList();
        SweepReport report = new SweepReport(sweep.strategy().name(), sweep.metric().name(), sweep.goal().name(), sweep.seed(),
                describePolicy(), parallelism, winner.featuresCached(),
                winning.index(), winning.displayValues(), (System.nanoTime() - started) / 1e9, rows);
        List<TrainingTimings> timings = outcomes.stream().filter(TrialOutcome::built)
                .map(o -> new TrainingTimings("trial " + o.index(), o.seconds(), List.of())).toList();
        return new Outcome(winning, trained.net(), trained.result(), report, timings);
    }

    /** One epoch per round for every running trial; the policy decides between rounds, on every trial's outcome. */
    private void inRounds(TrialExecutor executor, List<TrialTask> tasks, List<TrialOutcome> outcomes, Ends ends) {
        for (int epoch = 1; outcomes.stream().anyMatch(o -> !o.finished()); epoch++) {
            int until = epoch;
            update(outcomes, executor.run(activeTasks(tasks, outcomes, t -> until), AFTER_THE_CALL));
            // in trial order, so ties go to the lower index
            for (EarlyTermination.Stop stop : EarlyTermination.apply(sweep, epoch, outcomes.stream().filter(TrialOutcome::ok).toList())) {
                outcomes.set(stop.trial(), outcomes.get(stop.trial()).stopped(stop.reason()));
            }
            ends.report(outcomes);
        }
    }

    /** Best first by the sweep metric; failed trials last; ties to the lower index. */
    private Comparator<TrialOutcome> ranking() {
        return Comparator.comparing((TrialOutcome o) -> !o.ok())
                .thenComparing(o -> o.ok() ? (sweep.higherIsBetter() ? -o.value().orElseThrow() : o.value().orElseThrow()) : 0.0)
                .thenComparingInt(TrialOutcome::index);
    }

    /** The tasks of the trials still running, each to go until the epoch {@code until} gives. */
    private static List<TrialTask> activeTasks(List<TrialTask> tasks, List<TrialOutcome> outcomes, Function<TrialTask, Integer> until) {
        return tasks.stream().filter(t -> !outcomes.get(t.index()).finished()).map(t -> t.until(until.apply(t))).toList();
    }

    private static void update(List<TrialOutcome> outcomes, List<TrialOutcome> latest) {
        latest.forEach(o -> outcomes.set(o.index(), o));
    }

    private TrialResult row(Trial trial, TrialOutcome o, boolean winner) {
        return new TrialResult(o.index(), trial.seed(), trial.displayValues(), o.status().name(), o.value(), o.epochsRun(), o.bestEpoch(),
                o.stoppedEarly(), o.stopReasonText(), o.errorText(), o.seconds(), winner);
    }

    /** One {@link JobEvent.TrialEnded} per trial, as soon as it is seen to have ended; safe from executor threads. */
    private final class Ends {
        private final List<Trial> trials;
        private final Set<Integer> reported = new HashSet<>();
        private final long started;

        Ends(List<Trial> trials, long started) {
            this.trials = trials;
            this.started = started;
        }

        void report(List<TrialOutcome> outcomes) {
            outcomes.forEach(this::report);
        }

        synchronized void report(TrialOutcome o) {
            if (o.finished() && reported.add(o.index())) {
                log.emit(new JobEvent.TrialEnded(o.index(), trials.get(o.index()).displayValues(), o.status().name(), sweep.metric().name(),
                        o.value(), o.bestEpoch(), o.epochsRun(), o.stopReasonText(), o.errorText(), o.seconds()));
                // "trial k of N" with the sweep's ETA at its pace so far, so a long sweep never reads as stuck
                double elapsed = (System.nanoTime() - started) / 1e9;
                int done = reported.size();
                log.emit(new JobEvent.SweepProgress(done, trials.size(), elapsed, elapsed / done * (trials.size() - done)));
            }
        }
    }

    private String describePolicy() {
        var e = sweep.earlyTermination();
        return switch (e.policy()) {
            case none -> "none";
            case medianStop -> "medianStop after " + e.gracePeriod() + " epoch(s)";
            case successiveHalving -> "successiveHalving from epoch " + e.gracePeriod() + ", keeping 1 in " + e.reductionFactor();
        };
    }
}
