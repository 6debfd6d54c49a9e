package dev.finetune.engine.onnx;

import dev.finetune.engine.event.EventSink;
import dev.finetune.engine.inspect.InputChecks;
import dev.finetune.engine.inspect.LayerTable;
import dev.finetune.engine.job.FinetuneJob;
import dev.finetune.engine.job.JobOptions;
import dev.finetune.engine.layout.ArchiveEntries;
import dev.finetune.engine.layout.OutputFiles;
import dev.finetune.engine.model.BaseFormat;
import dev.finetune.engine.model.BaseModelInfo;
import dev.finetune.engine.report.Json;
import dev.finetune.engine.report.MetricsReport;
import dev.finetune.engine.report.RunInfo;
import dev.finetune.engine.UserInputException;
import dev.finetune.spec.FinetuneSpec;
import dev.finetune.spec.SpecParser;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.util.ModelSerializer;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.OptionalInt;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * An ONNX text encoder base through the engine: the real MiniLM, 48 real SpamAssassin mails (test resource
 * {@code text/mails-small.csv}, written by it/generator/spam), a dense head trained on the frozen features.
 */
class OnnxBaseTest {

    @TempDir
    static Path project;

    @BeforeAll
    static void inputs() throws Exception {
        Files.createDirectories(project.resolve("data"));
        try (InputStream in = OnnxBaseTest.class.getResourceAsStream("/text/mails-small.csv")) {
            Files.copy(in, project.resolve("data/mails.csv"));
        }
        Files.copy(MiniLm.model(), project.resolve("encoder.onnx"));
        Files.copy(MiniLm.tokenizer(), project.resolve("tokenizer.json"));
    }

    private static final String SPEC = """
            base: { path: encoder.onnx, maxSequenceLength: 48 }
            dataset:
              path: data/mails.csv
              header: true
              labelColumn: label
              textColumn: text
              split: { train: 0.5, validation: 0.25, test: 0.25, seed: 1 }
            head: { hidden: [16] }
            training: { learningRate: 0.01, batchSize: 8, epochs: 15, seed: 3 }
            """;

    private static FinetuneSpec spec(String yaml) throws Exception {
        return new SpecParser().parse("finetune.yaml", yaml);
    }

    private static FinetuneJob job(FinetuneSpec spec, Path out, List<String> lines) {
        return new FinetuneJob(spec, project, project.resolve("encoder.onnx"), out,
                data -> new RunInfo("test", "test", 1, 1, "passive", "17", "test", data.classes()), EventSink.lines(lines::add),
                JobOptions.DEFAULTS.withTokenizer(Optional.of(project.resolve("tokenizer.json"))));
    }

    @Test
    void aHeadTrainsOnTheEncodersFeaturesAndEvaluatesOnTheTestTexts() throws Exception {
        Path out = project.resolve("out");
        List<String> lines = new ArrayList<>();
        FinetuneJob job = job(spec(SPEC), out, lines);
        job.train();
        // the encoded splits are the cache: training encodes train and validation once each, for all 15 epochs
        assertEquals(2, lines.stream().filter(l -> l.contains("frozen-feature cache: ONNX encoder outputs")).count(),
                String.join("\n", lines));
        MetricsReport metrics = job.evaluate();
        TextFeatures.Report report = Json.read(out.resolve(OutputFiles.TEXT_ENCODING), TextFeatures.Report.class);
        assertEquals(384, report.dimension());
        assertEquals(48, report.maxSequenceLength());
        assertTrue(report.splits().get("test").truncated() > 0, "mails are longer than 48 tokens: " + report);
        // the model is the head alone: 384 -> 16 -> 2
        MultiLayerNetwork head = ModelSerializer.restoreMultiLayerNetwork(out.resolve(OutputFiles.MODEL).toFile());
        assertEquals(384 * 16 + 16 + 16 * 2 + 2, head.numParams());
        // 24 training and 12 test mails: measured 0.667 (8 of 12) with these settings, where guessing one class gets
        // 0.5; the onnx-text IT measures quality on 120 test mails
        assertTrue(metrics.test().accuracy() >= 0.6, "test accuracy " + metrics.test().accuracy());

        // deterministic: the same inputs give the same head, bit for bit
        Path again = project.resolve("again");
        job(spec(SPEC), again, new ArrayList<>()).train();
        assertArrayEquals(Files.readAllBytes(out.resolve(OutputFiles.TRAINING)), Files.readAllBytes(again.resolve(OutputFiles.TRAINING)));
        MultiLayerNetwork second = ModelSerializer.restoreMultiLayerNetwork(again.resolve(OutputFiles.MODEL).toFile());
        assertEquals(head.params(), second.params());
    }

    @Test
    void aSweepTrainsEachTrialsHeadOnTheSameEncodedFeatures() throws Exception {
        Path out = project.resolve("sweep");
        List<String> lines = new ArrayList<>();
        job(spec(SPEC.replace("training: { learningRate: 0.01, batchSize: 8, epochs: 15, seed: 3 }",
                "training: { learningRate: 0.01, batchSize: 8, epochs: 5, seed: 3 }")
                + "sweep: { strategy: grid, parallelism: 2, parameters: { head.hidden: { values: [[], [16]] } } }\n"), out, lines).train();
        // encoded once for both trials
        assertEquals(2, lines.stream().filter(l -> l.contains("frozen-feature cache: ONNX encoder outputs")).count(),
                String.join("\n", lines));
        assertTrue(Files.isRegularFile(out.resolve(OutputFiles.SWEEP)));
        MultiLayerNetwork winner = ModelSerializer.restoreMultiLayerNetwork(out.resolve(OutputFiles.MODEL).toFile());
        assertTrue(winner.numParams() == 384 * 2 + 2 || winner.numParams() == 384 * 16 + 16 + 16 * 2 + 2, "params " + winner.numParams());
    }

    @Test
    void inspectionReadsTheGraphWithoutOnnxRuntimeAndTheLayerTableShowsItFrozen() throws Exception {
        BaseModelInfo info = BaseFormat.of(project.resolve("encoder.onnx"), spec(SPEC).base()).inspect(project.resolve("encoder.onnx"));
        assertTrue(info.frozenOnly());
        assertTrue(info.summary().startsWith("ONNX model (frozen body, run by ONNX Runtime; written by onnx.quantize"), info.summary());
        assertTrue(info.summary().contains("inputs input_ids int64[batch_size, sequence_length]"), info.summary());
        assertTrue(info.summary().contains("outputs last_hidden_state float[batch_size, sequence_length, 384]"), info.summary());
        LayerTable table = LayerTable.of(spec(SPEC), info, OptionalInt.of(2));
        assertEquals(Optional.empty(), table.problem());
        assertEquals(Optional.of(384L * 16 + 16 + 16 * 2 + 2), table.trainableParams());
        assertTrue(table.lines().get(1).contains("frozen"), table.lines().get(1));
        assertTrue(table.lines().stream().anyMatch(l -> l.contains("frozen-only")), String.join("\n", table.lines()));
    }

    private static List<String> problems(String yaml) throws Exception {
        FinetuneSpec spec = spec(yaml);
        return new InputChecks(spec, project::resolve, project.resolve("encoder.onnx"), Optional.of(project.resolve("tokenizer.json")))
                .problems();
    }

    @Test
    void validationAcceptsTheSpecAndRefusesWhatAFrozenBodyCannotDo() throws Exception {
        assertEquals(List.of(), problems(SPEC));
        assertEquals(List.of(), problems(SPEC + "freeze: all\n"));
        List<String> refused = problems(SPEC.replace("head: { hidden: [16] }", "head: { hidden: [16], removeLayers: 2 }")
                + "freeze: { upTo: 3 }\nevaluation: { compareWithScratch: true }\n");
        assertEquals(3, refused.size(), String.join("\n", refused));
        assertTrue(refused.stream().anyMatch(p -> p.startsWith("finetune.yaml:8:")
                && p.contains("`head.removeLayers` does not apply to an ONNX body")), String.join("\n", refused));
        assertTrue(refused.stream().anyMatch(p -> p.startsWith("finetune.yaml:10:9: `freeze` asks to train part of the ONNX body;")
                && p.contains("ONNX bases are frozen-only")), String.join("\n", refused));
        assertTrue(refused.stream().anyMatch(p -> p.contains("`evaluation.compareWithScratch` would train")), String.join("\n", refused));

        List<String> noText = problems(SPEC.replace("  textColumn: text\n", "") + "");
        assertTrue(noText.stream().anyMatch(p -> p.contains("name the CSV column holding each example's text with `dataset.textColumn`")),
                String.join("\n", noText));
        List<String> badOutput = problems(SPEC.replace("maxSequenceLength: 48", "output: last_hidden"));
        assertEquals(List.of("finetune.yaml:1:37: `base.output` is `last_hidden`, which encoder.onnx does not have; its outputs"
                + " are: last_hidden_state; did you mean `last_hidden_state`?"), badOutput);
        List<String> badColumn = problems(SPEC.replace("textColumn: text", "textColumn: txt"));
        assertTrue(badColumn.stream().anyMatch(p -> p.contains("no column named `txt` for `dataset.textColumn`")
                && p.contains("did you mean `text`?")), String.join("\n", badColumn));
    }

    /** Validation of an ONNX base in a fresh JVM that lists every class it loads: no ONNX Runtime, DJL or ND4J. */
    @Test
    void validationLoadsNoNativeRuntime() throws Exception {
        List<String> out = ValidationJvm.classesLoaded(SPEC, project);
        assertTrue(out.stream().anyMatch(l -> l.contains("dev.finetune.engine.onnx.OnnxModelFile ")), "the ONNX file was read");
        List<String> natives = out.stream().filter(l -> l.contains(" ai.onnxruntime.") || l.contains(" ai.djl.")
                || l.contains("org.nd4j.linalg.factory.Nd4j ") || l.contains("org.bytedeco.javacpp.Loader ")).toList();
        assertEquals(List.of(), natives);
    }

    @Test
    void anEntryIsExtractedFromTheJarAndAMissingOneIsNamedWithTheFilesThere() throws Exception {
        Path folder = project.resolve("extracted");
        Path model = ArchiveEntries.extract(MiniLm.jar(), MiniLm.MODEL, folder, "base.entry");
        assertEquals(folder.resolve(MiniLm.MODEL), model);
        assertArrayEquals(Files.readAllBytes(MiniLm.model()), Files.readAllBytes(model));
        assertEquals(Optional.of(MiniLm.TOKENIZER), Tokenizers.beside(MiniLm.MODEL, ArchiveEntries.names(MiniLm.jar())));
        UserInputException e = assertThrows(UserInputException.class,
                () -> ArchiveEntries.extract(MiniLm.jar(), "all-minilm-l6-v2.onnx", folder, "base.entry"));
        assertTrue(e.getMessage().contains("did you mean `all-minilm-l6-v2-q.onnx`?"), e.getMessage());
        assertFalse(e.getMessage().contains(".class"), e.getMessage());
    }

    @Test
    void zipSlipEntriesLandInsideTheFolder() throws Exception {
        Path zip = project.resolve("evil.zip");
        try (var out = new java.util.zip.ZipOutputStream(Files.newOutputStream(zip))) {
            out.putNextEntry(new java.util.zip.ZipEntry("../../outside.onnx"));
            out.write(Files.readAllBytes(MiniLm.tokenizer()));
            out.closeEntry();
        }
        Path folder = project.resolve("slip/inner");
        Path written = ArchiveEntries.extract(zip, "../../outside.onnx", folder, "base.entry");
        assertEquals(folder.resolve("outside.onnx"), written);
        assertFalse(Files.exists(project.resolve("outside.onnx")));
    }
}
