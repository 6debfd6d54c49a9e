package dev.finetune.engine.sweep;

import dev.finetune.engine.UserInputException;
import dev.finetune.engine.event.JobEvent;
import dev.finetune.engine.model.ModelSurgery;
import dev.finetune.engine.model.Net;
import dev.finetune.engine.report.SpecValues;
import dev.finetune.engine.report.SweepReport;
import dev.finetune.engine.report.TrainingTimings;
import dev.finetune.engine.report.TrialResult;
import dev.finetune.engine.train.FrozenFeatureCache;
import dev.finetune.engine.event.EventSink;
import dev.finetune.engine.train.Trainer;
import dev.finetune.engine.train.TrainingRun;
import dev.finetune.spec.FinetuneSpec;
import dev.finetune.spec.SweepPlanner;
import dev.finetune.spec.SweepPlanner.Trial;
import dev.finetune.spec.SweepSpec;
import dev.finetune.spec.SweepSpec.Policy;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Runs a sweep's trials and picks the winner on the validation split.
 *
 * <p>Trials run on threads inside the training JVM, each with its own network (DL4J networks are not thread-safe),
 * sharing the data and the frozen-feature cache read-only; a forked JVM per trial would featurize the data again in
 * every JVM, which is the cost the cache exists to avoid. Each epoch reseeds ND4J's per-thread generator from the
 * trial's seed ({@link TrainingRun}), so results do not depend on {@code parallelism}. A trial that throws is recorded
 * as failed and the others go on.
 *
 * <p>Without early termination each trial runs to its end. With it, trials advance one epoch per round and the
 * policy decides between rounds, on all trials' results so far: the same decisions whatever the thread timing.
 */
public final class SweepRunner {

    private static final long MEMORY_PER_TRIAL = 512L << 20;

    private final FinetuneSpec spec;
    private final SweepSpec sweep;
    private final EventSink log;
    private final int threadsPerTrial;

    /** The winning trial with its trained network (best epoch), and the report of the whole sweep. */
    public record Outcome(Trial winner, Net net, Trainer.Result result, SweepReport report, List<TrainingTimings> timings) {
    }

    /** @param threadsPerTrial ND4J's OpenMP threads, to choose a parallelism that does not oversubscribe the cores */
    public SweepRunner(FinetuneSpec spec, EventSink log, int threadsPerTrial) {
        this.spec = spec;
        this.sweep = spec.sweep().orElseThrow();
        this.log = log;
        this.threadsPerTrial = Math.max(1, threadsPerTrial);
    }

    /** One trial's state; written by one thread at a time (the round barrier orders them). */
    private static final class TrialState {
        final Trial trial;
        TrainingRun run;
        Net net;
        Optional<String> error = Optional.empty();
        long nanos;
        boolean reported;

        TrialState(Trial trial) {
            this.trial = trial;
        }

        boolean active() {
            return error.isEmpty() && run != null && !run.finished();
        }

        boolean ok() {
            return error.isEmpty() && run != null && run.bestValidation().isPresent();
        }
    }

    /**
     * @param base  the base network; each trial works on its own copy
     * @param cache frozen-prefix outputs shared by trials with the same frozen prefix
     */
    public Outcome run(Net base, FrozenFeatureCache cache, int numClasses, List<String> classes) {
        long started = System.nanoTime();
        List<Trial> trials = SweepPlanner.plan(spec);
        log.info(String.format(Locale.ROOT, "sweep: %d %s trials ranked by validation %s (%s), early termination %s",
                trials.size(), sweep.strategy(), sweep.metric(), sweep.goal(), sweep.earlyTermination().policy()));
        List<TrialState> states = new ArrayList<>();
        List<Net> copies = new ArrayList<>();
        for (Trial trial : trials) {
            states.add(new TrialState(trial));
            copies.add(base.copy());
        }
        // networks are built in parallel too: each trial seeds its own (per-thread) generator, and the first trial
        // with a given frozen prefix fills the cache (synchronised) for the rest, so the result is the same in any order
        ExecutorService setup = Executors.newFixedThreadPool(autoParallelism(trials.size(), 1), daemonThreads());
        try {
            runAll(setup, states.stream().map(s -> (Runnable) () -> isolated(s, () -> {
                Trial trial = s.trial;
                Net tuned = new ModelSurgery(trial.spec()).apply(copies.get(trial.index()), numClasses, spec.base().toString());
                s.net = tuned;
                s.run = new TrainingRun(trial.spec(), "trial " + trial.index(), cache.target(tuned), classes, log, Optional.of(trial.index()));
                log.emit(new JobEvent.TrialStarted(trial.index(), trial.seed(), trial.displayValues()));
            })).toList());
        } finally {
            setup.shutdownNow();
        }
        reportFinished(states);
        boolean allCached = states.stream().allMatch(st -> st.net == null || cache.unsupported(st.net).isEmpty());
        int parallelism = sweep.parallelism() > 0 ? sweep.parallelism()
                : autoParallelism(trials.size(), allCached ? 1 : threadsPerTrial);
        log.info(String.format(Locale.ROOT, "sweep: %d trial(s) at a time%s", parallelism, sweep.parallelism() > 0 ? "" : allCached
                ? " (one per core: trials fit only small heads on cached features, mostly one thread each)"
                : " (one per " + threadsPerTrial + " cores: trials run full forward passes on " + threadsPerTrial + " threads each)"));
        ExecutorService pool = Executors.newFixedThreadPool(parallelism, daemonThreads());
        try {
            if (sweep.earlyTermination().policy() == Policy.none) {
                runAll(pool, states.stream().filter(TrialState::active).map(s -> (Runnable) () -> {
                    while (s.active()) {
                        isolated(s, s.run::epoch);
                    }
                    reportFinished(List.of(s));
                }).toList());
            } else {
                for (int epoch = 1; states.stream().anyMatch(TrialState::active); epoch++) {
                    runAll(pool, states.stream().filter(TrialState::active).map(s -> (Runnable) () -> isolated(s, s.run::epoch)).toList());
                    // in trial order, so ties go to the lower index
                    EarlyTermination.apply(sweep, epoch, states.stream().filter(TrialState::ok).map(s -> s.run).toList());
                    reportFinished(states);
                }
            }
        } finally {
            pool.shutdownNow();
        }

        Comparator<TrialState> ranking = Comparator.comparing((TrialState s) -> !s.ok())
                .thenComparing(s -> s.ok() ? (sweep.higherIsBetter() ? -value(s) : value(s)) : 0.0)
                .thenComparingInt(s -> s.trial.index());
        List<TrialState> ranked = states.stream().sorted(ranking).toList();
        TrialState winner = ranked.get(0);
        if (!winner.ok()) {
            throw new UserInputException("every sweep trial failed; trial 0: " + winner.error.orElse("no epoch ran"));
        }
        Trainer.Result result = winner.run.finish();
        List<TrialResult> rows = ranked.stream().map(s -> row(s, s == winner)).toList();
        SweepReport report = new SweepReport(sweep.strategy().name(), sweep.metric().name(), sweep.goal().name(), sweep.seed(),
                describePolicy(), parallelism, cache.unsupported(winner.net).isEmpty(),
                winner.trial.index(), winner.trial.displayValues(), (System.nanoTime() - started) / 1e9, rows);
        List<TrainingTimings> timings = states.stream().filter(s -> s.run != null)
                .map(s -> new TrainingTimings("trial " + s.trial.index(), s.nanos / 1e9, List.of())).toList();
        return new Outcome(winner.trial, winner.net, result, report, timings);
    }

    private double value(TrialState s) {
        return s.run.bestValidation().map(m -> m.value(sweep.metric())).orElse(Double.NaN);
    }

    private TrialResult row(TrialState s, boolean winner) {
        Optional<Double> value = s.ok() ? Optional.of(value(s)) : Optional.empty();
        String status = !s.ok() ? "failed" : s.run.stoppedEarly() ? "stopped" : "completed";
        return new TrialResult(s.trial.index(), s.trial.seed(), s.trial.displayValues(), status, value,
                s.run == null ? 0 : s.run.epochsRun(), s.run == null ? 0 : s.run.bestEpoch(), s.run != null && s.run.stoppedEarly(),
                s.run == null ? Optional.empty() : s.run.stopReason(), s.error, s.nanos / 1e9, winner);
    }

    /** One log line for each trial that has ended since the last call. */
    private void reportFinished(List<TrialState> states) {
        for (TrialState s : states) {
            if (!s.active() && !s.reported) {
                s.reported = true;
                reportDone(s);
            }
        }
    }

    private void reportDone(TrialState s) {
        String status = !s.ok() ? "failed" : s.run.stoppedEarly() ? "stopped" : "completed";
        log.emit(new JobEvent.TrialEnded(s.trial.index(), s.trial.displayValues(), status, sweep.metric().name(),
                s.error.isPresent() || s.run == null ? Optional.empty() : s.run.bestValidation().map(m -> m.value(sweep.metric())),
                s.run == null ? 0 : s.run.bestEpoch(), s.run == null ? 0 : s.run.epochsRun(),
                s.run == null ? Optional.empty() : s.run.stopReason(), s.error, s.nanos / 1e9));
    }

    private String describePolicy() {
        var e = sweep.earlyTermination();
        return switch (e.policy()) {
            case none -> "none";
            case medianStop -> "medianStop after " + e.gracePeriod() + " epoch(s)";
            case successiveHalving -> "successiveHalving from epoch " + e.gracePeriod() + ", keeping 1 in " + e.reductionFactor();
        };
    }

    /** Runs {@code step} for one trial; whatever it throws fails that trial only. */
    private void isolated(TrialState s, Runnable step) {
        long t0 = System.nanoTime();
        try {
            step.run();
        } catch (RuntimeException | OutOfMemoryError | StackOverflowError e) {
            s.error = Optional.of(e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage().lines().findFirst().orElse(""));
            s.net = null;
            if (s.run != null) {
                s.run.terminate("failed");
            }
        } finally {
            s.nanos += System.nanoTime() - t0;
        }
    }

    private static void runAll(ExecutorService pool, List<Runnable> tasks) {
        List<Future<?>> futures = new ArrayList<>();
        for (Runnable task : tasks) {
            futures.add(pool.submit(task));
        }
        for (Future<?> f : futures) {
            try {
                f.get();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("sweep interrupted", e);
            } catch (ExecutionException e) {
                throw new IllegalStateException("sweep worker failed", e.getCause());
            }
        }
    }

    /**
     * As many trials at once as the cores allow at {@code threadsPerTrial} each, and the heap at ~512 MiB each. Trials
     * on cached features count one core each: their work is many small operations that ND4J runs on one thread.
     */
    static int autoParallelism(int trials, int threadsPerTrial) {
        int byCores = Runtime.getRuntime().availableProcessors() / threadsPerTrial;
        long byMemory = Runtime.getRuntime().maxMemory() / MEMORY_PER_TRIAL;
        return (int) Math.max(1, Math.min(trials, Math.min(byCores, byMemory)));
    }

    private static java.util.concurrent.ThreadFactory daemonThreads() {
        AtomicInteger n = new AtomicInteger();
        return r -> {
            Thread t = new Thread(r, "finetune-trial-" + n.incrementAndGet());
            t.setDaemon(true);
            return t;
        };
    }

}
