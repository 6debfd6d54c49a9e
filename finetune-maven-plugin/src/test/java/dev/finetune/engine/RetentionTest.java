package dev.finetune.engine;

import dev.finetune.engine.event.EventSink;
import dev.finetune.engine.job.FinetuneJob;
import dev.finetune.engine.job.JobOptions;
import dev.finetune.engine.layout.OutputFiles;
import dev.finetune.engine.report.Json;
import dev.finetune.engine.report.MetricsReport;
import dev.finetune.engine.report.RetentionReport;
import dev.finetune.spec.FinetuneSpec;
import dev.finetune.spec.Metric;
import dev.finetune.spec.SpecParser;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Retention of the base's own task on real data: dense bases pretrained on the UCI digits 0-4, fine-tuned on the
 * digits 5-9, scored on the digits 0-4 before and after (through the base's original output layer).
 */
class RetentionTest {

    @TempDir
    static Path project;

    @BeforeAll
    static void inputs() throws Exception {
        TestBases.writeProject(project, true);
        // the bases were pretrained on pixel counts / 16: the retention data is written so, read with `normalize: none`
        List<String> lower = new ArrayList<>();
        for (String row : TestBases.digitRows(false)) {
            String[] cells = row.split(",");
            StringBuilder line = new StringBuilder();
            for (int c = 0; c < 64; c++) {
                line.append(Float.parseFloat(cells[c]) / 16f).append(',');
            }
            lower.add(line.append(cells[64].trim()).toString());
        }
        Files.write(project.resolve("data/lower.csv"), lower, StandardCharsets.UTF_8);
    }

    private static final String SPEC = "base: { path: %s }\n" + TestBases.UPPER_DIGITS + """
            freeze: %s
            head: { hidden: %s }
            training: { learningRate: %s, batchSize: 16, epochs: 8, seed: 5 }
            evaluation:
              retention:
                data: { path: data/lower.csv, normalize: none }
                maxDrop: { accuracy: 0.01, loss: 1000 }
            """;

    private static RetentionReport retention(String base, String freeze, String hidden, double learningRate, Path out)
            throws Exception {
        FinetuneSpec spec = new SpecParser().parse("finetune.yaml", SPEC.formatted(base, freeze, hidden, learningRate));
        FinetuneJob job = TestBases.job(spec, project, out, EventSink.toStdout(), JobOptions.DEFAULTS);
        job.train();
        MetricsReport metrics = job.evaluate();
        // what metrics.json holds, read back as finetune:evaluate and the model card read it
        MetricsReport written = Json.read(out.resolve(OutputFiles.METRICS), MetricsReport.class);
        RetentionReport read = written.retention().orElseThrow();
        assertEquals(metrics.retention().orElseThrow().drop(), read.drop());
        assertEquals(metrics.retention().orElseThrow().checks(), read.checks());
        assertEquals(metrics.retention().orElseThrow().after().accuracy(), read.after().accuracy());
        return metrics.retention().orElseThrow();
    }

    @Test
    void aFrozenBodyUnderTheBasesHeadScoresExactlyAsTheBase(@TempDir Path out) throws Exception {
        RetentionReport r = retention("mln.zip", "{ upTo: hidden2 }", "[12]", 0.01, out);
        assertEquals(List.of("0", "1", "2", "3", "4"), r.before().classes());
        assertEquals(TestBases.digitRows(false).size(), r.before().examples());
        assertTrue(r.before().accuracy() > 0.9, "the base reads digits 0-4: " + r.before().accuracy());
        assertEquals(r.before().accuracy(), r.after().accuracy());
        assertEquals(r.before().loss(), r.after().loss());
        for (Metric m : Metric.values()) {
            assertEquals(0.0, r.drop().get(m), m.name());
        }
        assertTrue(r.checks().stream().allMatch(RetentionReport.Check::passed), r.checks().toString());
        assertEquals("finetune.yaml:11:26", r.checks().get(0).location());
    }

    @Test
    void trainingTheWholeBodyForgetsTheBasesTaskAndTheCheckFails(@TempDir Path out) throws Exception {
        RetentionReport r = retention("mln.zip", "none", "[]", 0.05, out);
        assertTrue(r.before().accuracy() > 0.9, "before " + r.before().accuracy());
        assertTrue(r.drop().get(Metric.accuracy) > 0.05, "a body trained on other digits at a high rate forgets: before "
                + r.before().accuracy() + ", after " + r.after().accuracy());
        assertTrue(r.after().loss() > r.before().loss());
        RetentionReport.Check accuracy = r.checks().get(0);
        assertEquals(Metric.accuracy, accuracy.metric());
        assertFalse(accuracy.passed());
        assertTrue(accuracy.describe().startsWith("FAILED retention maxDrop.accuracy: the base's task accuracy fell by "),
                accuracy.describe());
        assertTrue(r.checks().get(1).passed(), "loss may rise by 1000");
    }

    @Test
    void graphBasesGetTheirOriginalHeadBackToo(@TempDir Path frozen, @TempDir Path trained) throws Exception {
        RetentionReport kept = retention("graph.zip", "{ upTo: hidden2 }", "[]", 0.01, frozen);
        assertEquals(0.0, kept.drop().get(Metric.accuracy));
        assertTrue(kept.before().accuracy() > 0.9, "before " + kept.before().accuracy());
        RetentionReport moved = retention("graph.zip", "none", "[12]", 0.05, trained);
        assertEquals(kept.before().accuracy(), moved.before().accuracy(), "the base is the same either way");
        assertTrue(moved.drop().get(Metric.accuracy) > 0.05, "after " + moved.after().accuracy());
    }

    @Test
    void theModelCardShowsTheRetentionTable(@TempDir Path out) throws Exception {
        Path specFile = Files.writeString(project.resolve("card.yaml"), SPEC.formatted("mln.zip", "none", "[]", 0.05));
        FinetuneSpec spec = new SpecParser().parse(specFile);
        FinetuneJob job = TestBases.job(spec, project, out, EventSink.NONE, JobOptions.DEFAULTS);
        job.train();
        RetentionReport r = job.evaluate().retention().orElseThrow();
        dev.finetune.engine.packaging.ModelPackager.write(new dev.finetune.engine.packaging.ModelPackager.Request(spec, specFile,
                project, out, project.resolve("mln.zip"), java.util.Optional.empty(),
                new dev.finetune.engine.packaging.Lineage.Model("g", "a", "1"), "0.1.0", "Digits", "",
                java.time.LocalDateTime.of(2026, 1, 1, 0, 0), java.util.Optional.empty()), out.resolve("artifact.zip"));
        String card = Files.readString(out.resolve(OutputFiles.MODEL_CARD));
        assertTrue(card.contains("## Retention of the base's task"), card);
        assertTrue(card.contains("`data/lower.csv` (901 rows, 5 classes of the base)"), card);
        assertTrue(card.contains(String.format(java.util.Locale.ROOT, "| accuracy | %.4f | %.4f | %.4f | 0.0100 (**FAILED**) |",
                r.before().accuracy(), r.after().accuracy(), r.drop().get(Metric.accuracy))), card);
    }

    @Test
    void labelsThatAreNotOutputsOfTheBaseAreRefused(@TempDir Path out) throws Exception {
        List<String> rows = new ArrayList<>(Files.readAllLines(project.resolve("data/lower.csv")));
        rows.set(0, rows.get(0).substring(0, rows.get(0).lastIndexOf(',') + 1) + "7");
        Files.write(project.resolve("data/lower-bad.csv"), rows, StandardCharsets.UTF_8);
        FinetuneSpec spec = new SpecParser().parse("finetune.yaml", SPEC.formatted("mln.zip", "{ upTo: hidden2 }", "[]", 0.01)
                .replace("data/lower.csv", "data/lower-bad.csv"));
        FinetuneJob job = TestBases.job(spec, project, out, EventSink.toStdout(), JobOptions.DEFAULTS);
        job.train();
        UserInputException e = assertThrows(UserInputException.class, job::evaluate);
        assertEquals("lower-bad.csv (`evaluation.retention.data`): label 7 is not an output of the base, which has 5 (0..4)",
                e.getMessage());
    }
}
