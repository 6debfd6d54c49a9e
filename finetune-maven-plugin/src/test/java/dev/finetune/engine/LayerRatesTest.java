package dev.finetune.engine;

import dev.finetune.engine.event.EventSink;
import dev.finetune.engine.inspect.InputChecks;
import dev.finetune.engine.job.FinetuneJob;
import dev.finetune.engine.job.JobOptions;
import dev.finetune.engine.layout.OutputFiles;
import dev.finetune.spec.FinetuneSpec;
import dev.finetune.spec.SpecParser;
import org.deeplearning4j.nn.api.Model;
import org.deeplearning4j.util.ModelSerializer;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.api.ndarray.INDArray;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Per-layer learning rates, measured by how far training moves each layer's parameters from the base's. */
class LayerRatesTest {

    @TempDir
    static Path project;

    @BeforeAll
    static void inputs() throws Exception {
        TestBases.writeProject(project, true);
    }

    private static final String SPEC = "base: { path: %s }\n" + TestBases.UPPER_DIGITS + """
            freeze: none
            training:
              learningRate: 0.001
              batchSize: 16
              epochs: 4
              seed: 5
              layerLearningRates: %s
            """;

    private static FinetuneSpec spec(String base, String rates) throws Exception {
        return new SpecParser().parse("finetune.yaml", SPEC.formatted(base, rates));
    }

    private static Map<String, INDArray> train(String base, String rates, Path out) throws Exception {
        FinetuneJob job = TestBases.job(spec(base, rates), project, out, EventSink.NONE, JobOptions.DEFAULTS);
        job.train();
        return params(out.resolve(OutputFiles.MODEL), base.startsWith("graph"));
    }

    private static Map<String, INDArray> params(Path zip, boolean graph) throws Exception {
        Model model = graph ? ModelSerializer.restoreComputationGraph(zip.toFile(), false)
                : ModelSerializer.restoreMultiLayerNetwork(zip.toFile(), false);
        return model.paramTable();
    }

    /** How far a parameter moved from the base's: the L2 norm of the difference. */
    private static double moved(Map<String, INDArray> base, Map<String, INDArray> tuned, String key) {
        return tuned.get(key).sub(base.get(key)).norm2Number().doubleValue();
    }

    @Test
    void aLayerAtRateZeroDoesNotMoveAndOneAtTenTimesMovesFurther(@TempDir Path plain, @TempDir Path layered) throws Exception {
        Map<String, INDArray> base = params(project.resolve("mln.zip"), false);
        Map<String, INDArray> uniform = train("mln.zip", "[]", plain);
        Map<String, INDArray> discriminative = train("mln.zip",
                "[{ layers: hidden1, learningRate: 0 }, { layers: 1, learningRate: 0.01 }]", layered);
        assertArrayEquals(base.get("0_W").data().asBytes(), discriminative.get("0_W").data().asBytes(), "hidden1 at rate 0");
        assertArrayEquals(base.get("0_b").data().asBytes(), discriminative.get("0_b").data().asBytes());
        assertTrue(moved(base, uniform, "0_W") > 0, "without the rates hidden1 trains");
        double atOne = moved(base, uniform, "1_W");
        double atTen = moved(base, discriminative, "1_W");
        assertTrue(atTen > 3 * atOne, "hidden2 at 10x the rate moves further: " + atTen + " vs " + atOne);
    }

    @Test
    void aRangeCoversEveryLayerInItAndGraphsTakeRatesByName(@TempDir Path stack, @TempDir Path graph) throws Exception {
        Map<String, INDArray> base = params(project.resolve("mln.zip"), false);
        Map<String, INDArray> tuned = train("mln.zip", "[{ layers: hidden1..hidden2, learningRate: 0 }]", stack);
        for (String key : List.of("0_W", "0_b", "1_W", "1_b")) {
            assertArrayEquals(base.get(key).data().asBytes(), tuned.get(key).data().asBytes(), key);
        }
        Map<String, INDArray> graphBase = params(project.resolve("graph.zip"), true);
        Map<String, INDArray> graphTuned = train("graph.zip", "[{ layers: hidden1, learningRate: 0 }]", graph);
        assertArrayEquals(graphBase.get("hidden1_W").data().asBytes(), graphTuned.get("hidden1_W").data().asBytes());
        assertTrue(moved(graphBase, graphTuned, "hidden2_W") > 0, "hidden2 trains at the global rate");
    }

    @Test
    void unknownRemovedAndFrozenLayersAreLocatedErrors() throws Exception {
        assertEquals(List.of("finetune.yaml:11:34: `training.layerLearningRates` names layer `hiden2`, which mln.zip does not"
                        + " have; its layers are: 0=hidden1, 1=hidden2, 2=out; did you mean `hidden2`?"),
                problems(SPEC.formatted("mln.zip", "[{ layers: hiden2, learningRate: 0 }]")));
        assertEquals(List.of("finetune.yaml:11:34: `training.layerLearningRates` names layer 2 (`out`), which the head removes"
                        + " (`head.removeLayers`); the head's own layers train at `training.learningRate`; layers kept: 0=hidden1,"
                        + " 1=hidden2"),
                problems(SPEC.formatted("mln.zip", "[{ layers: 0..2, learningRate: 0 }]")));
        assertEquals(List.of("finetune.yaml:11:34: `training.layerLearningRates` names layer 0 (`hidden1`), which `freeze`"
                        + " freezes, so no rate moves it; remove it from one of the two"),
                problems(SPEC.formatted("mln.zip", "[{ layers: hidden1, learningRate: 0 }]").replace("freeze: none",
                        "freeze: { upTo: hidden1 }")));
        UserInputException e = assertThrows(UserInputException.class, () -> TestBases.job(spec("mln.zip",
                "[{ layers: hidden2..hidden1, learningRate: 0 }]"), project, project.resolve("never"), EventSink.NONE,
                JobOptions.DEFAULTS).train());
        assertTrue(e.getMessage().contains("range `hidden2..hidden1` runs downwards (1..0)"), e.getMessage());
    }

    @Test
    void eachSweptAlternativeIsCheckedAgainstTheBase() throws Exception {
        String yaml = SPEC.formatted("mln.zip", "[]").replace("freeze: none", "freeze: { upTo: hidden1 }") + """
                sweep:
                  parameters:
                    training.layerLearningRates: { values: [[], [{ layers: hidden2, learningRate: 0.01 }], [{ layers: hidden1, learningRate: 0 }]] }
                """;
        assertEquals(List.of("finetune.yaml:14:103: `sweep.parameters.training.layerLearningRates` names layer 0 (`hidden1`),"
                + " which `freeze` freezes, so no rate moves it; remove it from one of the two"), problems(yaml));
    }

    /**
     * {@code layerLearningRateDecay: 0.5} with plain SGD: hidden2 (right below the head) at rate × 0.5, hidden1 at
     * rate × 0.25; the same bits as those rates written out per layer, and each layer's first step is its rate times
     * its gradient, so the step sizes of the two layers relative to a run without decay are the rates' ratios.
     */
    @Test
    void aDecayGivesEachLayerBelowTheHeadItsRateTimesTheDecayToTheDepth(@TempDir Path decayed, @TempDir Path written,
                                                                        @TempDir Path uniform) throws Exception {
        String sgd = SPEC.replace("learningRate: 0.001", "learningRate: 0.05\n  updater: sgd").replace("epochs: 4", "epochs: 2");
        Map<String, INDArray> base = params(project.resolve("mln.zip"), false);
        Map<String, INDArray> withDecay = trainYaml(sgd.formatted("mln.zip", "[]") + "  layerLearningRateDecay: 0.5\n", decayed);
        Map<String, INDArray> spelled = trainYaml(sgd.formatted("mln.zip",
                "[{ layers: hidden2, learningRate: 0.025 }, { layers: hidden1, learningRate: 0.0125 }]"), written);
        for (String key : List.of("0_W", "0_b", "1_W", "1_b", "2_W", "2_b")) {
            assertArrayEquals(spelled.get(key).data().asBytes(), withDecay.get(key).data().asBytes(),
                    key + ": the decay is the rates 0.05 x 0.5^k written out");
        }
        Map<String, INDArray> plain = trainYaml(sgd.formatted("mln.zip", "[]"), uniform);
        double top = moved(base, withDecay, "1_W") / moved(base, plain, "1_W");
        double lower = moved(base, withDecay, "0_W") / moved(base, plain, "0_W");
        // the steps are rate x gradient; later gradients differ a little, as the layers above moved differently
        assertTrue(top > 0.35 && top < 0.7, "hidden2 moved " + top + " as far as without the decay (rate x 0.5)");
        assertTrue(lower > 0.15 && lower < 0.4, "hidden1 moved " + lower + " as far as without the decay (rate x 0.25)");
        assertTrue(lower < top, "the lower layer moves less");
    }

    @Test
    void aDecayWithNothingOfTheBaseTrainingIsALocatedError() throws Exception {
        String yaml = SPEC.formatted("mln.zip", "[]").replace("freeze: none", "freeze: { upTo: hidden2 }")
                + "  layerLearningRateDecay: 0.5\n";
        assertEquals(List.of("finetune.yaml:12:27: `training.layerLearningRateDecay` lowers the rates of the base's layers"
                + " below the head, but no layer of mln.zip with parameters trains there (frozen or without parameters:"
                + " 0=hidden1, 1=hidden2); unfreeze some, or leave the decay out"), problems(yaml));
    }

    private static Map<String, INDArray> trainYaml(String yaml, Path out) throws Exception {
        FinetuneJob job = TestBases.job(new SpecParser().parse("finetune.yaml", yaml), project, out, EventSink.NONE,
                JobOptions.DEFAULTS);
        job.train();
        return params(out.resolve(OutputFiles.MODEL), false);
    }

    private static List<String> problems(String yaml) throws Exception {
        FinetuneSpec spec = new SpecParser().parse("finetune.yaml", yaml);
        return new InputChecks(spec, project::resolve, project.resolve("mln.zip")).problems();
    }
}
