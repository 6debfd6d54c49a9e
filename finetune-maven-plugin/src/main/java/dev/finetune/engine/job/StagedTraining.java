package dev.finetune.engine.job;

import dev.finetune.engine.event.EventSink;
import dev.finetune.engine.model.ModelSurgery;
import dev.finetune.engine.model.Net;
import dev.finetune.engine.report.TrainingReport;
import dev.finetune.engine.report.TrainingTimings;
import dev.finetune.engine.train.Checkpoints;
import dev.finetune.engine.train.FrozenFeatureCache;
import dev.finetune.engine.train.Trainer;
import dev.finetune.spec.FinetuneSpec;
import dev.finetune.spec.Stages;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;

/**
 * {@code training.stages}: each stage's network is the base under that stage's surgery (its own freeze and per-layer
 * rates, so its own frozen layers and updaters), holding the previous stage's best parameters; freezing wraps layers
 * without changing the parameter layout, so the parameters carry over as they are. Each stage is a run of its own
 * (label {@code stage-N}): it checkpoints and resumes by that label, and the frozen-feature cache serves it for its
 * own frozen prefix. Updater state starts afresh in each stage, as its rate and trainable layers are new.
 */
final class StagedTraining {

    private final FinetuneSpec spec;
    private final EventSink log;
    private final Optional<Checkpoints> checkpoints;
    private final Duration heartbeat;
    private final Optional<dev.finetune.engine.train.EpochFitter> fitter;

    StagedTraining(FinetuneSpec spec, EventSink log, Optional<Checkpoints> checkpoints, Duration heartbeat,
                   Optional<dev.finetune.engine.train.EpochFitter> fitter) {
        this.fitter = fitter;
        this.spec = spec;
        this.log = log;
        this.checkpoints = checkpoints;
        this.heartbeat = heartbeat;
    }

    /**
     * @param net     the last stage's network, with its best epoch's parameters
     * @param last    the last stage's result (its report is {@code training.json})
     * @param reports every stage's report, in order
     */
    record Outcome(Net net, Trainer.Result last, List<TrainingReport> reports, List<TrainingTimings> timings) {
    }

    Outcome run(Net base, FrozenFeatureCache cache, int numClasses, List<String> classes) {
        List<FinetuneSpec> stages = Stages.of(spec);
        // a copy taken before any stage trains: L2-SP's anchor for the later stages
        Optional<Net> pretrained = spec.training().l2sp() > 0 && stages.size() > 1 ? Optional.of(base.copy()) : Optional.empty();
        Net previous = null;
        Trainer.Result result = null;
        List<TrainingReport> reports = new ArrayList<>();
        List<TrainingTimings> timings = new ArrayList<>();
        for (int i = 0; i < stages.size(); i++) {
            FinetuneSpec stage = stages.get(i);
            Net net = new ModelSurgery(stage).apply(base, numClasses, spec.base().toString());
            if (previous != null) {
                if (previous.numParams() != net.numParams()) {
                    throw new IllegalStateException("stage " + (i + 1) + " has " + net.numParams() + " parameters, stage " + i
                            + " " + previous.numParams());
                }
                net.setParams(previous.params().dup());
            }
            log.info(String.format(Locale.ROOT, "stage %d of %d: learning rate %s, up to %d epochs, frozen: %s", i + 1,
                    stages.size(), stage.training().learningRate(), stage.maxEpochs(), net.frozenLayerNames()));
            Trainer trainer = new Trainer(stage, log, checkpoints, heartbeat, fitter);
            // L2-SP pulls every stage toward the base's own weights, not toward where the previous stage left them
            result = (i > 0 && pretrained.isPresent() ? trainer.withL2spAnchor(pretrained.get()) : trainer).train("stage-" + (i + 1), cache.target(net), classes);
            reports.add(result.report());
            timings.add(result.timings());
            previous = net;
        }
        return new Outcome(previous, result, List.copyOf(reports), List.copyOf(timings));
    }
}
