package dev.finetune.engine.sweep;

import dev.finetune.engine.model.Net;
import dev.finetune.engine.train.Trainer;

/** A trial's trained network at its kept epoch and the report of its run; lives in the JVM that writes model.zip. */
public record TrainedTrial(Net net, Trainer.Result result) {
}
