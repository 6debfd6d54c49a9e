package dev.finetune.engine;

import dev.finetune.engine.layout.OutputFiles;
import dev.finetune.engine.job.FinetuneJob;
import dev.finetune.engine.job.JobOptions;
import dev.finetune.engine.fingerprint.Fingerprint;
import dev.finetune.engine.packaging.GitInfo;
import dev.finetune.engine.packaging.Lineage;
import dev.finetune.engine.packaging.ModelPackager;
import dev.finetune.engine.report.DatasetSummary;
import dev.finetune.engine.report.MetricsReport;
import dev.finetune.engine.report.RunInfo;
import dev.finetune.engine.report.TrainingReport;
import dev.finetune.engine.report.Json;
import dev.finetune.engine.event.EventSink;
import dev.finetune.spec.FinetuneSpec;
import dev.finetune.spec.SpecParser;
import org.deeplearning4j.nn.api.Model;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.util.ModelSerializer;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.api.ndarray.INDArray;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.time.LocalDateTime;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The engine end to end on real data: digits 0-4 base networks fine-tuned on digits 5-9. */
class FinetuneJobTest {

    @TempDir
    static Path project;

    @BeforeAll
    static void inputs() throws Exception {
        TestBases.writeProject(project, true);
    }

    private static final String SPEC = "base: { path: %s }\n" + TestBases.UPPER_DIGITS + """
            freeze: %s
            head: { hidden: [12] }
            training: { learningRate: 0.01, batchSize: 16, epochs: 4, seed: 5 }
            """;

    private static MetricsReport run(String base, String freeze, Path out) throws Exception {
        FinetuneSpec spec = new SpecParser().parse("finetune.yaml", SPEC.formatted(base, freeze));
        FinetuneJob job = TestBases.job(spec, project, out, EventSink.toStdout(), JobOptions.DEFAULTS);
        job.train();
        return job.evaluate();
    }

    private static Map<String, INDArray> params(Path zip, boolean graph) throws Exception {
        Model model = graph ? ModelSerializer.restoreComputationGraph(zip.toFile(), false)
                : ModelSerializer.restoreMultiLayerNetwork(zip.toFile(), false);
        return model.paramTable();
    }

    @Test
    void frozenPrefixKeepsItsParametersByteForByte(@TempDir Path out) throws Exception {
        MetricsReport metrics = run("mln.zip", "{ upTo: hidden1 }", out);
        Map<String, INDArray> before = params(project.resolve("mln.zip"), false);
        Map<String, INDArray> after = params(out.resolve(OutputFiles.MODEL), false);
        assertArrayEquals(before.get("0_W").data().asBytes(), after.get("0_W").data().asBytes());
        assertArrayEquals(before.get("0_b").data().asBytes(), after.get("0_b").data().asBytes());
        assertFalse(before.get("1_W").equals(after.get("1_W")), "unfrozen hidden2 must train");
        assertEquals(List.of("hidden1"), metrics.training().frozenLayers());
        // head: hidden2 (16) -> new dense 12 -> 5 classes
        assertEquals(12, after.get("2_W").size(1));
        assertEquals(5, after.get("3_W").size(1));
        assertEquals(List.of("5", "6", "7", "8", "9"), metrics.test().classes());
        assertTrue(metrics.test().accuracy() > 0.6, "a real fine-tune on digits learns: " + metrics.test().accuracy());
    }

    @Test
    void layerFrozenAboveATrainableOneStaysUnchangedWhileTheLowerTrains(@TempDir Path out) throws Exception {
        MetricsReport metrics = run("mln.zip", "{ layers: [hidden2] }", out);
        Map<String, INDArray> before = params(project.resolve("mln.zip"), false);
        Map<String, INDArray> after = params(out.resolve(OutputFiles.MODEL), false);
        assertArrayEquals(before.get("1_W").data().asBytes(), after.get("1_W").data().asBytes());
        assertArrayEquals(before.get("1_b").data().asBytes(), after.get("1_b").data().asBytes());
        assertFalse(before.get("0_W").equals(after.get("0_W")), "hidden1 below the frozen layer still trains");
        assertEquals(List.of("hidden2"), metrics.training().frozenLayers());
    }

    @Test
    void graphBasesAreFineTunedToo(@TempDir Path out) throws Exception {
        MetricsReport metrics = run("graph.zip", "{ upTo: hidden1 }", out);
        Map<String, INDArray> before = params(project.resolve("graph.zip"), true);
        Map<String, INDArray> after = params(out.resolve(OutputFiles.MODEL), true);
        assertArrayEquals(before.get("hidden1_W").data().asBytes(), after.get("hidden1_W").data().asBytes());
        assertFalse(before.get("hidden2_W").equals(after.get("hidden2_W")));
        assertEquals(5, after.get("head_output_W").size(1));
        assertTrue(metrics.test().accuracy() > 0.6, "accuracy " + metrics.test().accuracy());
        assertNotNull(ModelSerializer.restoreComputationGraph(out.resolve(OutputFiles.MODEL).toFile()));
    }

    @Test
    void sameSpecAndSeedGiveTheSameParameters(@TempDir Path a, @TempDir Path b) throws Exception {
        run("mln.zip", "none", a);
        run("mln.zip", "none", b);
        INDArray first = ModelSerializer.restoreMultiLayerNetwork(a.resolve(OutputFiles.MODEL).toFile()).params();
        INDArray second = ModelSerializer.restoreMultiLayerNetwork(b.resolve(OutputFiles.MODEL).toFile()).params();
        assertArrayEquals(first.data().asBytes(), second.data().asBytes());
    }

    @Test
    void twoIndependentRunsPackageToTheSameBytesWithLineageAndModelCard(@TempDir Path a, @TempDir Path b) throws Exception {
        String yaml = SPEC.formatted("mln.zip", "{ upTo: hidden1 }") + "evaluation: { gates: [ accuracy >= 0.5, macroF1 >= 0.99 ] }\n";
        Path specFile = project.resolve("packaged.yaml");
        Files.writeString(specFile, yaml);
        FinetuneSpec spec = new SpecParser().parse(specFile);
        for (Path dir : List.of(a, b)) {
            FinetuneJob job = new FinetuneJob(spec, project, project.resolve("mln.zip"), dir,
                    data -> new RunInfo("1.0.0-M2.1", "CpuBackend", 1, 1, "passive", "17", "test", data.classes()), EventSink.toStdout());
            job.train();
            job.evaluate();
            ModelPackager.write(new ModelPackager.Request(spec, specFile, project, dir, project.resolve("mln.zip"),
                    Optional.empty(), new Lineage.Model("com.example", "digits", "1.0"), "0.1.0", "Digits", "Upper digits.",
                    LocalDateTime.of(2026, 1, 1, 0, 0), Optional.of(new GitInfo("0123456789abcdef", true))), dir.resolve("artifact.zip"));
        }
        assertArrayEquals(Files.readAllBytes(a.resolve("artifact.zip")), Files.readAllBytes(b.resolve("artifact.zip")));
        // the wall-clock times that differ between runs are kept out of the artifact
        assertTrue(Files.readString(a.resolve(OutputFiles.TIMINGS)).contains("\"epochSeconds\""));
        assertFalse(Files.readString(a.resolve(OutputFiles.TRAINING)).contains("seconds"));

        Lineage lineage = Json.read(a.resolve(OutputFiles.LINEAGE), Lineage.class);
        DatasetSummary data = lineage.dataset().orElseThrow();
        MetricsReport metrics = Json.read(a.resolve(OutputFiles.METRICS), MetricsReport.class);
        assertEquals(metrics.test().examples(), data.splits().get("test").rows());
        assertEquals(data.splits().get("train").rows(), data.splits().get("train").classCounts().values().stream().mapToInt(i -> i).sum());
        assertEquals(Fingerprint.sha256(project.resolve("mln.zip")), lineage.base().sha256());
        assertEquals(Fingerprint.sha256(specFile), lineage.spec().sha256());
        assertEquals(Map.of("split", 3L, "training", 5L), lineage.seeds());
        assertEquals(List.of(true, false), lineage.gates().stream().map(Lineage.Gate::passed).toList());
        assertEquals("1.0.0-M2.1", lineage.tools().dl4j());
        assertEquals(Optional.of(new GitInfo("0123456789abcdef", true)), lineage.git());

        String card = Files.readString(a.resolve(OutputFiles.MODEL_CARD));
        for (var c : metrics.test().perClass()) {
            assertTrue(card.contains(String.format(java.util.Locale.ROOT, "| %s | %.4f | %.4f | %.4f | %d |", c.label(),
                    c.precision(), c.recall(), c.f1(), c.support())), "per-class row for " + c.label() + " in\n" + card);
        }
        assertTrue(card.contains("**FAILED**: `macroF1 >= 0.99`"), card);
        assertTrue(card.contains("| Built from | git `0123456789ab` with uncommitted changes |"), card);
        assertTrue(card.contains("Frozen layers (parameters kept from the base): `hidden1`."), card);
        try (var zip = new java.util.zip.ZipFile(a.resolve("artifact.zip").toFile())) {
            assertEquals(card, new String(zip.getInputStream(zip.getEntry("finetune/model-card.md")).readAllBytes(),
                    java.nio.charset.StandardCharsets.UTF_8));
            assertNotNull(zip.getEntry("finetune/lineage.json"));
            // the card's charts: beside it and in the zip, the same bytes from both trainings
            for (String svg : List.of(OutputFiles.LEARNING_CURVE_SVG, OutputFiles.CONFUSION_SVG)) {
                assertTrue(card.contains("](" + svg + ")"), svg + " shown by the card");
                assertArrayEquals(Files.readAllBytes(a.resolve(svg)), zip.getInputStream(zip.getEntry("finetune/" + svg)).readAllBytes());
                assertArrayEquals(Files.readAllBytes(a.resolve(svg)), Files.readAllBytes(b.resolve(svg)));
            }
        }
        // the confusion matrix as a table too: the header names the predicted classes, each row a true class's counts
        int[][] cm = metrics.test().confusionMatrix();
        assertTrue(card.contains("| true / predicted | " + String.join(" | ", metrics.test().classes()) + " |"), card);
        StringBuilder first = new StringBuilder("| " + metrics.test().classes().get(0) + " |");
        for (int j = 0; j < cm.length; j++) {
            first.append(' ').append(j == 0 ? "**" + cm[0][0] + "**" : String.valueOf(cm[0][j])).append(" |");
        }
        assertTrue(card.contains(first + "\n"), first + " in\n" + card);
    }

    @Test
    void datasetHashesChangeWithTheDataNotWithItsFormatting(@TempDir Path dir) throws Exception {
        List<String> lines = Files.readAllLines(project.resolve("data/upper.csv"));
        // the same numbers written differently ("3" vs "3.0") must hash the same; one changed value must not
        Files.write(dir.resolve("reformatted.csv"), lines.stream().map(l -> l.replaceAll("(^|,)(\\d+)(?=,)", "$1$2.0")).toList());
        List<String> changed = new ArrayList<>(lines);
        changed.set(0, changed.get(0).replaceFirst("^\\d+", "99"));
        Files.write(dir.resolve("changed.csv"), changed);
        Map<String, String> hashes = new java.util.TreeMap<>();
        for (String file : List.of("upper.csv", "reformatted.csv", "changed.csv")) {
            Path csv = file.equals("upper.csv") ? project.resolve("data/upper.csv") : dir.resolve(file);
            FinetuneSpec spec = new SpecParser(true).parse("finetune.yaml", SPEC.formatted("mln.zip", "none")
                    .replace("data/upper.csv", csv.toString()));
            var split = dev.finetune.engine.data.DatasetSource.of(spec.dataset(), project::resolve).load();
            hashes.put(file, DatasetSummary.of(split).splits().values().stream().map(DatasetSummary.Split::sha256)
                    .reduce("", String::concat));
        }
        assertEquals(hashes.get("upper.csv"), hashes.get("reformatted.csv"));
        assertFalse(hashes.get("upper.csv").equals(hashes.get("changed.csv")));
    }

    @Test
    void normaliserIsFittedOnTrainingDataAndStoredWithTheModel(@TempDir Path out) throws Exception {
        run("mln.zip", "none", out);
        assertNotNull(ModelSerializer.restoreNormalizerFromFile(out.resolve(OutputFiles.MODEL).toFile()));
        TrainingReport training = Json.read(out.resolve(OutputFiles.TRAINING), TrainingReport.class);
        assertEquals(4, training.epochsRun());
        assertEquals(training.epochs().size(), training.epochsRun());
    }

    @Test
    void freezingALayerTheHeadRemovesIsRefused(@TempDir Path out) {
        UserInputException e = assertThrows(UserInputException.class, () -> run("mln.zip", "{ layers: [2] }", out));
        assertEquals("`freeze` names layer 2 (`out`), but the head removes the top 1 layer(s) of mln.zip; "
                + "freeze only layers 0..1: 0=hidden1, 1=hidden2", e.getMessage());
        assertFalse(Files.exists(out.resolve(OutputFiles.MODEL)), "no model after a failed run");
    }

    @Test
    void unknownLayerNamesListTheRealOnes(@TempDir Path out) {
        UserInputException e = assertThrows(UserInputException.class, () -> run("mln.zip", "{ upTo: hiden1 }", out));
        assertEquals("finetune.yaml:5:17: `freeze` names layer `hiden1`, which mln.zip does not have; "
                + "its layers are: 0=hidden1, 1=hidden2, 2=out", e.getMessage());
    }

    @Test
    void earlyStoppingKeepsTheBestValidationEpoch(@TempDir Path out) throws Exception {
        FinetuneSpec spec = new SpecParser().parse("finetune.yaml", SPEC.formatted("mln.zip", "none")
                + "earlyStopping: { metric: accuracy, patience: 2, maxEpochs: 60 }\n");
        FinetuneJob job = TestBases.job(spec, project, out, EventSink.toStdout(), JobOptions.DEFAULTS);
        job.train();
        TrainingReport training = Json.read(out.resolve(OutputFiles.TRAINING), TrainingReport.class);
        assertTrue(training.stoppedEarly(), "60 epochs on 5 classes should plateau");
        assertEquals(training.bestEpoch() + 2, training.epochsRun());
        double best = training.epochs().get(training.bestEpoch() - 1).validationAccuracy();
        List<Double> all = new ArrayList<>();
        training.epochs().forEach(e -> all.add(e.validationAccuracy()));
        assertEquals(all.stream().mapToDouble(Double::doubleValue).max().orElseThrow(), best);
        // the saved model is the best epoch's: its validation accuracy matches the record
        MetricsReport metrics = job.evaluate();
        assertEquals(best, metrics.validation().accuracy(), 1e-9);
    }
}
