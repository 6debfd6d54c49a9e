package dev.finetune.engine.report;

/** One epoch of training: mean training loss and the validation metrics (wall-clock times live in timings.json). */
public record EpochRecord(int epoch, double trainLoss, double validationLoss, double validationAccuracy,
                          double validationMacroF1) {
}
