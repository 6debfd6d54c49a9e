package dev.finetune.engine.train;

import dev.finetune.engine.data.Batches;
import dev.finetune.engine.event.EventSink;
import dev.finetune.engine.model.Net;
import dev.finetune.engine.report.TrainingReport;
import dev.finetune.engine.report.TrainingTimings;
import dev.finetune.spec.FinetuneSpec;

import java.util.List;
import java.util.Optional;

/**
 * The training loop ({@link TrainingRun}, run to its end): seeded shuffles, minibatches ({@link Batches}), a
 * validation check after every epoch and early stopping. The network ends with the parameters of its best
 * validation epoch.
 */
public final class Trainer {

    private final FinetuneSpec spec;
    private final EventSink log;
    private final Optional<Checkpoints> checkpoints;
    private final java.time.Duration heartbeat;
    private final Optional<EpochFitter> fitter;

    /** How often a training says where it is within an epoch, unless told otherwise ({@code finetune.heartbeat}). */
    public static final java.time.Duration DEFAULT_HEARTBEAT = java.time.Duration.ofSeconds(30);

    public Trainer(FinetuneSpec spec, EventSink log) {
        this(spec, log, Optional.empty(), DEFAULT_HEARTBEAT);
    }

    /** @param checkpoints where runs checkpoint and resume from (each run by its label) */
    public Trainer(FinetuneSpec spec, EventSink log, Optional<Checkpoints> checkpoints) {
        this(spec, log, checkpoints, DEFAULT_HEARTBEAT);
    }

    /** @param heartbeat the longest an epoch goes without a progress event ({@code finetune.heartbeat}) */
    public Trainer(FinetuneSpec spec, EventSink log, java.time.Duration heartbeat) {
        this(spec, log, Optional.empty(), heartbeat);
    }

    public Trainer(FinetuneSpec spec, EventSink log, Optional<Checkpoints> checkpoints, java.time.Duration heartbeat) {
        this(spec, log, checkpoints, heartbeat, Optional.empty());
    }

    /** @param fitter where epochs are fitted ({@link EpochFitter}); empty: in this JVM's loop */
    public Trainer(FinetuneSpec spec, EventSink log, Optional<Checkpoints> checkpoints, java.time.Duration heartbeat,
                   Optional<EpochFitter> fitter) {
        this(spec, log, checkpoints, heartbeat, fitter, Optional.empty());
    }

    private final Optional<Net> pretrained;

    private Trainer(FinetuneSpec spec, EventSink log, Optional<Checkpoints> checkpoints, java.time.Duration heartbeat,
                    Optional<EpochFitter> fitter, Optional<Net> pretrained) {
        this.pretrained = pretrained;
        this.fitter = fitter;
        this.spec = spec;
        this.log = log;
        this.checkpoints = checkpoints;
        this.heartbeat = heartbeat;
    }

    /**
     * This trainer with L2-SP pulling toward {@code base}'s weights rather than the network's own at the start (a later
     * stage, which starts from the previous stage's weights).
     */
    public Trainer withL2spAnchor(Net base) {
        return new Trainer(spec, log, checkpoints, heartbeat, fitter, Optional.of(base));
    }

    /** The report (reproducible) and the wall-clock times of one training run. */
    public record Result(TrainingReport report, TrainingTimings timings) {
    }

    /** Trains {@code target} to its end (epoch limit or patience) and leaves the best epoch's parameters in it. */
    public Result train(String label, TrainingTarget target, List<String> classes) {
        TrainingRun run = new TrainingRun(spec, label, target, classes, log, Optional.empty(), checkpoints, heartbeat, fitter,
                pretrained);
        while (!run.finished()) {
            run.epoch();
        }
        return run.finish();
    }

    /** Trains the whole network on the data, without the frozen-feature cache. */
    public Result train(String label, Net net, Batches train, Batches validation, List<String> classes) {
        return train(label, TrainingTarget.full(net, train, validation), classes);
    }
}
