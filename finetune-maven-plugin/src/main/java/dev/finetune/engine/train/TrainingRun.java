package dev.finetune.engine.train;

import dev.finetune.engine.event.EventSink;
import dev.finetune.engine.eval.Evaluator;
import dev.finetune.engine.event.JobEvent;
import dev.finetune.engine.model.Net;
import dev.finetune.engine.report.EpochRecord;
import dev.finetune.engine.report.SplitMetrics;
import dev.finetune.engine.report.TrainingReport;
import dev.finetune.engine.report.TrainingTimings;
import dev.finetune.spec.FinetuneSpec;
import dev.finetune.spec.Metric;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.factory.Nd4j;

import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.Random;

/**
 * One training run, an epoch at a time, so a sweep can interleave trials and stop poor ones between epochs. Each
 * epoch reseeds ND4J's (per-thread) generator from the run's seed and the epoch number, so results do not depend on
 * which thread runs which epoch, nor on what ran on that thread before (nor on whether the run resumed from a
 * {@link Checkpoints checkpoint}). The test split never comes here.
 */
public final class TrainingRun {

    private final String label;
    private final TrainingTarget target;
    private final List<String> classes;
    private final EventSink log;
    private final Optional<Integer> trial;
    private final FinetuneSpec.TrainingSpec training;
    private final Metric metric;
    private final int maxEpochs;
    private final int patience;
    private Random shuffle;
    private final long trainable;

    private final List<EpochRecord> epochs = new ArrayList<>();
    private final List<SplitMetrics> validationByEpoch = new ArrayList<>();
    private final List<Double> epochSeconds = new ArrayList<>();
    private INDArray best;
    private double bestValue = Double.NaN;
    private int bestEpoch;
    private int sinceBest;
    private boolean finished;
    private boolean stoppedEarly;
    private Optional<String> stopReason = Optional.empty();
    private long nanos;
    /** {@link JobEvent.Heartbeat} at least this often within an epoch; 0 for none. */
    private final long heartbeatNanos;
    /** The last minibatch loss that was a number, for the message when training diverges. */
    private java.util.OptionalDouble lastFiniteLoss = java.util.OptionalDouble.empty();
    private String lastFiniteAt = "";
    private final Optional<Checkpoints> checkpoints;
    private final Optional<EpochFitter> fitter;
    private final Optional<L2sp> l2sp;
    private int checkpointedEpoch;
    private long checkpointedAt = System.nanoTime();
    /** This run's own training time ({@link #nanos}) at its last checkpoint, which pacing by cost compares with. */
    private long checkpointedNanos;

    /**
     * @param trial     the sweep trial this run is, if any: its epochs are reported as the trial's, and its start is
     *                  not logged (the sweep logs one line per trial instead)
     */
    public TrainingRun(FinetuneSpec spec, String label, TrainingTarget target, List<String> classes, EventSink log,
                       Optional<Integer> trial) {
        this(spec, label, target, classes, log, trial, Optional.empty(), Trainer.DEFAULT_HEARTBEAT);
    }

    /**
     * @param checkpoints where the run writes its checkpoints, and resumes from its last one if there is one (with
     *                    the same key: the caller's inputs fingerprint)
     */
    public TrainingRun(FinetuneSpec spec, String label, TrainingTarget target, List<String> classes, EventSink log,
                       Optional<Integer> trial, Optional<Checkpoints> checkpoints) {
        this(spec, label, target, classes, log, trial, checkpoints, Trainer.DEFAULT_HEARTBEAT);
    }

    /** @param heartbeat the longest an epoch goes without a progress event; zero for none */
    public TrainingRun(FinetuneSpec spec, String label, TrainingTarget target, List<String> classes, EventSink log,
                       Optional<Integer> trial, java.time.Duration heartbeat) {
        this(spec, label, target, classes, log, trial, Optional.empty(), heartbeat);
    }

    public TrainingRun(FinetuneSpec spec, String label, TrainingTarget target, List<String> classes, EventSink log,
                       Optional<Integer> trial, Optional<Checkpoints> checkpoints, java.time.Duration heartbeat) {
        this(spec, label, target, classes, log, trial, checkpoints, heartbeat, Optional.empty());
    }

    /**
     * @param fitter where each epoch's minibatches are fitted (data-parallel on Spark); empty: here, one at a time.
     *               Within-epoch heartbeats and the divergence check per minibatch are the local loop's only.
     */
    public TrainingRun(FinetuneSpec spec, String label, TrainingTarget target, List<String> classes, EventSink log,
                       Optional<Integer> trial, Optional<Checkpoints> checkpoints, java.time.Duration heartbeat,
                       Optional<EpochFitter> fitter) {
        this(spec, label, target, classes, log, trial, checkpoints, heartbeat, fitter, Optional.empty());
    }

    /**
     * @param pretrained L2-SP's anchor when the network no longer holds the base's weights (a later stage): a network
     *                   holding them; empty: the network's parameters as they are here
     */
    public TrainingRun(FinetuneSpec spec, String label, TrainingTarget target, List<String> classes, EventSink log,
                       Optional<Integer> trial, Optional<Checkpoints> checkpoints, java.time.Duration heartbeat,
                       Optional<EpochFitter> fitter, Optional<Net> pretrained) {
        this.fitter = fitter;
        this.heartbeatNanos = heartbeat.toNanos();
        this.label = label;
        this.checkpoints = checkpoints;
        this.trial = trial;
        this.target = target;
        this.classes = classes;
        this.log = log;
        this.training = spec.training();
        this.metric = spec.earlyStopping().map(FinetuneSpec.EarlyStoppingSpec::metric).orElse(Metric.loss);
        this.maxEpochs = spec.maxEpochs();
        this.patience = spec.earlyStopping().map(FinetuneSpec.EarlyStoppingSpec::patience).orElse(Integer.MAX_VALUE);
        this.shuffle = new Random(training.seed());
        this.trainable = trainableParams(target.whole());
        this.best = target.fitted().params().dup();
        // anchored before a resume restores later parameters: the network still holds the base's weights here
        this.l2sp = L2sp.attach(target.fitted(), training.l2sp(), pretrained);
        if (logsItself()) {
            log.info(String.format(Locale.ROOT, "%s: %d examples, batch %d, up to %d epochs, %s lr %s, %,d of %,d parameters trainable%s",
                    label, target.train().numExamples(), training.batchSize(), maxEpochs, training.updater(), training.learningRate(),
                    trainable, target.whole().numParams(),
                    target.whole().frozenLayerNames().isEmpty() ? "" : ", frozen: " + target.whole().frozenLayerNames()));
            l2sp.ifPresent(r -> log.info(String.format(Locale.ROOT, "%s: L2-SP %s pulls %,d base weights toward their"
                    + " pretrained values", label, training.l2sp(), r.covered())));
            if (training.l2sp() > 0 && l2sp.isEmpty()) {
                log.warn(label + ": `training.l2sp` has nothing to act on: no layer of the base trains (only the new head)");
            }
        }
        checkpoints.flatMap(c -> c.load(label, target.fitted())).ifPresent(r -> {
            resume(r);
            log.info(String.format(Locale.ROOT, "%s: resuming from its checkpoint after epoch %d of %d (%s, same inputs, fingerprint %s)%s",
                    label, r.state().epoch(), maxEpochs, checkpoints.get().dir().getFileName(),
                    checkpoints.get().key().substring(0, Math.min(12, checkpoints.get().key().length())),
                    finished ? "; it had finished, nothing left to train" : ""));
        });
    }

    private void resume(Checkpoints.Resumed r) {
        RunState s = r.state();
        epochs.addAll(s.epochs());
        validationByEpoch.addAll(s.validationByEpoch());
        epochSeconds.addAll(s.epochSeconds());
        best = r.best();
        bestValue = s.bestValue();
        bestEpoch = s.bestEpoch();
        sinceBest = s.sinceBest();
        finished = s.finished();
        stoppedEarly = s.stoppedEarly();
        stopReason = Optional.ofNullable(s.stopReason());
        nanos = s.nanos();
        lastFiniteLoss = s.lastFiniteLoss() == null ? java.util.OptionalDouble.empty() : java.util.OptionalDouble.of(s.lastFiniteLoss());
        lastFiniteAt = s.lastFiniteAt();
        shuffle = RunState.decode(s.shuffle());
        checkpointedEpoch = s.epoch();
        checkpointedNanos = nanos;
    }

    /** Writes a checkpoint when the policy says one is due (and always once the run has finished). */
    private void checkpointIfDue() {
        if (checkpoints.isEmpty() || !checkpoints.get().due(epochs.size() - checkpointedEpoch, System.nanoTime() - checkpointedAt,
                nanos - checkpointedNanos, finished)) {
            return;
        }
        checkpoints.get().save(label, target.fitted(), best, new RunState.Builder(epochs.size(), List.copyOf(epochs),
                List.copyOf(validationByEpoch), List.copyOf(epochSeconds), bestValue, bestEpoch, sinceBest, finished, stoppedEarly,
                stopReason.orElse(null), nanos, lastFiniteLoss.isPresent() ? lastFiniteLoss.getAsDouble() : null, lastFiniteAt,
                RunState.encode(shuffle)));
        checkpointedEpoch = epochs.size();
        checkpointedAt = System.nanoTime();
        checkpointedNanos = nanos;
    }

    /** A sweep's trials are summed up per trial; a plain run logs its start and its stop. */
    private boolean logsItself() {
        return trial.isEmpty();
    }

    public boolean finished() {
        return finished;
    }

    public int epochsRun() {
        return epochs.size();
    }

    public int bestEpoch() {
        return bestEpoch;
    }

    public boolean stoppedEarly() {
        return stoppedEarly;
    }

    public Optional<String> stopReason() {
        return stopReason;
    }

    /** Validation metrics of the epoch the run keeps so far (the best by the early-stopping metric). */
    public Optional<SplitMetrics> bestValidation() {
        return bestEpoch == 0 ? Optional.empty() : Optional.of(validationByEpoch.get(bestEpoch - 1));
    }

    /** The validation metrics of the epoch the run would keep had it stopped after {@code epoch}. */
    public Optional<SplitMetrics> bestValidationUpTo(int epoch) {
        int keep = 0;
        double value = Double.NaN;
        for (int e = 1; e <= Math.min(epoch, validationByEpoch.size()); e++) {
            double v = validationByEpoch.get(e - 1).value(metric);
            if (Double.isNaN(value) || (metric.higherIsBetter() ? v > value : v < value)) {
                value = v;
                keep = e;
            }
        }
        return keep == 0 ? Optional.empty() : Optional.of(validationByEpoch.get(keep - 1));
    }

    public double seconds() {
        return nanos / 1e9;
    }

    /** Trains one epoch, checks validation, and applies early stopping's patience. */
    public void epoch() {
        if (finished) {
            throw new IllegalStateException(label + " has finished");
        }
        long epochStart = System.nanoTime();
        int epoch = epochs.size() + 1;
        Nd4j.getRandom().setSeed(training.seed() * 1_000_003L + epoch);
        Net net = target.fitted();
        double lossSum = 0;
        int batches = 0;
        int totalBatches = (target.train().numExamples() + training.batchSize() - 1) / training.batchSize();
        long lastBeat = epochStart;
        if (fitter.isPresent()) {
            // the same minibatches, in the same order, as the local loop below would fit
            List<DataSet> all = new ArrayList<>();
            target.train().shuffled(training.batchSize(), shuffle).forEachRemaining(all::add);
            double loss = fitter.get().fit(net, all, training.seed() * 1_000_003L + epoch);
            if (!Double.isFinite(loss)) {
                throw new TrainingDiverged(label, epoch, all.size(), loss, lastFiniteLoss, lastFiniteAt, training.learningRate());
            }
            lastFiniteLoss = java.util.OptionalDouble.of(loss);
            lastFiniteAt = "epoch " + epoch;
            lossSum = loss;
            batches = 1;
        }
        for (Iterator<DataSet> epochBatches = fitter.isPresent() ? java.util.Collections.emptyIterator()
                : target.train().shuffled(training.batchSize(), shuffle); epochBatches.hasNext(); ) {
            net.fit(epochBatches.next());
            double loss = net.model().score();
            batches++;
            if (!Double.isFinite(loss)) {
                throw new TrainingDiverged(label, epoch, batches, loss, lastFiniteLoss, lastFiniteAt, training.learningRate());
            }
            lastFiniteLoss = java.util.OptionalDouble.of(loss);
            lastFiniteAt = "epoch " + epoch + ", batch " + batches;
            lossSum += loss;
            long now = System.nanoTime();
            if (heartbeatNanos > 0 && now - lastBeat >= heartbeatNanos && batches < totalBatches) {
                lastBeat = now;
                heartbeat(epoch, batches, totalBatches, (now - epochStart) / 1e9);
            }
        }
        SplitMetrics val = Evaluator.evaluate(net, target.validation(), classes, "validation");
        double seconds = (System.nanoTime() - epochStart) / 1e9;
        nanos += System.nanoTime() - epochStart;
        epochs.add(new EpochRecord(epoch, lossSum / batches, val.loss(), val.accuracy(), val.macroF1()));
        validationByEpoch.add(val);
        epochSeconds.add(seconds);
        double value = val.value(metric);
        boolean improved = Double.isNaN(bestValue) || (metric.higherIsBetter() ? value > bestValue : value < bestValue);
        if (improved) {
            bestValue = value;
            bestEpoch = epoch;
            best = net.params().dup();
            sinceBest = 0;
        } else {
            sinceBest++;
        }
        double eta = seconds() / epoch * (maxEpochs - epoch);
        log.emit(new JobEvent.EpochEnded(label, trial, epoch, maxEpochs, lossSum / batches, val.loss(), val.accuracy(),
                val.macroF1(), metric.name(), value, improved, bestValue, bestEpoch, seconds, eta));
        if (sinceBest >= patience) {
            stoppedEarly = epoch < maxEpochs;
            if (stoppedEarly) {
                stopReason = Optional.of("no " + metric + " improvement for " + patience + " epochs");
            }
            if (logsItself()) {
                log.info(String.format(Locale.ROOT, "%s: no %s improvement for %d epochs; stopping, keeping epoch %d",
                        label, metric, patience, bestEpoch));
            }
            finished = true;
        } else if (epoch >= maxEpochs) {
            finished = true;
        }
        checkpointIfDue();
    }

    private void heartbeat(int epoch, int batches, int totalBatches, double elapsed) {
        double epochEta = elapsed / batches * (totalBatches - batches);
        // later epochs at the pace of the finished ones, or of this one's batches before any finished
        double perEpoch = epochs.isEmpty() ? elapsed / batches * totalBatches : seconds() / epochs.size();
        log.emit(new JobEvent.Heartbeat(label, trial, epoch, maxEpochs, batches, totalBatches, epochEta,
                epochEta + perEpoch * (maxEpochs - epoch)));
    }

    /** Ends the run before its epoch limit, e.g. because a sweep's early termination stopped it. */
    public void terminate(String reason) {
        if (!finished) {
            finished = true;
            stoppedEarly = true;
            stopReason = Optional.of(reason);
        }
    }

    /** Restores the best epoch's parameters into the whole network and reports the run. */
    public Trainer.Result finish() {
        l2sp.ifPresent(r -> r.detach(target.fitted()));
        target.fitted().setParams(best);
        target.commit();
        Net whole = target.whole();
        return new Trainer.Result(new TrainingReport(label, metric.name(), epochs.size(), bestEpoch, bestValue, stoppedEarly,
                target.train().numExamples(), target.validation().numExamples(), trainable, whole.numParams(),
                whole.frozenLayerNames(), List.copyOf(epochs)), new TrainingTimings(label, seconds(), List.copyOf(epochSeconds)));
    }

    private static long trainableParams(Net net) {
        long frozen = 0;
        for (var layer : net.layers()) {
            if (Net.isFrozen(layer)) {
                frozen += layer.numParams();
            }
        }
        return net.numParams() - frozen;
    }
}
