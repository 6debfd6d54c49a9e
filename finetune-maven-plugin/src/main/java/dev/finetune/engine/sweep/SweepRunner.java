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
import java.util.Collections;
import java.util.Comparator;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
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
    /** @param stages with {@code training.stages}: the winner's report of each stage, in order; else empty */
    public record Outcome(Trial winner, Net net, Trainer.Result result, SweepReport report, List<TrainingTimings> timings,
                          List<dev.finetune.engine.report.TrainingReport> stages) {
    }

    public SweepRunner(FinetuneSpec spec, EventSink log) {
        this.spec = spec;
        this.sweep = spec.sweep().orElseThrow();
        this.log = log;
    }

    public Outcome run(TrialExecutor executor) {
        return run(executor, Optional.empty());
    }

    /**
     * @param journal where finished trials are recorded as they end; the trials it already holds (same inputs and
     *                settings) are not run again, and take part in the ranking and early termination as recorded
     */
    public Outcome run(TrialExecutor executor, Optional<SweepJournal> journal) {
        long started = System.nanoTime();
        List<Trial> trials = SweepPlanner.plan(spec);
        log.info(String.format(Locale.ROOT, "sweep: %d %s trials ranked by validation %s (%s), early termination %s",
                trials.size(), sweep.strategy(), sweep.metric(), sweep.goal(), sweep.earlyTermination().policy()));
        List<TrialTask> tasks = trials.stream().map(t -> TrialTask.of(t, 0)).toList();
        Map<Integer, SweepJournal.Entry> journaled = journal.map(j -> j.finished(tasks)).orElse(Map.of());
        if (!journaled.isEmpty()) {
            log.info(String.format(Locale.ROOT, "sweep: resuming: %d of %d trials finished in an earlier run (%s), running the other %d",
                    journaled.size(), trials.size(), journal.get().file().getFileName(), trials.size() - journaled.size()));
        }
        Ends ends = new Ends(trials, tasks, executor, journal, journaled.keySet(), started);
        // by trial index (the plan numbers trials 0..n-1); a trial that failed to build is reported here
        List<TrialOutcome> outcomes = new ArrayList<>(Collections.nCopies(trials.size(), (TrialOutcome) null));
        journaled.forEach((index, entry) -> outcomes.set(index, entry.outcome()));
        update(outcomes, executor.run(tasks.stream().filter(t -> !journaled.containsKey(t.index())).toList(), AFTER_THE_CALL));
        ends.report(outcomes);
        int parallelism = executor.parallelism();
        if (sweep.earlyTermination().policy() == Policy.none) {
            update(outcomes, executor.run(activeTasks(tasks, outcomes, t -> dev.finetune.spec.Stages.maxEpochs(trials.get(t.index()).spec())),
                    ends::report));
        } else {
            inRounds(executor, tasks, outcomes, ends, journaled);
        }

        List<TrialOutcome> ranked = outcomes.stream().sorted(ranking()).toList();
        TrialOutcome winner = ranked.get(0);
        if (!winner.ok()) {
            throw new UserInputException("every sweep trial failed; trial 0: " + winner.errorText().orElse("no epoch ran"));
        }
        TrainedTrial trained = journaled.containsKey(winner.index())
                ? journal.get().trained(journaled.get(winner.index())).orElseGet(() -> trainAgain(executor, tasks.get(winner.index()), winner))
                : executor.finish(winner);
        Trial winning = trials.get(winner.index());
        List<TrialResult> rows = ranked.stream().map(o -> row(trials.get(o.index()), o, o == winner)).toList();
        SweepReport report = new SweepReport(sweep.strategy().name(), sweep.metric().name(), sweep.goal().name(), sweep.seed(),
                describePolicy(), parallelism, winner.featuresCached(),
                winning.index(), winning.displayValues(), (System.nanoTime() - started) / 1e9, rows);
        List<TrainingTimings> timings = outcomes.stream().filter(TrialOutcome::built)
                .map(o -> new TrainingTimings("trial " + o.index(), o.seconds(), List.of())).toList();
        return new Outcome(winning, trained.net(), trained.result(), report, timings, trained.stages());
    }

    /**
     * A winner from an earlier run whose saved network is gone (the step had completed, and a rerun of failed trials
     * came after): trained again as far as it went then, which gives the same network, training being deterministic.
     */
    private TrainedTrial trainAgain(TrialExecutor executor, TrialTask task, TrialOutcome winner) {
        log.info(String.format(Locale.ROOT, "sweep: the winner, trial %d, finished in an earlier run whose network is no longer kept; "
                + "training it again (%d epochs, the same network)", task.index(), winner.epochsRun()));
        executor.run(List.of(task), AFTER_THE_CALL);
        executor.run(List.of(task.until(winner.epochsRun())), AFTER_THE_CALL);
        return executor.finish(winner);
    }

    /**
     * One epoch per round for every running trial; the policy decides between rounds, on every trial's outcome. Trials
     * from the journal take part as they stood in that round of the earlier run, so the decisions are the same.
     */
    private void inRounds(TrialExecutor executor, List<TrialTask> tasks, List<TrialOutcome> outcomes, Ends ends,
                          Map<Integer, SweepJournal.Entry> journaled) {
        for (int epoch = 1; outcomes.stream().anyMatch(o -> !o.finished()); epoch++) {
            int until = epoch;
            update(outcomes, executor.run(activeTasks(tasks, outcomes, t -> until), AFTER_THE_CALL));
            List<TrialOutcome> seen = new ArrayList<>();
            for (TrialOutcome o : outcomes) {
                seen.add(journaled.containsKey(o.index()) ? journaled.get(o.index()).asOf(epoch) : o);
            }
            // in trial order, so ties go to the lower index
            for (EarlyTermination.Stop stop : EarlyTermination.apply(sweep, epoch, seen.stream().filter(TrialOutcome::ok).toList())) {
                if (journaled.containsKey(stop.trial())) {
                    // decided the same way in the earlier run: the journal holds how it ended
                    continue;
                }
                outcomes.set(stop.trial(), outcomes.get(stop.trial()).stopped(stop.reason()));
                ends.stoppedBySweep(stop.trial());
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

    /**
     * One {@link JobEvent.TrialEnded} per trial, as soon as it is seen to have ended, and its journal line; safe from
     * executor threads. Trials from the journal were reported in their own run.
     */
    private final class Ends {
        private final List<Trial> trials;
        private final List<TrialTask> tasks;
        private final TrialExecutor executor;
        private final Optional<SweepJournal> journal;
        private final Set<Integer> reported = new HashSet<>();
        private final Set<Integer> stoppedBySweep = new HashSet<>();
        private final long started;

        Ends(List<Trial> trials, List<TrialTask> tasks, TrialExecutor executor, Optional<SweepJournal> journal,
             Set<Integer> journaled, long started) {
            this.trials = trials;
            this.tasks = tasks;
            this.executor = executor;
            this.journal = journal;
            this.started = started;
            reported.addAll(journaled);
        }

        synchronized void stoppedBySweep(int trial) {
            stoppedBySweep.add(trial);
        }

        void report(List<TrialOutcome> outcomes) {
            outcomes.forEach(this::report);
        }

        synchronized void report(TrialOutcome o) {
            if (o.finished() && reported.add(o.index())) {
                // the trial's network at its kept epoch is saved with the line, so a rerun need not train a winner again
                journal.ifPresent(j -> j.record(tasks.get(o.index()), o, stoppedBySweep.contains(o.index()),
                        o.ok() ? Optional.of(executor.finish(o)) : Optional.empty()));
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
