package dev.finetune.engine.report;

import java.util.List;

/**
 * What a training run did, written to {@code training.json}. Holds no wall-clock time, so equal inputs give equal
 * bytes and the packaged model is reproducible; times go to {@code timings.json}.
 *
 * @param stoppedEarly whether early stopping ended training before the epoch limit
 * @param bestEpoch    the epoch whose parameters the model keeps (1-based)
 */
public record TrainingReport(String model, String selectionMetric, int epochsRun, int bestEpoch, double bestValue,
                             boolean stoppedEarly, int trainExamples, int validationExamples,
                             long trainableParams, long totalParams, List<String> frozenLayers,
                             List<EpochRecord> epochs) {
}
