package dev.finetune.engine.report;

import java.util.Optional;

/**
 * Contents of {@code metrics.json}: the fine-tuned model on validation and test data and, when asked for,
 * the same architecture trained from scratch on the same data, and how much of the base's own task it retained.
 */
public record MetricsReport(SplitMetrics test, SplitMetrics validation, Optional<SplitMetrics> scratchTest,
                            TrainingReport training, Optional<TrainingReport> scratchTraining, RunInfo run,
                            Optional<RetentionReport> retention) {

    /** Without a retention check. */
    public MetricsReport(SplitMetrics test, SplitMetrics validation, Optional<SplitMetrics> scratchTest,
                         TrainingReport training, Optional<TrainingReport> scratchTraining, RunInfo run) {
        this(test, validation, scratchTest, training, scratchTraining, run, Optional.empty());
    }
}
