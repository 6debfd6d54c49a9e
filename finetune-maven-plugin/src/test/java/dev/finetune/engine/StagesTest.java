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

    /**
     * A sweep of stage 2's rate: each trial runs both stages, the frozen-feature cache computes each frozen prefix
     * once for all trials, the winner's stages are in stages.json, the winner equals the staged training of its own
     * settings bit for bit, and a rerun from the journal gives the same model.
     */
    @Test
    void aSweepTriesAStagesValuesAndKeepsTheWinnersStages(@TempDir Path swept, @TempDir Path alone, @TempDir Path again)
            throws Exception {
        String sweep = SPEC.formatted("") + """
                sweep:
                  metric: loss
                  parallelism: 2
                  parameters:
                    training.stages[1].learningRate: { values: [0.003, 0.0003] }
                """;
        JobOptions journaled = JobOptions.DEFAULTS.withCheckpoints(Optional.of(new Checkpoints.Policy("k", 1, 0)));
        List<String> log = train(new SpecParser().parse("finetune.yaml", sweep), swept, journaled, e -> false);
        assertEquals(2, log.stream().filter(l -> l.startsWith("frozen-feature cache: outputs of the")).count(),
                "one featurisation per frozen prefix (2 layers in stage 1, 1 in stage 2) for both trials:\n" + String.join("\n", log));
        var report = Json.read(swept.resolve(OutputFiles.SWEEP), dev.finetune.engine.report.SweepReport.class);
        assertEquals(2, report.trials().size());
        Object rate = report.winnerParameters().get("training.stages[1].learningRate");
        TrainingReport[] stages = Json.read(swept.resolve(OutputFiles.STAGES), TrainingReport[].class);
        assertEquals(2, stages.length);
        assertEquals(List.of("hidden1", "hidden2"), stages[0].frozenLayers());
        assertEquals(List.of("hidden1"), stages[1].frozenLayers());
        var winnerRow = report.trials().stream().filter(t -> t.winner()).findFirst().orElseThrow();
        assertEquals(stages[0].epochsRun() + stages[1].epochsRun(), winnerRow.epochsRun(), "a trial's epochs count over its stages");

        // the winner is the staged training of its settings (its seed, its stage-2 rate)
        String own = SPEC.formatted("").replace("seed: 5", "seed: " + winnerRow.seed())
                .replace("learningRate: 0.001, epochs: 4", "learningRate: " + rate + ", epochs: 4");
        train(new SpecParser().parse("finetune.yaml", own), alone, JobOptions.DEFAULTS, e -> false);
        assertArrayEquals(coefficients(alone.resolve(OutputFiles.MODEL)), coefficients(swept.resolve(OutputFiles.MODEL)));
        TrainingReport[] ownStages = Json.read(alone.resolve(OutputFiles.STAGES), TrainingReport[].class);
        for (int i = 0; i < 2; i++) {
            assertEquals("trial " + winnerRow.trial() + " stage-" + (i + 1), stages[i].model());
            assertEquals(ownStages[i].epochs(), stages[i].epochs(), "stage " + (i + 1) + " epoch for epoch");
            assertEquals(ownStages[i].bestEpoch(), stages[i].bestEpoch());
        }

        // the journal: a rerun trains nothing but the winner again (its saved network went with the finished step)
        java.nio.file.Files.copy(swept.resolve(OutputFiles.SWEEP_JOURNAL), again.resolve(OutputFiles.SWEEP_JOURNAL));
        List<String> rerun = train(new SpecParser().parse("finetune.yaml", sweep), again, journaled, e -> false);
        assertTrue(rerun.stream().anyMatch(l -> l.startsWith("sweep: resuming: 2 of 2 trials finished")), String.join("\n", rerun));
        assertArrayEquals(coefficients(swept.resolve(OutputFiles.MODEL)), coefficients(again.resolve(OutputFiles.MODEL)));
        assertEquals(List.of(stages), List.of(Json.read(again.resolve(OutputFiles.STAGES), TrainingReport[].class)));

        // report.html shows the winner's stages, with the winner's stage-2 rate
        String page = dev.finetune.engine.htmlreport.HtmlReport.render(dev.finetune.engine.htmlreport.ReportInputs.read(swept,
                new SpecParser().parse("finetune.yaml", sweep), "staged", Optional.empty(), false, Optional.empty()).orElseThrow());
        assertTrue(page.contains("<section id=\"stages\">\n<h2>Stages: 2</h2>"), page);
        assertTrue(page.contains("<tr><td class=\"num\">1</td><td>hidden1, hidden2</td><td>0.01</td>"), page);
        assertTrue(page.contains("<tr><td class=\"num\">2</td><td>hidden1</td><td>" + rate + "</td>"), page);
    }

    /**
     * L2-SP in every stage pulls toward the base's weights: stage 1 trains hidden2, stage 2 everything; with L2-SP both
     * body layers end nearer the base than without it.
     */
    @Test
    void l2spPullsEveryStageTowardTheBase(@TempDir Path free, @TempDir Path pulled) throws Exception {
        String yaml = """
                base: { path: mln.zip }
                dataset:
                  path: data/upper.csv
                  split: { train: 0.3, validation: 0.2, test: 0.5, seed: 3 }
                freeze: { upTo: hidden1 }
                training:
                  learningRate: 0.01
                  batchSize: 16
                  epochs: 4
                  seed: 5
                  l2sp: %s
                  stages:
                    - { }
                    - { freeze: none, learningRate: 0.003 }
                """;
        train(new SpecParser().parse("finetune.yaml", yaml.formatted("0")), free, JobOptions.DEFAULTS, e -> false);
        List<String> log = train(new SpecParser().parse("finetune.yaml", yaml.formatted("1")), pulled, JobOptions.DEFAULTS, e -> false);
        assertEquals(2, log.stream().filter(l -> l.matches("stage-\\d: L2-SP 1.0 pulls .* base weights toward their pretrained values")).count(),
                String.join("\n", log));
        Map<String, INDArray> base = params(project.resolve("mln.zip"));
        Map<String, INDArray> without = params(free.resolve(OutputFiles.MODEL));
        Map<String, INDArray> with = params(pulled.resolve(OutputFiles.MODEL));
        for (String key : List.of("0_W", "1_W")) {
            double far = without.get(key).sub(base.get(key)).norm2Number().doubleValue();
            double near = with.get(key).sub(base.get(key)).norm2Number().doubleValue();
            assertTrue(near < 0.8 * far, key + ": " + near + " from the base with L2-SP, " + far + " without");
        }
    }

    private static byte[] coefficients(Path zip) throws Exception {
        try (ZipFile z = new ZipFile(zip.toFile())) {
            return z.getInputStream(z.getEntry("coefficients.bin")).readAllBytes();
        }
    }
}
