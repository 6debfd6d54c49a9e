package dev.finetune.engine.report;

import java.util.List;
import java.util.Map;

/**
 * Contents of {@code sweep.json}: how the sweep ran, which trial won and every trial, best first. Holds wall-clock
 * times, so it stays in {@code target/finetune} and is not packaged (packaged reports are byte-reproducible).
 *
 * @param metric     the validation metric that ranked the trials
 * @param winner     index of the trial whose model is model.zip
 * @param trials     best first by {@code metric}; failed trials last
 */
public record SweepReport(String strategy, String metric, String goal, long seed, String earlyTermination,
                          int parallelism, boolean frozenFeatureCache, int winner, Map<String, Object> winnerParameters,
                          double seconds, List<TrialResult> trials) {
}
