package dev.finetune.engine.diff;

import dev.finetune.engine.report.SplitMetrics;
import dev.finetune.engine.report.TrainingReport;

import java.util.Collections;
import java.util.Map;
import java.util.Optional;

/**
 * One side of a comparison: a released model or the current build, as far as its reports tell.
 *
 * @param label    short name for table columns, e.g. the version {@code 1.0.0}
 * @param source   where it came from, e.g. {@code group:artifact:zip:model:1.0.0} or a file path
 * @param spec     the resolved spec as a tree of maps, lists and scalars (the canonical YAML, read back)
 * @param test     metrics on the test split; empty when not evaluated, or not evaluated for this spec
 * @param training the training summary; empty like {@code test}
 * @param facts    what identifies data and base without their content: split sizes, class counts, hashes,
 *                 coordinates, as a tree like {@code spec}
 * @param retention the base's task scored before and after ({@code metrics.json}'s {@code retention}); empty without
 */
public record Snapshot(String label, String source, Map<String, Object> spec, Optional<SplitMetrics> test,
                       Optional<TrainingReport> training, Map<String, Object> facts,
                       Optional<dev.finetune.engine.report.RetentionReport> retention) {

    /** Without a retention check ({@code evaluation.retention}). */
    public Snapshot(String label, String source, Map<String, Object> spec, Optional<SplitMetrics> test,
                    Optional<TrainingReport> training, Map<String, Object> facts) {
        this(label, source, spec, test, training, facts, Optional.empty());
    }

    public Snapshot {
        // read-only views: the trees come from a YAML loader and JSON reader that build mutable maps
        spec = Collections.unmodifiableMap(spec);
        facts = Collections.unmodifiableMap(facts);
    }
}
