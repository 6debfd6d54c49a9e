package dev.finetune.engine;

import dev.finetune.engine.event.EventSink;
import dev.finetune.engine.job.FinetuneJob;
import dev.finetune.engine.job.JobOptions;
import dev.finetune.engine.layout.OutputFiles;
import dev.finetune.engine.packaging.Lineage;
import dev.finetune.engine.packaging.ModelPackager;
import dev.finetune.spec.FinetuneSpec;
import dev.finetune.spec.SpecParser;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDateTime;
import java.util.Optional;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The model card tells configured-but-unchecked gates (evaluation skipped) from no gates at all. */
class ModelCardTest {

    @TempDir
    static Path project;

    @BeforeAll
    static void inputs() throws Exception {
        TestBases.writeProject(project, false);
    }

    private static String cardAfterTrainingOnly(String yaml, Path out) throws Exception {
        Path specFile = Files.writeString(project.resolve(out.getFileName() + ".yaml"), yaml);
        FinetuneSpec spec = new SpecParser().parse(specFile);
        FinetuneJob job = TestBases.job(spec, project, out, EventSink.NONE, JobOptions.DEFAULTS);
        job.train(); // no evaluate: as with -DskipTests
        ModelPackager.write(new ModelPackager.Request(spec, specFile, project, out, project.resolve("mln.zip"), Optional.empty(),
                new Lineage.Model("g", "a", "1"), "0.1.0", "Digits", "", LocalDateTime.of(2026, 1, 1, 0, 0), Optional.empty()),
                out.resolve("artifact.zip"));
        return Files.readString(out.resolve(OutputFiles.MODEL_CARD));
    }

    @Test
    void gatesThatWereNotCheckedAreNotCalledNoneConfigured(@TempDir Path withGates, @TempDir Path without) throws Exception {
        String base = "base: { path: mln.zip }\ndataset: { path: data/upper.csv }\ntraining: { epochs: 1 }\n";
        String card = cardAfterTrainingOnly(base + "evaluation: { gates: [ accuracy >= 0.8, macroF1 >= 0.7 ] }\n", withGates);
        assertFalse(card.contains("none configured") || card.contains("None configured"), card);
        assertTrue(card.contains("| Quality gates | 2 configured, **not checked**: evaluation was skipped, so there are no test "
                + "metrics (`accuracy >= 0.8`, `macroF1 >= 0.7`) |"), card);
        assertTrue(cardAfterTrainingOnly(base, without).contains("| Quality gates | none configured |"));
    }
}
