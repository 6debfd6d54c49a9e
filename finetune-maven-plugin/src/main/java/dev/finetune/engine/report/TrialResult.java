package dev.finetune.engine.report;

import java.util.Map;
import java.util.Optional;

/**
 * One sweep trial in {@code sweep.json}.
 *
 * @param trial        0-based index in the sweep's plan
 * @param seed         the trial's training seed, derived from the sweep seed and the index
 * @param parameters   the swept values, by spec path
 * @param status       {@code completed}, {@code stopped} (early termination or patience) or {@code failed}
 * @param value        the sweep metric on the validation split, for the epoch the trial keeps; empty when it failed
 * @param seconds      wall-clock time of the trial, set-up included
 * @param winner       whether this trial's model is the one written to model.zip
 */
public record TrialResult(int trial, long seed, Map<String, Object> parameters, String status, Optional<Double> value,
                          int epochsRun, int bestEpoch, boolean stoppedEarly, Optional<String> stopReason,
                          Optional<String> error, double seconds, boolean winner) {
}
