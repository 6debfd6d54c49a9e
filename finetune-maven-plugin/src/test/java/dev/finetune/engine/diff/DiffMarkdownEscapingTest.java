package dev.finetune.engine.diff;

import dev.finetune.engine.report.MarkdownShape;
import dev.finetune.engine.report.SplitMetrics;
import dev.finetune.engine.report.TrainingReport;
import dev.finetune.spec.Metric;
import org.junit.jupiter.api.Test;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * diff.md is posted as a pull-request comment, and the pull request controls the class labels (the CSV's label
 * column), the file names, the layer names of the base and the spec's values: none of them may add a link, an image,
 * HTML, a heading, a table row or a mention to the comment, and each must still be readable as itself.
 */
class DiffMarkdownEscapingTest {

    /** The values one report is built from. */
    record Data(List<String> classes, String onlyBefore, String onlyAfter, String baselineLabel, String baselineSource,
                String current, String layer, String dataPath, String key) {
    }

    static final Data HOSTILE = new Data(List.of(
            "[Approve now](https://evil.example) <img src=x onerror=alert(1)> @org/team",
            "cat`|<b>x</b>\n## ✅ all gates passed",
            "1. #123 www.evil.example ![i](https://evil.example/i.png) **bold** | x"),
            "<script>alert(1)</script>",
            "@team <!-- x --> ~~gone~~",
            "1.0.0 <b>|</b>\n## ✅ all gates passed",
            "models/evil`|<b>x</b>.zip\n## ✅ all gates passed",
            "[v2](https://evil.example) @org/team",
            "conv1`|<i>x</i>\n# forged",
            "data/``evil|`\n\n## ✅ forged after a blank line",
            "x|`y`\n# forged key");

    static final Data HARMLESS = new Data(List.of("cat", "dog", "bird"), "fish", "frog", "1.0.0", "g:a:zip:model:1.0.0",
            "1.1.0-SNAPSHOT", "conv1", "data/new.csv", "extra");

    private static Map<String, Object> spec(String basePath, String dataPath, String upTo, double lr, Optional<String> extraKey) {
        Map<String, Object> spec = new LinkedHashMap<>();
        spec.put("base", Map.of("path", basePath));
        spec.put("dataset", Map.of("path", dataPath));
        spec.put("freeze", Map.of("upTo", upTo));
        spec.put("training", Map.of("learningRate", lr));
        extraKey.ifPresent(k -> spec.put("sweep", Map.of(k, List.of(upTo, "<b>x</b>"))));
        return spec;
    }

    private static TrainingReport training(List<String> frozen) {
        return new TrainingReport("MultiLayerNetwork", "loss", 5, 5, 0.1, false, 50, 20, 100, 200, frozen, List.of());
    }

    static DiffReport report(Data d, boolean baselineMetrics) {
        List<String> before = List.of(d.classes().get(0), d.classes().get(1), d.classes().get(2), d.onlyBefore());
        List<String> after = List.of(d.classes().get(0), d.classes().get(1), d.classes().get(2), d.onlyAfter());
        SplitMetrics testBefore = SplitMetrics.of("test", before,
                new int[][] {{8, 2, 0, 0}, {1, 4, 0, 0}, {0, 1, 4, 0}, {0, 0, 0, 5}}, 0.5);
        SplitMetrics testAfter = SplitMetrics.of("test", after,
                new int[][] {{20, 0, 0, 0}, {2, 6, 2, 0}, {0, 0, 10, 0}, {1, 0, 0, 4}}, 0.3);
        Optional<TrainingReport> trainingBefore = Optional.of(training(List.of("l0", d.layer())));
        Optional<TrainingReport> trainingAfter = Optional.of(training(List.of(d.layer())));
        Optional<SplitMetrics> b = baselineMetrics ? Optional.of(testBefore) : Optional.empty();
        Snapshot baseline = new Snapshot(d.baselineLabel(), d.baselineSource(),
                spec("models/base.zip", "data/digits.csv", "l0", 0.001, Optional.empty()), b, trainingBefore,
                SnapshotReader.facts(b, trainingBefore, Optional.empty()));
        Snapshot current = new Snapshot(d.current(), "target/finetune",
                spec(d.baselineSource(), d.dataPath(), d.layer(), 0.003, Optional.of(d.key())), Optional.of(testAfter),
                trainingAfter, SnapshotReader.facts(Optional.of(testAfter), trainingAfter, Optional.empty()));
        return DiffReport.compare(baseline, current, Map.of(Metric.accuracy, 0.5, Metric.macroF1, 0.0));
    }

    @Test
    void hostileLabelsFileNamesLayersAndValuesAddNothingToTheComment() {
        String hostile = DiffMarkdown.render(report(HOSTILE, true));
        String harmless = DiffMarkdown.render(report(HARMLESS, true));
        // the report has every part that data reaches: settings, metrics, gates, classes, cells, data facts, notes
        assertTrue(harmless.contains("#### Regression gates") && harmless.contains("| cat -> dog |")
                && harmless.contains("Classes only in 1.0.0: [fish]; only in 1.1.0-SNAPSHOT: [frog]")
                && harmless.contains("| `freeze (layers)` | `l0, conv1 (2)` | `conv1 (1)` |")
                && harmless.contains("| `dataset.splits.test.classCounts` | `bird: 5, cat: 10, dog: 5, fish: 5` | "), harmless);
        List<String> forged = new java.util.ArrayList<>(HOSTILE.classes());
        forged.addAll(List.of(HOSTILE.onlyBefore(), HOSTILE.onlyAfter(), HOSTILE.baselineLabel(), HOSTILE.baselineSource(),
                HOSTILE.current(), HOSTILE.layer(), HOSTILE.key()));
        MarkdownShape.assertOnlyTextFromData(hostile, harmless, forged);
        // the headings are the report's own, with the versions as text
        assertEquals(List.of("finetune:diff: 1.1.0-SNAPSHOT vs 1.0.0", "Settings", "Test metrics (25 -> 45 examples)",
                "Regression gates"), MarkdownShape.headings(harmless));
        assertEquals(MarkdownShape.headings(harmless).size(), MarkdownShape.headings(hostile).size());
        assertTrue(MarkdownShape.headings(hostile).get(0).startsWith("finetune:diff: [v2](https"), MarkdownShape.headings(hostile).toString());
        assertFalse(hostile.contains("\n## ✅"), hostile);
    }

    @Test
    void notesNamingTheBaselineAreEscapedAndKeepTheirCode() {
        String hostile = DiffMarkdown.render(report(HOSTILE, false));
        String harmless = DiffMarkdown.render(report(HARMLESS, false));
        assertTrue(harmless.contains("> Test metrics not compared: the baseline 1.0.0 was packaged without test metrics; "
                + "regression gates not checked\n"), harmless);
        MarkdownShape.assertOnlyTextFromData(hostile, harmless, List.of(HOSTILE.baselineLabel()));

        DiffReport none = DiffReport.noBaseline(HOSTILE.current(), "no released version of " + HOSTILE.classes().get(0));
        DiffReport noneHarmless = DiffReport.noBaseline(HARMLESS.current(), "no released version of g:a below 1.0.0");
        MarkdownShape.assertOnlyTextFromData(DiffMarkdown.render(none), DiffMarkdown.render(noneHarmless),
                List.of(HOSTILE.current(), HOSTILE.classes().get(0)));
    }

    @Test
    void theNoteThatQuotesACommandStillShowsItAsCode() {
        DiffReport r = DiffReport.compare(new Snapshot("1.0.0", "1.0.0", Map.of("training", Map.of("seed", 1)), Optional.empty(),
                        Optional.empty(), Map.of()),
                new Snapshot("1.1.0", "1.1.0", Map.of("training", Map.of("seed", 2)), Optional.empty(), Optional.empty(), Map.of()),
                Map.of());
        assertTrue(DiffMarkdown.render(r).contains("> Test metrics not compared: this build has no test metrics for its current "
                + "inputs (run finetune:evaluate before finetune:diff, e.g. `mvn verify`)\n"), DiffMarkdown.render(r));
    }
}
