package dev.finetune.engine;

import dev.finetune.engine.event.EventSink;
import dev.finetune.engine.event.EventText;
import dev.finetune.engine.event.JobEvent;
import dev.finetune.engine.inspect.InputChecks;
import dev.finetune.engine.job.FinetuneJob;
import dev.finetune.engine.job.JobOptions;
import dev.finetune.engine.layout.OutputFiles;
import dev.finetune.engine.report.Json;
import dev.finetune.engine.report.TrainingReport;
import dev.finetune.engine.train.Checkpoints;
import dev.finetune.spec.FinetuneSpec;
import dev.finetune.spec.SpecParser;
import org.deeplearning4j.util.ModelSerializer;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.api.ndarray.INDArray;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Predicate;
import java.util.zip.ZipFile;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Staged fine-tuning on real data (digits 5-9 on a base pretrained on digits 0-4), proven by which layers' parameters
 * each stage moves, and resumed from a checkpoint in the middle of the second stage.
 */
class StagesTest {

    @TempDir
    static Path project;

    @BeforeAll
    static void inputs() throws Exception {
        TestBases.writeProject(project, false);
    }

    /** The head with the body frozen, then hidden2 unfrozen at a 10x lower rate, hidden1 still frozen. */
    private static final String SPEC = "base: { path: mln.zip }\n" + TestBases.UPPER_DIGITS + """
            freeze: all
            training:
              learningRate: 0.01
              batchSize: 16
              epochs: 3
              seed: 5
              stages:
                - { epochs: 3 }
                - { freeze: { upTo: hidden1 }, learningRate: 0.001, epochs: 4%s }
            earlyStopping: { metric: accuracy, patience: 3 }
            """;

    private static FinetuneSpec spec(String extra) throws Exception {
        return new SpecParser().parse("finetune.yaml", SPEC.formatted(extra));
    }

    private static Map<String, INDArray> params(Path zip) throws Exception {
        return ModelSerializer.restoreMultiLayerNetwork(zip.toFile(), false).paramTable();
    }

    private static List<String> train(FinetuneSpec spec, Path out, JobOptions options, Predicate<JobEvent> killAt)
            throws Exception {
        List<String> lines = new ArrayList<>();
        EventSink sink = e -> {
            EventText.line(e).ifPresent(l -> lines.add(l.text()));
            if (killAt.test(e)) {
                throw new IllegalStateException("killed for the test");
            }
        };
        FinetuneJob job = TestBases.job(spec, project, out, sink, options);
        job.train();
        return lines;
    }

    @Test
    void eachStageMovesItsOwnLayersAndStartsFromThePreviousStage(@TempDir Path out) throws Exception {
        train(spec(""), out, JobOptions.DEFAULTS, e -> false);
        Map<String, INDArray> base = params(project.resolve("mln.zip"));
        Map<String, INDArray> tuned = params(out.resolve(OutputFiles.MODEL));
        TrainingReport[] stages = Json.read(out.resolve(OutputFiles.STAGES), TrainingReport[].class);
        assertEquals(2, stages.length);
        assertEquals("stage-1", stages[0].model());
        assertEquals(List.of("hidden1", "hidden2"), stages[0].frozenLayers());
        assertEquals(List.of("hidden1"), stages[1].frozenLayers());
        assertEquals(Json.read(out.resolve(OutputFiles.TRAINING), TrainingReport.class), stages[1], "training.json is the last stage's");
        // hidden1 frozen in both stages: as in the base, bit for bit; hidden2 trained in stage 2 only
        assertArrayEquals(base.get("0_W").data().asBytes(), tuned.get("0_W").data().asBytes());
        assertFalse(java.util.Arrays.equals(base.get("1_W").data().asBytes(), tuned.get("1_W").data().asBytes()),
                "stage 2 trains hidden2");

        // stage 1 alone: hidden2 as in the base; the two-stage model's head went on from there
        FinetuneSpec first = new SpecParser().parse("finetune.yaml", SPEC.formatted("").replaceAll(
                "(?s)  stages:.*?(\\nearlyStopping)", "$1"));
        Path alone = out.resolveSibling(out.getFileName() + "-stage1");
        train(first, alone, JobOptions.DEFAULTS, e -> false);
        Map<String, INDArray> stage1 = params(alone.resolve(OutputFiles.MODEL));
        assertArrayEquals(base.get("1_W").data().asBytes(), stage1.get("1_W").data().asBytes(), "stage 1 freezes hidden2");
        assertEquals(Json.read(alone.resolve(OutputFiles.TRAINING), TrainingReport.class).epochs(), stages[0].epochs(),
                "stage 1 is the one-stage training with its settings");
        // stage 2 starts from stage 1's trained head: after its first epoch (at a tenth of the rate) validation loss is
        // already below stage 1's first epoch from a random head
        double stage2First = stages[1].epochs().get(0).validationLoss();
        assertTrue(stage2First < stages[0].epochs().get(0).validationLoss(), "stage 2 epoch 1 " + stage2First
                + " vs stage 1 epoch 1 " + stages[0].epochs().get(0).validationLoss());
    }

    @Test
    void stagesTakeTheirOwnPerLayerRates(@TempDir Path still, @TempDir Path moved) throws Exception {
        train(spec(", layerLearningRates: [{ layers: hidden2, learningRate: 0 }]"), still, JobOptions.DEFAULTS, e -> false);
        Map<String, INDArray> base = params(project.resolve("mln.zip"));
        assertArrayEquals(base.get("1_W").data().asBytes(), params(still.resolve(OutputFiles.MODEL)).get("1_W").data().asBytes(),
                "hidden2 at rate 0 in stage 2");
    }

    @Test
    void aRunStoppedInTheSecondStageResumesToTheSameBits(@TempDir Path whole, @TempDir Path resumed) throws Exception {
        JobOptions checkpointed = JobOptions.DEFAULTS.withCheckpoints(Optional.of(new Checkpoints.Policy("k", 1, 0)));
        train(spec(""), whole, JobOptions.DEFAULTS, e -> false);
        assertThrows(IllegalStateException.class, () -> train(spec(""), resumed, checkpointed,
                e -> e instanceof JobEvent.EpochEnded x && x.run().equals("stage-2") && x.epoch() == 3));
        List<String> again = train(spec(""), resumed, checkpointed, e -> false);
        assertEquals(1, again.stream().filter(l -> l.startsWith("stage-1: resuming from its checkpoint after epoch")
                && l.endsWith("it had finished, nothing left to train")).count(), String.join("\n", again));
        assertEquals(1, again.stream().filter(l -> l.startsWith("stage-2: resuming from its checkpoint after epoch 2 of 4"))
                .count(), String.join("\n", again));
        assertArrayEquals(coefficients(whole.resolve(OutputFiles.MODEL)), coefficients(resumed.resolve(OutputFiles.MODEL)));
        assertEquals(List.of(Json.read(whole.resolve(OutputFiles.STAGES), TrainingReport[].class)),
                List.of(Json.read(resumed.resolve(OutputFiles.STAGES), TrainingReport[].class)));
    }

    @Test
    void aStageFreezingALayerTheBaseLacksIsALocatedError() throws Exception {
        String yaml = SPEC.formatted("").replace("upTo: hidden1", "upTo: hiden1");
        List<String> problems = new InputChecks(new SpecParser().parse("finetune.yaml", yaml), project::resolve,
                project.resolve("mln.zip")).problems();
        assertEquals(List.of("finetune.yaml:13:25: `training.stages[1].freeze` names layer `hiden1`, which mln.zip does not"
                + " have; its layers are: 0=hidden1, 1=hidden2, 2=out"), problems);
    }

    private static byte[] coefficients(Path zip) throws Exception {
        try (ZipFile z = new ZipFile(zip.toFile())) {
            return z.getInputStream(z.getEntry("coefficients.bin")).readAllBytes();
        }
    }
}
