package dev.finetune.engine.report;

import java.util.List;

/** Wall-clock times of one training run, kept apart from the reproducible reports (written to timings.json). */
public record TrainingTimings(String model, double seconds, List<Double> epochSeconds) {
}
