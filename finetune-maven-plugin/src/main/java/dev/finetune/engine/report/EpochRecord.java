package dev.finetune.engine.report;

/** One epoch of training: mean training loss, the validation metric used for early stopping, time taken. */
public record EpochRecord(int epoch, double trainLoss, double validationLoss, double validationAccuracy,
                          double validationMacroF1, double seconds) {
}
