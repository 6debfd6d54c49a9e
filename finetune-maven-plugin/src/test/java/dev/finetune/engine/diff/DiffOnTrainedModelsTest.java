package dev.finetune.engine.diff;

import dev.finetune.engine.layout.OutputFiles;
import dev.finetune.engine.TestBases;
import dev.finetune.engine.job.FinetuneJob;
import dev.finetune.engine.job.JobOptions;
import dev.finetune.engine.packaging.ModelArchive;
import dev.finetune.engine.report.MetricsReport;
import dev.finetune.engine.report.RunInfo;
import dev.finetune.engine.event.EventSink;
import dev.finetune.spec.CanonicalSpec;
import dev.finetune.spec.FinetuneSpec;
import dev.finetune.spec.Metric;
import dev.finetune.spec.SpecParser;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDateTime;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The diff between two real fine-tunings of a digits 0-4 base on digits 5-9: version 1 packaged as the artifact
 * {@code finetune:package} writes, version 2 as a build's output directory.
 */
class DiffOnTrainedModelsTest {

    @TempDir
    static Path project;
    static Path v1Zip;
    static MetricsReport v1;
    static MetricsReport v2;
    static Path v2Out;

    private static final String V1 = """
            base: { path: mln.zip }
            dataset:
              path: data/upper.csv
              split: { train: 0.3, validation: 0.2, test: 0.5, seed: 3 }
            freeze: { upTo: hidden2 }
            training: { learningRate: 0.01, batchSize: 16, epochs: 3, seed: 5 }
            """;
    /** Learning rate, frozen layers and head changed; the same data and base. */
    private static final String V2 = """
            base: { path: mln.zip }
            dataset:
              path: data/upper.csv
              split: { train: 0.3, validation: 0.2, test: 0.5, seed: 3 }
            freeze: { upTo: hidden1 }
            head: { hidden: [12] }
            training: { learningRate: 0.003, batchSize: 16, epochs: 3, seed: 5 }
            evaluation: { regression: { accuracy: 0.5, macroF1: 0.0 } }
            """;

    @BeforeAll
    static void trainBothVersions() throws Exception {
        TestBases.writeProject(project, false);
        Path v1Out = project.resolve("v1");
        v1 = train(V1, v1Out);
        v1Zip = project.resolve("v1-model.zip");
        Map<String, byte[]> metadata = new LinkedHashMap<>();
        metadata.put("spec.resolved.yaml", CanonicalSpec.toYaml(parse(V1)).getBytes(StandardCharsets.UTF_8));
        metadata.put(OutputFiles.TRAINING, Files.readAllBytes(v1Out.resolve(OutputFiles.TRAINING)));
        metadata.put(OutputFiles.METRICS, Files.readAllBytes(v1Out.resolve(OutputFiles.METRICS)));
        ModelArchive.write(v1Zip, v1Out.resolve(OutputFiles.MODEL), metadata, LocalDateTime.of(2026, 1, 1, 0, 0));
        v2Out = project.resolve("v2");
        v2 = train(V2, v2Out);
    }

    private static FinetuneSpec parse(String yaml) throws Exception {
        return new SpecParser().parse("finetune.yaml", yaml);
    }

    private static MetricsReport train(String yaml, Path out) throws Exception {
        FinetuneSpec spec = parse(yaml);
        FinetuneJob job = TestBases.job(spec, project, out, EventSink.toStdout(), JobOptions.DEFAULTS);
        job.train();
        return job.evaluate();
    }

    private static DiffReport diff() throws Exception {
        FinetuneSpec spec = parse(V2);
        return DiffReport.compare(SnapshotReader.fromArchive(v1Zip, "1.0.0", "g:a:zip:model:1.0.0"),
                SnapshotReader.fromBuild("1.1.0-SNAPSHOT", CanonicalSpec.toYaml(spec), v2Out, true),
                spec.evaluation().regression());
    }

    @Test
    void settingsOfTheChangeAreListedWithTheLayersActuallyFrozen() throws Exception {
        assertEquals(List.of(
                        "freeze.upTo: hidden2 -> hidden1",
                        "freeze (layers): hidden1, hidden2 (2) -> hidden1 (1)",
                        "head.hidden: [] -> [12]",
                        "training.learningRate: 0.01 -> 0.003",
                        "evaluation.regression.accuracy: (not set) -> 0.5",
                        "evaluation.regression.macroF1: (not set) -> 0"),
                diff().spec().settings().stream().map(SettingChange::describe).toList());
        // same data split: sizes and test class counts agree
        assertEquals(List.of(), diff().spec().dataAndBase());
    }

    @Test
    void metricDeltasAndGatesFollowTheRealMetrics() throws Exception {
        DiffReport r = diff();
        MetricDeltas m = r.metrics().orElseThrow();
        assertEquals(v1.test().examples(), m.examplesBefore());
        for (MetricDeltas.MetricDelta d : m.overall()) {
            assertEquals(v1.test().value(d.metric()), d.before());
            assertEquals(v2.test().value(d.metric()), d.after());
        }
        assertEquals(v2.test().classes(), m.perClass().stream().map(MetricDeltas.ClassDelta::label).toList());
        for (MetricDeltas.CellDelta c : m.movedCells()) {
            int i = v2.test().classes().indexOf(c.actual());
            int j = v2.test().classes().indexOf(c.predicted());
            assertEquals(v1.test().confusionMatrix()[i][j], c.countBefore());
            assertEquals(v2.test().confusionMatrix()[i][j], c.countAfter());
        }
        // macroF1 may not drop at all: the gate's outcome is exactly whether it did
        RegressionResult f1 = r.regression().get(1);
        assertEquals(Metric.macroF1, f1.metric());
        assertEquals(v2.test().macroF1() >= v1.test().macroF1(), f1.passed());
        assertEquals(!f1.passed(), r.regressed());
        assertTrue(r.regression().get(0).passed(), "accuracy cannot drop by half on this data");
    }

    @Test
    void staleResultsOfThisBuildAreNotCompared() throws Exception {
        FinetuneSpec spec = parse(V2);
        DiffReport r = DiffReport.compare(SnapshotReader.fromArchive(v1Zip, "1.0.0", "v1-model.zip"),
                SnapshotReader.fromBuild("1.1.0-SNAPSHOT", CanonicalSpec.toYaml(spec), v2Out, false),
                spec.evaluation().regression());
        assertTrue(r.metrics().isEmpty());
        assertEquals(List.of(), r.regression());
        assertTrue(r.notes().stream().anyMatch(n -> n.contains("regression gates not checked")), r.notes().toString());
    }

    @Test
    void lineageGivesHashesClassCountsAndBaseCoordinates(@TempDir Path dir) throws Exception {
        Path out = dir.resolve("out");
        Files.createDirectories(out);
        for (String f : List.of(OutputFiles.METRICS, OutputFiles.TRAINING)) {
            Files.copy(v2Out.resolve(f), out.resolve(f));
        }
        Files.writeString(out.resolve(OutputFiles.LINEAGE), lineage("bbbbbbbbbbbbbbbb", 60, "g:base:2.0"));
        Path zip = dir.resolve("v1.zip");
        Map<String, byte[]> metadata = new LinkedHashMap<>();
        metadata.put("spec.resolved.yaml", CanonicalSpec.toYaml(parse(V2)).getBytes(StandardCharsets.UTF_8));
        metadata.put(OutputFiles.LINEAGE, lineage("aaaaaaaaaaaaaaaa", 45, "g:base:1.0").getBytes(StandardCharsets.UTF_8));
        ModelArchive.write(zip, v2Out.resolve(OutputFiles.MODEL), metadata, LocalDateTime.of(2026, 1, 1, 0, 0));
        DiffReport r = DiffReport.compare(SnapshotReader.fromArchive(zip, "1.0.0", zip.toString()),
                SnapshotReader.fromBuild("2", CanonicalSpec.toYaml(parse(V2)), out, true), Map.of());
        assertEquals(List.of(), r.spec().settings());
        assertEquals(List.of(
                        "dataset.splits.train.rows: 45 -> 60",
                        "dataset.splits.train.sha256: aaaaaaaaaaaa -> bbbbbbbbbbbb",
                        "dataset.splits.train.classCounts: 5: 9, 6: 9 -> 5: 12, 6: 12",
                        "base.coordinates: g:base:1.0 -> g:base:2.0"),
                r.spec().dataAndBase().stream().map(SettingChange::describe).toList());
        assertEquals(DiffReport.Verdict.changed, r.verdict());
        assertTrue(DiffMarkdown.render(r).contains("| `dataset.splits.train.sha256` | `aaaaaaaaaaaa` | `bbbbbbbbbbbb` |"));
    }

    @Test
    void reportsOfOtherVersionsAreReadLeniently() throws Exception {
        // unknown fields are ignored; a test split without per-class parts is left out, not a crash
        Snapshot s = SnapshotReader.of("0.1", "old.zip", CanonicalSpec.toYaml(parse(V1)),
                java.util.Optional.of("{\"test\": {\"accuracy\": 0.5, \"newField\": 1}, \"extra\": []}".getBytes(StandardCharsets.UTF_8)),
                java.util.Optional.empty(), java.util.Optional.empty());
        assertTrue(s.test().isEmpty());
        assertEquals("mln.zip", ((Map<?, ?>) s.spec().get("base")).get("path"));
    }

    private static String lineage(String trainHash, int rows, String base) {
        return """
                {"spec": {"sha256": "0000"},
                 "dataset": {"splits": {"train": {"rows": %d, "sha256": "%s", "classCounts": {"5": %d, "6": %d}}}},
                 "base": {"sha256": "cccccccccccccccccc", "coordinates": "%s", "path": null},
                 "later": "fields this version does not know are ignored"}
                """.formatted(rows, trainHash, rows / 5, rows / 5, base);
    }
}
