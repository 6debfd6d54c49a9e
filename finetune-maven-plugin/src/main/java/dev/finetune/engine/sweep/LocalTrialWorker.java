package dev.finetune.engine.sweep;

import dev.finetune.engine.event.EventSink;
import dev.finetune.engine.event.JobEvent;
import dev.finetune.engine.model.ModelSurgery;
import dev.finetune.engine.model.Net;
import dev.finetune.engine.train.FrozenFeatureCache;
import dev.finetune.engine.train.TrainingRun;
import dev.finetune.spec.FinetuneSpec;
import dev.finetune.spec.Metric;
import dev.finetune.spec.Stages;
import dev.finetune.engine.report.TrainingReport;
import dev.finetune.engine.train.Trainer;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The worker in this JVM: each trial's live network and {@link TrainingRun} stay in memory between tasks, and all
 * trials share the base, the data and the frozen-feature cache read-only (the cache fills itself, synchronised, for
 * the first trial with a given frozen prefix). Each epoch reseeds ND4J's per-thread generator from the trial's seed
 * ({@link TrainingRun}), so outcomes do not depend on which thread runs which task.
 */
public final class LocalTrialWorker implements TrialWorker {

    private final NetBuilder builder;
    private final FrozenFeatureCache cache;
    private final int numClasses;
    private final List<String> classes;
    private final Metric metric;
    private final EventSink log;
    private final Map<Integer, LiveTrial> trials = new ConcurrentHashMap<>();
    private final java.time.Duration heartbeat;

    /** Makes a trial's network from its spec; called from several trial threads at once. */
    @FunctionalInterface
    public interface NetBuilder {
        Net build(FinetuneSpec trialSpec);
    }

    /**
     * @param base   the base network; each trial works on its own copy
     * @param cache  frozen-prefix outputs shared by trials with the same frozen prefix
     * @param metric the sweep's metric, which outcomes report
     */
    public LocalTrialWorker(Net base, FrozenFeatureCache cache, int numClasses, List<String> classes, Metric metric, EventSink log) {
        this(base, cache, numClasses, classes, metric, log, dev.finetune.engine.train.Trainer.DEFAULT_HEARTBEAT);
    }

    /** @param heartbeat the longest a trial's epoch goes without a progress event ({@code finetune.heartbeat}) */
    public LocalTrialWorker(Net base, FrozenFeatureCache cache, int numClasses, List<String> classes, Metric metric, EventSink log,
                            java.time.Duration heartbeat) {
        this(spec -> {
            Net copy;
            // one copy at a time: the base is shared by every trial thread
            synchronized (base) {
                copy = base.copy();
            }
            return new ModelSurgery(spec).apply(copy, numClasses, spec.base().toString());
        }, cache, numClasses, classes, metric, log, heartbeat);
    }

    /**
     * @param builder each trial's network from its spec (a copy of the base with the trial's surgery, or a new head on
     *                features a frozen ONNX body computed)
     */
    public LocalTrialWorker(NetBuilder builder, FrozenFeatureCache cache, int numClasses, List<String> classes, Metric metric,
                            EventSink log) {
        this(builder, cache, numClasses, classes, metric, log, dev.finetune.engine.train.Trainer.DEFAULT_HEARTBEAT);
    }

    public LocalTrialWorker(NetBuilder builder, FrozenFeatureCache cache, int numClasses, List<String> classes, Metric metric,
                            EventSink log, java.time.Duration heartbeat) {
        this.heartbeat = heartbeat;
        this.builder = builder;
        this.cache = cache;
        this.numClasses = numClasses;
        this.classes = List.copyOf(classes);
        this.metric = metric;
        this.log = log;
    }

    /**
     * One trial's state; used by one thread at a time (a trial's tasks come one after the other). A trial with
     * {@code training.stages} runs them in order, as {@code StagedTraining} does: its epochs count on across stages,
     * and what it would keep after an epoch is the running stage's best so far (the model is the last stage's).
     */
    private static final class LiveTrial {
        final int index;
        final List<Double> keptValues = new ArrayList<>();
        final List<TrainingReport> stageReports = new ArrayList<>();
        Net net;
        TrainingRun run;
        List<FinetuneSpec> stages = List.of();
        int stage;
        /** epochs of the stages before the running one */
        int epochsBefore;
        boolean featuresCached;
        String error;
        long nanos;

        LiveTrial(int index) {
            this.index = index;
        }

        boolean lastStage() {
            return stage >= stages.size() - 1;
        }

        boolean ended() {
            return run != null && run.finished() && lastStage();
        }

        boolean active() {
            return error == null && run != null && !ended();
        }

        int epochs() {
            return epochsBefore + (run == null ? 0 : run.epochsRun());
        }

        TrialOutcome outcome() {
            TrialOutcome.Status status = error != null || (ended() && keptValues.isEmpty()) ? TrialOutcome.Status.failed
                    : !ended() ? TrialOutcome.Status.running
                    : run.stoppedEarly() ? TrialOutcome.Status.stopped : TrialOutcome.Status.completed;
            return new TrialOutcome(index, status, keptValues, run == null ? 0 : epochsBefore + run.bestEpoch(),
                    run != null && ended() && run.stoppedEarly(), run == null ? null : run.stopReason().orElse(null), error,
                    nanos / 1e9, run != null, featuresCached);
        }
    }

    @Override
    public TrialOutcome advance(TrialTask task) {
        LiveTrial t = trials.computeIfAbsent(task.index(), LiveTrial::new);
        if (t.error != null) {
            return t.outcome();
        }
        long t0 = System.nanoTime();
        try {
            if (t.run == null) {
                build(t, task);
            }
            while (t.active() && t.epochs() < task.untilEpoch()) {
                if (t.run.finished()) {
                    nextStage(t, task);
                }
                t.run.epoch();
                t.keptValues.add(t.run.bestValidationUpTo(t.run.epochsRun()).map(m -> m.value(metric)).orElse(Double.NaN));
            }
        } catch (RuntimeException | OutOfMemoryError | StackOverflowError e) {
            // this trial fails alone; dropping its network gives the memory back to the others
            t.error = TrialOutcome.describe(e);
            t.net = null;
            if (t.run != null) {
                t.run.terminate("failed");
            }
        } finally {
            t.nanos += System.nanoTime() - t0;
        }
        return t.outcome();
    }

    private void build(LiveTrial t, TrialTask task) {
        FinetuneSpec spec = task.spec();
        t.stages = Stages.of(spec);
        FinetuneSpec first = t.stages.get(0);
        t.net = builder.build(first);
        t.run = new TrainingRun(first, label(t), cache.target(t.net), classes, log, Optional.of(task.index()), heartbeat);
        t.featuresCached = cache.unsupported(t.net).isEmpty();
        log.emit(new JobEvent.TrialStarted(task.index(), task.seed(), task.values()));
    }

    /** The next stage: its own surgery on the base, holding the finished stage's best parameters. */
    private void nextStage(LiveTrial t, TrialTask task) {
        t.stageReports.add(t.run.finish().report());
        t.epochsBefore += t.run.epochsRun();
        t.stage++;
        FinetuneSpec stage = t.stages.get(t.stage);
        Net next = builder.build(stage);
        if (next.numParams() != t.net.numParams()) {
            throw new IllegalStateException("stage " + (t.stage + 1) + " has " + next.numParams() + " parameters, stage "
                    + t.stage + " " + t.net.numParams());
        }
        // built from the base, it holds the base's weights until the previous stage's go in: L2-SP's anchor
        Optional<Net> pretrained = stage.training().l2sp() > 0 ? Optional.of(next.copy()) : Optional.empty();
        next.setParams(t.net.params().dup());
        t.net = next;
        t.run = new TrainingRun(stage, label(t), cache.target(next), classes, log, Optional.of(task.index()),
                Optional.empty(), heartbeat, Optional.empty(), pretrained);
    }

    private static String label(LiveTrial t) {
        return "trial " + t.index + (t.stages.size() > 1 ? " stage-" + (t.stage + 1) : "");
    }

    @Override
    public TrainedTrial finish(TrialOutcome outcome) {
        LiveTrial t = trials.get(outcome.index());
        if (t == null || t.net == null || t.run == null) {
            throw new IllegalStateException("trial " + outcome.index() + " has no trained network here");
        }
        // early termination was decided from outcomes; the run learns of it here, for its report (a no-op if it had ended)
        if (outcome.status() == TrialOutcome.Status.stopped) {
            t.run.terminate(outcome.stopReasonText().orElse("stopped"));
        }
        Trainer.Result last = t.run.finish();
        List<TrainingReport> stages = new ArrayList<>(t.stageReports);
        if (t.stages.size() > 1) {
            stages.add(last.report());
        }
        return new TrainedTrial(t.net, last, List.copyOf(stages));
    }
}
