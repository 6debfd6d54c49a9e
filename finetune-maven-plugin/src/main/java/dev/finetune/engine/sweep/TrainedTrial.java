package dev.finetune.engine.sweep;

import dev.finetune.engine.model.Net;
import dev.finetune.engine.report.TrainingReport;
import dev.finetune.engine.train.Trainer;

import java.util.List;

/**
 * A trial's trained network at its kept epoch and the report of its run; lives in the JVM that writes model.zip.
 *
 * @param stages with {@code training.stages}: each stage's report in order (the last is {@code result}'s); else empty
 */
public record TrainedTrial(Net net, Trainer.Result result, List<TrainingReport> stages) {

    public TrainedTrial {
        stages = List.copyOf(stages);
    }

    /** A trial of one stage. */
    public TrainedTrial(Net net, Trainer.Result result) {
        this(net, result, List.of());
    }
}
