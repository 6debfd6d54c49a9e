package dev.finetune.engine.diff;

import dev.finetune.engine.layout.OutputFiles;
import dev.finetune.engine.report.SplitMetrics;
import dev.finetune.engine.report.TrainingReport;
import dev.finetune.spec.CanonicalSpec;
import dev.finetune.spec.Metric;
import dev.finetune.spec.SpecParser;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The diff on hand-built inputs, where every expected number can be worked out by hand. */
class DiffReportTest {

    private static final String V1 = """
            base: { path: models/base.zip }
            dataset: { path: data/digits.csv, split: { train: 0.5, validation: 0.2, test: 0.3 } }
            freeze: { upTo: 2 }
            head: { hidden: [64] }
            training: { learningRate: 0.001, epochs: 5 }
            evaluation: { gates: ["accuracy >= 0.8"] }
            """;

    private static Snapshot snapshot(String label, String yaml, Optional<SplitMetrics> test, Optional<TrainingReport> training)
            throws Exception {
        String canonical = CanonicalSpec.toYaml(new SpecParser().parse("finetune.yaml", yaml));
        return new Snapshot(label, label, SnapshotReader.specTree(canonical), test, training,
                SnapshotReader.facts(test, training, Optional.empty()));
    }

    private static TrainingReport training(int train, List<String> frozen) {
        return new TrainingReport("MultiLayerNetwork", "loss", 5, 5, 0.1, false, train, 20, 100, 200, frozen, List.of());
    }

    @Test
    void reorderingAndCommentsAreNoEffectiveChange() throws Exception {
        String reordered = """
                # the same spec, keys in another order, flow and block styles swapped, comments added
                training:
                  epochs: 5            # five
                  learningRate: 1e-3
                evaluation: { gates: ["accuracy>=0.8"] }
                head:
                  hidden:
                    - units: 64
                      activation: relu
                freeze: { upTo: 2 }
                dataset:
                  split: { test: 0.3, validation: 0.2, train: 0.5 }
                  path: data/digits.csv
                base: { path: models/base.zip }
                """;
        DiffReport r = DiffReport.compare(snapshot("1.0.0", V1, Optional.empty(), Optional.empty()),
                snapshot("1.1.0", reordered, Optional.empty(), Optional.empty()), Map.of());
        assertTrue(r.spec().noEffectiveChange(), r.spec().toString());
        assertEquals(DiffReport.Verdict.noEffectiveChange, r.verdict());
        assertTrue(r.summary().startsWith("No effective change to the spec, data or base vs 1.0.0"), r.summary());
        assertTrue(DiffMarkdown.render(r).contains("No effective change to the spec"));
    }

    @Test
    void anAddedOrChangedRetentionCheckShowsUp() throws Exception {
        String retention = V1.replace("evaluation: { gates: [\"accuracy >= 0.8\"] }", """
                evaluation:
                  gates: ["accuracy >= 0.8"]
                  retention: { data: { path: data/mnist.csv, normalize: image }, maxDrop: { accuracy: %s } }
                """);
        DiffReport added = DiffReport.compare(snapshot("1.0.0", V1, Optional.empty(), Optional.empty()),
                snapshot("1.1.0", retention.formatted("0.02"), Optional.empty(), Optional.empty()), Map.of());
        List<String> keys = added.spec().settings().stream().map(SettingChange::key).toList();
        assertTrue(keys.contains("evaluation.retention.data.path") && keys.contains("evaluation.retention.maxDrop.accuracy"),
                keys.toString());
        DiffReport changed = DiffReport.compare(snapshot("1.0.0", retention.formatted("0.02"), Optional.empty(), Optional.empty()),
                snapshot("1.1.0", retention.formatted("0.05"), Optional.empty(), Optional.empty()), Map.of());
        assertEquals(List.of("evaluation.retention.maxDrop.accuracy"), changed.spec().settings().stream().map(SettingChange::key).toList());
        assertTrue(DiffMarkdown.render(changed).contains("evaluation.retention.maxDrop.accuracy"), DiffMarkdown.render(changed));
    }

    /** A model packaged before `dataset.type` existed was a CSV model: upgrading the plugin alone is no change. */
    @Test
    void aBaselineFromBeforeDatasetTypesReadsAsCsv() throws Exception {
        String canonical = CanonicalSpec.toYaml(new SpecParser().parse("finetune.yaml", V1));
        // and it had allowPathsOutsideProject in its resolved spec, now the build's setting and not compared
        String older = canonical.replaceAll("(?m)^  type: csv\n", "") + "allowPathsOutsideProject: false\n";
        assertTrue(!older.equals(canonical) && !older.contains("type:"), older);
        Snapshot before = new Snapshot("1.0.0", "1.0.0", SnapshotReader.specTree(older), Optional.empty(), Optional.empty(),
                SnapshotReader.facts(Optional.empty(), Optional.empty(), Optional.empty()));
        DiffReport r = DiffReport.compare(before, snapshot("1.1.0", V1, Optional.empty(), Optional.empty()), Map.of());
        assertTrue(r.spec().noEffectiveChange(), r.spec().toString());
        DiffReport images = DiffReport.compare(before, new Snapshot("1.1.0", "1.1.0",
                SnapshotReader.specTree(canonical.replace("type: csv", "type: images")), Optional.empty(), Optional.empty(),
                SnapshotReader.facts(Optional.empty(), Optional.empty(), Optional.empty())), Map.of());
        assertEquals("dataset.type", images.spec().settings().get(0).key());
    }

    /** A model packaged before stages and L2-SP had neither: the upgrade alone is no change; setting them is. */
    @Test
    void stagesAndL2spShowUpAndABaselineWithoutThemReadsAsNone() throws Exception {
        String canonical = CanonicalSpec.toYaml(new SpecParser().parse("finetune.yaml", V1));
        // (an empty list may be dumped as an alias of another, `*id001`)
        String older = canonical.replaceAll("(?m)^  l2sp: 0.0\n", "").replaceAll("(?m)^  stages: .*\n", "");
        assertTrue(!older.contains("l2sp") && !older.contains("stages"), older);
        Snapshot before = new Snapshot("1.0.0", "1.0.0", SnapshotReader.specTree(older), Optional.empty(), Optional.empty(),
                SnapshotReader.facts(Optional.empty(), Optional.empty(), Optional.empty()));
        assertTrue(DiffReport.compare(before, snapshot("1.1.0", V1, Optional.empty(), Optional.empty()), Map.of())
                .spec().noEffectiveChange());
        String staged = V1.replace("training: { learningRate: 0.001, epochs: 5 }", """
                training:
                  learningRate: 0.001
                  epochs: 5
                  stages: [{ epochs: 3 }, { freeze: { upTo: 1 }, learningRate: 0.0001 }]
                """);
        DiffReport r = DiffReport.compare(before, snapshot("1.1.0", staged, Optional.empty(), Optional.empty()), Map.of());
        assertEquals(List.of("training.stages: [] -> [{epochs: 3}, {freeze: {layers: [], upTo: 1}, learningRate: 0.0001}]"),
                r.spec().settings().stream().map(SettingChange::describe).toList());
        DiffReport l2sp = DiffReport.compare(before, snapshot("1.1.0", V1.replace("epochs: 5 }", "epochs: 5, l2sp: 0.1 }"),
                Optional.empty(), Optional.empty()), Map.of());
        assertEquals(List.of("training.l2sp: 0 -> 0.1"), l2sp.spec().settings().stream().map(SettingChange::describe).toList());
    }

    /** As many stages on both sides: stage by stage; a per-layer decay against a baseline without one: from 1. */
    @Test
    void stagesCompareStageByStageAndTheDecayReadsFromOne() throws Exception {
        String two = V1.replace("training: { learningRate: 0.001, epochs: 5 }", """
                training:
                  learningRate: 0.001
                  epochs: 5
                  stages: [{ epochs: 3 }, { freeze: { upTo: 1 }, learningRate: 0.0001 }]
                """);
        String changed = two.replace("learningRate: 0.0001 }", "learningRate: 0.00003, layerLearningRateDecay: 0.5 }")
                .replace("{ epochs: 3 }", "{ epochs: 4 }").replace("  epochs: 5\n", "  epochs: 5\n  layerLearningRateDecay: 0.8\n");
        DiffReport r = DiffReport.compare(snapshot("1.0.0", two, Optional.empty(), Optional.empty()),
                snapshot("1.1.0", changed, Optional.empty(), Optional.empty()), Map.of());
        assertEquals(List.of("training.layerLearningRateDecay: 1 -> 0.8", "training.stages[0].epochs: 3 -> 4",
                        "training.stages[1].layerLearningRateDecay: (not set) -> 0.5",
                        "training.stages[1].learningRate: 0.0001 -> 0.00003"),
                r.spec().settings().stream().map(SettingChange::describe).sorted().toList());
    }

    /** Retention on both sides (or one): a note with each side's accuracy before and after and the drop. */
    @Test
    void retentionOfTheBasesTaskIsANote() throws Exception {
        Snapshot plain = snapshot("1.0.0", V1, Optional.empty(), Optional.empty());
        java.util.function.Function<Double, dev.finetune.engine.report.RetentionReport> kept = after -> {
            SplitMetrics before = new SplitMetrics("retention", 1000, List.of("0"), 0.978, 0, 0, 0, 0.068, List.of(), new int[0][]);
            SplitMetrics now = new SplitMetrics("retention", 1000, List.of("0"), after, 0, 0, 0, 0.07, List.of(), new int[0][]);
            return new dev.finetune.engine.report.RetentionReport("mnist.csv", "body under the base's head", before, now,
                    dev.finetune.engine.report.RetentionReport.drops(before, now), List.of());
        };
        Snapshot older = new Snapshot("1.0.0", "1.0.0", plain.spec(), Optional.empty(), Optional.empty(), plain.facts(),
                Optional.of(kept.apply(0.975)));
        Snapshot newer = new Snapshot("1.1.0", "1.1.0", plain.spec(), Optional.empty(), Optional.empty(), plain.facts(),
                Optional.of(kept.apply(0.977)));
        assertTrue(DiffReport.compare(older, newer, Map.of()).notes().contains("Retention of the base's task (accuracy before"
                + " -> after fine-tuning): 1.0.0 97.80% -> 97.50% (drop 0.30 points); 1.1.0 97.80% -> 97.70% (drop 0.10 points)"));
        assertTrue(DiffReport.compare(plain, newer, Map.of()).notes().contains("Retention of the base's task (accuracy before"
                + " -> after fine-tuning): 1.0.0 not measured; 1.1.0 97.80% -> 97.70% (drop 0.10 points)"));
        assertTrue(DiffReport.compare(plain, plain, Map.of()).notes().stream().noneMatch(n -> n.startsWith("Retention")));
    }

    @Test
    void changedSettingsReadAsOldAndNewValues() throws Exception {
        String v2 = V1.replace("learningRate: 0.001", "learningRate: 0.0003").replace("upTo: 2", "upTo: 1")
                .replace("hidden: [64]", "hidden: [128, { units: 64, activation: tanh }]")
                .replace("evaluation: {", "evaluation: { regression: { macroF1: 0.01 },");
        DiffReport r = DiffReport.compare(
                snapshot("1.0.0", V1, Optional.empty(), Optional.of(training(50, List.of("l0", "l1", "l2")))),
                snapshot("1.1.0", v2, Optional.empty(), Optional.of(training(50, List.of("l0", "l1")))), Map.of());
        assertEquals(List.of(
                "freeze.upTo: 2 -> 1",
                "freeze (layers): l0, l1, l2 (3) -> l0, l1 (2)",
                "head.hidden: [64] -> [128, 64 tanh]",
                "training.learningRate: 0.001 -> 0.0003",
                "evaluation.regression.macroF1: (not set) -> 0.01"),
                r.spec().settings().stream().map(SettingChange::describe).toList());
        assertEquals(DiffReport.Verdict.changed, r.verdict());
        assertTrue(r.summary().startsWith("5 settings changed vs 1.0.0"), r.summary());
        assertTrue(r.notes().get(0).startsWith("Test metrics not compared: this build has no test metrics"), r.notes().toString());
        String md = DiffMarkdown.render(r);
        assertTrue(md.contains("| setting | 1.0.0 | 1.1.0 |\n|---|---|---|\n| `freeze.upTo` | `2` | `1` |\n"), md);
        assertTrue(md.contains("| `head.hidden` | `[64]` | `[128, 64 tanh]` |"), md);
        assertTrue(md.contains("| `evaluation.regression.macroF1` | _not set_ | `0.01` |"), md);
    }

    @Test
    void withoutABaselineTheReportSaysSoInOneLine() {
        DiffReport r = DiffReport.noBaseline("1.0.0", "no released version of g:a below 1.0.0");
        assertEquals(DiffReport.Verdict.noBaseline, r.verdict());
        assertFalse(r.regressed());
        assertEquals("### finetune:diff: 1.0.0\n\n:information_source: **No baseline to compare with: no released version of g:a "
                + "below 1.0.0**\n\n", DiffMarkdown.render(r));
    }

    @Test
    void unknownSectionsAreComparedKeyByKey() {
        // a section this version does not know (e.g. a sweep added later) is flattened like any other
        Map<String, Object> before = new LinkedHashMap<>(Map.of("training", Map.of("seed", 1)));
        Map<String, Object> after = new LinkedHashMap<>(before);
        after.put("sweep", Map.of("parameters", Map.of("training.learningRate", List.of(0.001, 3e-4)), "trials", 4));
        Snapshot b = new Snapshot("a", "a", before, Optional.empty(), Optional.empty(), Map.of());
        Snapshot a = new Snapshot("b", "b", after, Optional.empty(), Optional.empty(), Map.of());
        List<String> changes = SpecDiff.between(b, a).settings().stream().map(SettingChange::describe).sorted().toList();
        assertEquals(List.of("sweep.parameters.training.learningRate: (not set) -> [0.001, 0.0003]", "sweep.trials: (not set) -> 4"),
                changes);
        assertEquals(List.of("sweep.trials: 4 -> (not set)"),
                SpecDiff.between(a, new Snapshot("c", "c", Map.of("training", Map.of("seed", 1),
                        "sweep", Map.of("parameters", Map.of("training.learningRate", List.of(0.001, 3e-4)))),
                        Optional.empty(), Optional.empty(), Map.of())).settings().stream().map(SettingChange::describe).toList());
    }

    @Test
    void metricDeltasOverallPerClassAndMovedCells() {
        // baseline: 20 test examples; this build: 40, so cells compare as shares of their true class
        SplitMetrics before = SplitMetrics.of("test", List.of("a", "b", "c"), new int[][] {{8, 2, 0}, {1, 4, 0}, {0, 1, 4}}, 0.5);
        SplitMetrics after = SplitMetrics.of("test", List.of("a", "b", "c"), new int[][] {{20, 0, 0}, {2, 8, 0}, {0, 0, 10}}, 0.3);
        MetricDeltas d = MetricDeltas.between(before, after);
        assertEquals(20, d.examplesBefore());
        assertEquals(40, d.examplesAfter());
        MetricDeltas.MetricDelta accuracy = d.overall().get(0);
        assertEquals(Metric.accuracy, accuracy.metric());
        assertEquals(16 / 20.0, accuracy.before(), 1e-12);
        assertEquals(38 / 40.0, accuracy.after(), 1e-12);
        assertEquals(MetricDeltas.Direction.better, accuracy.direction());
        MetricDeltas.MetricDelta loss = d.overall().get(4);
        assertEquals(-0.2, loss.change(), 1e-12);
        assertEquals(MetricDeltas.Direction.better, loss.direction(), "lower loss is better");
        assertEquals(List.of("a", "b", "c"), d.perClass().stream().map(MetricDeltas.ClassDelta::label).toList());
        assertEquals(1.0 - 0.8, d.perClass().get(0).recallAfter() - d.perClass().get(0).recallBefore(), 1e-12);
        // a->b went from 2/10 to 0/20 (-20 pp), c->b from 1/5 to 0/10 (-20 pp), b->a unchanged at 1/5 = 2/10
        assertEquals(List.of("a->b 2->0", "c->b 1->0"),
                d.movedCells().stream().map(c -> c.actual() + "->" + c.predicted() + " " + c.countBefore() + "->" + c.countAfter()).toList());
        assertEquals(-0.2, d.movedCells().get(0).shareChange(), 1e-12);
    }

    @Test
    void regressionGatesFailOnlyBeyondTheAllowedDrop() {
        SplitMetrics before = SplitMetrics.of("test", List.of("a", "b"), new int[][] {{50, 0}, {0, 50}}, 0.10);
        SplitMetrics after = SplitMetrics.of("test", List.of("a", "b"), new int[][] {{49, 1}, {0, 50}}, 0.12);
        // accuracy 1.0 -> 0.99: a drop of exactly 0.01 is allowed by 0.01, not by 0.009; loss rose by 0.02
        Map<Metric, Double> gates = new java.util.EnumMap<>(Metric.class);
        gates.put(Metric.accuracy, 0.01);
        gates.put(Metric.macroF1, 0.009);
        gates.put(Metric.loss, 0.01);
        List<RegressionResult> results = RegressionResult.check(gates, before, after);
        assertEquals(List.of(true, false, false), results.stream().map(RegressionResult::passed).toList());
        assertEquals("FAILED loss may rise by at most 0.01: 0.1000 -> 0.1200, rose by 0.0200", results.get(2).describe());
        assertTrue(results.get(1).describe().startsWith("FAILED macroF1 may drop by at most 0.009: 1.0000 -> 0.9900, dropped by 0.0100"),
                results.get(1).describe());
    }

    @Test
    void regressionMakesTheVerdictAndTheFilesAreDeterministic(@TempDir Path dir) throws Exception {
        SplitMetrics before = SplitMetrics.of("test", List.of("5", "6"), new int[][] {{9, 1}, {1, 9}}, 0.2);
        SplitMetrics after = SplitMetrics.of("test", List.of("5", "6"), new int[][] {{6, 4}, {2, 8}}, 0.4);
        String v2 = V1.replace("learningRate: 0.001", "learningRate: 0.1");
        DiffReport r = DiffReport.compare(snapshot("1.0.0", V1, Optional.of(before), Optional.of(training(50, List.of()))),
                snapshot("1.1.0-SNAPSHOT", v2, Optional.of(after), Optional.of(training(50, List.of()))),
                Map.of(Metric.macroF1, 0.05));
        assertTrue(r.regressed());
        assertEquals(DiffReport.Verdict.regression, r.verdict());
        assertEquals("Regression vs 1.0.0: macroF1 may drop by at most 0.05: 0.9000 -> 0.6970, dropped by 0.2030; "
                + "1 setting changed vs 1.0.0; test accuracy 0.9000 -> 0.7000 (-0.2000), test macroF1 0.9000 -> 0.6970 (-0.2030)",
                r.summary());
        // test class counts are the same, so the data facts show no change
        assertEquals(List.of(), r.spec().dataAndBase());
        DiffFiles.write(dir, r);
        byte[] md = Files.readAllBytes(dir.resolve(OutputFiles.DIFF_MARKDOWN));
        byte[] json = Files.readAllBytes(dir.resolve(OutputFiles.DIFF_JSON));
        String text = new String(md, java.nio.charset.StandardCharsets.UTF_8);
        assertTrue(text.startsWith("### finetune:diff: 1.1.0-SNAPSHOT vs 1.0.0\n\n:x: **Regression vs 1.0.0"), text);
        assertTrue(text.contains("| accuracy | 0.9000 | 0.7000 | -0.2000 **worse** |"), text);
        assertTrue(text.contains("| macroF1 may drop by at most 0.05 | 0.9000 | 0.6970 | -0.2030 | :x: **failed** |"), text);
        assertTrue(text.contains("| 5 -> 6 | 1 (10.0%) | 4 (40.0%) | +30.0 pp |"), text);
        assertTrue(new String(json, java.nio.charset.StandardCharsets.UTF_8).contains("\"verdict\" : \"regression\""));
        DiffFiles.write(dir, r);
        assertArrayEquals(md, Files.readAllBytes(dir.resolve(OutputFiles.DIFF_MARKDOWN)));
        assertArrayEquals(json, Files.readAllBytes(dir.resolve(OutputFiles.DIFF_JSON)));
        assertFalse(DiffMarkdown.logLines(r).isEmpty());
    }
}
