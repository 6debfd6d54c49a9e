package dev.finetune.spec;

import dev.finetune.spec.FinetuneSpec.DenseLayerSpec;
import dev.finetune.spec.SweepPlanner.Trial;
import org.junit.jupiter.api.Test;

import java.util.HashSet;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class SweepPlannerTest {

    private static final String BASE = """
            base: { path: b.zip }
            dataset: { path: d.csv }
            freeze: { upTo: pool2 }
            head: { hidden: [32] }
            training: { learningRate: 0.001, epochs: 12, seed: 7 }
            earlyStopping: { metric: accuracy, patience: 3 }
            """;

    private static FinetuneSpec parse(String sweep) throws SpecException {
        return new SpecParser().parse("finetune.yaml", BASE + sweep);
    }

    @Test
    void gridTriesEveryCombinationInSpecOrderEachWithItsOwnSeed() throws SpecException {
        List<Trial> trials = SweepPlanner.plan(parse("""
                sweep:
                  maxTrials: 12
                  parameters:
                    head.hidden: { values: [[], [64], [128, { units: 64, activation: tanh }]] }
                    training.learningRate: { values: [0.001, 0.01] }
                    freeze.upTo: { values: [pool2, 1] }
                """));
        assertEquals(12, trials.size());
        Trial last = trials.get(11);
        assertEquals(List.of(new DenseLayerSpec(128, FinetuneSpec.Activation.relu), new DenseLayerSpec(64, FinetuneSpec.Activation.tanh)),
                last.spec().head().hidden());
        assertEquals(0.01, last.spec().training().learningRate());
        assertEquals("1", last.spec().freeze().upTo().orElseThrow().toString());
        assertEquals(Map.of("head.hidden", List.of(128, Map.of("units", 64, "activation", "tanh")), "training.learningRate", 0.01,
                "freeze.upTo", 1), last.displayValues());
        assertEquals(List.of(), trials.get(0).spec().head().hidden());
        assertEquals(0.001, trials.get(0).spec().training().learningRate());
        assertEquals(12, new HashSet<>(trials.stream().map(Trial::seed).toList()).size(), "every trial has its own seed");
        assertTrue(trials.stream().allMatch(t -> t.spec().sweep().isEmpty() && t.spec().training().seed() == t.seed()));
        // untouched keys keep the spec's values
        assertEquals(12, trials.get(5).spec().training().epochs());
    }

    @Test
    void aStagesKeysAreSweepParametersThatChangeOnlyThatStage() throws SpecException {
        FinetuneSpec spec = new SpecParser().parse("finetune.yaml", BASE.replace("training: { learningRate: 0.001, epochs: 12, seed: 7 }",
                "training: { learningRate: 0.001, epochs: 12, seed: 7, l2sp: 0.1,"
                        + " stages: [{ freeze: all }, { freeze: { upTo: 1 }, learningRate: 0.0001 }] }") + """
                sweep:
                  strategy: random
                  maxTrials: 4
                  parameters:
                    training.stages[1].learningRate: { range: [1.0e-5, 1.0e-3], scale: log }
                    training.stages[1].freeze.upTo: { values: [0, pool2] }
                    training.stages[0].epochs: { values: [3] }
                    training.layerLearningRateDecay: { values: [0.5] }
                    training.stages[1].layerLearningRateDecay: { values: [0.25] }
                """);
        List<Trial> trials = SweepPlanner.plan(spec);
        assertEquals(4, trials.size());
        for (Trial t : trials) {
            var stages = t.spec().training().stages();
            double drawn = (Double) t.values().get("training.stages[1].learningRate");
            assertEquals(drawn, stages.get(1).learningRate().orElseThrow());
            assertTrue(drawn >= 1e-5 && drawn <= 1e-3);
            assertEquals(t.values().get("training.stages[1].freeze.upTo").toString(), stages.get(1).freeze().orElseThrow().upTo().orElseThrow().toString());
            assertEquals(3, stages.get(0).epochs().orElseThrow());
            assertTrue(stages.get(0).freeze().orElseThrow().all(), "stage 0 keeps its own freeze");
            assertEquals(0.5, t.spec().training().layerLearningRateDecay());
            assertEquals(0.25, Stages.of(t.spec()).get(1).training().layerLearningRateDecay());
            assertEquals(0.5, Stages.of(t.spec()).get(0).training().layerLearningRateDecay(), "stage 0 takes the top-level decay");
            assertEquals(0.1, t.spec().training().l2sp());
            // a trial travels as its canonical YAML: it must parse back to the same stages
            FinetuneSpec back = new SpecParser().parse("trial.yaml", CanonicalSpec.toYaml(t.spec()));
            assertEquals(CanonicalSpec.toYaml(t.spec()), CanonicalSpec.toYaml(back));
            assertEquals(3 + 12, Stages.maxEpochs(back), "stage 0's 3 epochs, then stage 1's (earlyStopping.maxEpochs)");
        }
        assertEquals(Map.of("training.stages[1].learningRate", trials.get(0).values().get("training.stages[1].learningRate"),
                "training.stages[1].freeze.upTo", trials.get(0).displayValues().get("training.stages[1].freeze.upTo"),
                "training.stages[0].epochs", 3, "training.layerLearningRateDecay", 0.5,
                "training.stages[1].layerLearningRateDecay", 0.25), trials.get(0).displayValues());
        assertEquals(2, new HashSet<>(trials.stream().map(t -> t.displayValues().get("training.stages[1].freeze.upTo")).toList()).size(),
                "both freeze values drawn in 4 trials");
    }

    @Test
    void perLayerRatesAndL2spAreSweepParameters() throws SpecException {
        List<Trial> trials = SweepPlanner.plan(parse("""
                sweep:
                  parameters:
                    training.layerLearningRates: { values: [[], [{ layers: fc, learningRate: 0.0001 }, { layers: "0..1", learningRate: 0 }]] }
                    training.l2sp: { values: [0.0, 0.1] }
                """));
        assertEquals(4, trials.size());
        assertEquals(List.of(), trials.get(0).spec().training().layerLearningRates());
        Trial last = trials.get(3);
        assertEquals(List.of("fc", "0..1"), last.spec().training().layerLearningRates().stream().map(r -> r.layers().toString()).toList());
        assertEquals(List.of(1.0e-4, 0.0), last.spec().training().layerLearningRates().stream().map(FinetuneSpec.LayerLearningRate::learningRate).toList());
        assertEquals(0.1, last.spec().training().l2sp());
        assertEquals(0.001, last.spec().training().learningRate(), "untouched keys keep the spec's values");
        assertEquals(Map.of("training.layerLearningRates", List.of(Map.of("layers", "fc", "learningRate", 1.0e-4),
                Map.of("layers", "0..1", "learningRate", 0.0)), "training.l2sp", 0.1), last.displayValues());
        // located where the alternative names the layer, for finetune:validate's check against the base
        assertEquals(new Location("finetune.yaml", 9, 98), last.spec().training().layerLearningRates().get(1).layers().location());
    }

    @Test
    void randomTrialsDependOnlyOnTheSweepSeedAndTheirIndex() throws SpecException {
        String sweep = """
                sweep:
                  strategy: random
                  maxTrials: %d
                  seed: %d
                  parameters:
                    training.learningRate: { range: [1.0e-4, 1.0e-2], scale: log }
                    training.batchSize: { range: [8, 64] }
                    training.dropout: { values: [0.0, 0.2, 0.5] }
                """;
        List<Trial> five = SweepPlanner.plan(parse(sweep.formatted(5, 3)));
        List<Trial> again = SweepPlanner.plan(parse(sweep.formatted(5, 3)));
        List<Trial> eight = SweepPlanner.plan(parse(sweep.formatted(8, 3)));
        List<Trial> otherSeed = SweepPlanner.plan(parse(sweep.formatted(5, 4)));
        assertEquals(5, five.size());
        assertEquals(five, again);
        assertEquals(five, eight.subList(0, 5), "more trials add trials, they do not change the first ones");
        assertNotEquals(five.get(0).values(), otherSeed.get(0).values());
        for (Trial t : eight) {
            double lr = t.spec().training().learningRate();
            int batch = t.spec().training().batchSize();
            assertTrue(lr >= 1e-4 && lr <= 1e-2, "lr " + lr);
            assertTrue(batch >= 8 && batch <= 64, "batch " + batch);
            assertTrue(List.of(0.0, 0.2, 0.5).contains(t.spec().training().dropout()));
        }
    }

    @Test
    void sweepingEpochsMovesTheDefaultedEarlyStoppingLimitButNotAnExplicitOne() throws SpecException {
        String sweep = "sweep: { parameters: { training.epochs: { values: [3, 30] } } }\n";
        List<Trial> defaulted = SweepPlanner.plan(parse(sweep));
        assertEquals(30, defaulted.get(1).spec().maxEpochs());
        List<Trial> explicit = SweepPlanner.plan(new SpecParser().parse("finetune.yaml",
                BASE.replace("patience: 3", "patience: 3, maxEpochs: 20") + sweep));
        assertEquals(20, explicit.get(1).spec().maxEpochs());
    }

    @Test
    void goalFollowsTheMetricUnlessGivenAndTheResolvedSpecShowsTheSweep() throws SpecException {
        FinetuneSpec byLoss = parse("sweep: { metric: loss, parameters: { training.l2: { values: [0.0, 0.001] } } }\n");
        assertEquals(SweepSpec.Goal.minimize, byLoss.sweep().orElseThrow().goal());
        FinetuneSpec byAccuracy = parse("sweep: { parameters: { training.l2: { values: [0.0] } } }\n");
        assertEquals(SweepSpec.Goal.maximize, byAccuracy.sweep().orElseThrow().goal());
        String resolved = CanonicalSpec.toYaml(byLoss);
        assertTrue(resolved.contains("sweep:") && resolved.contains("training.l2:") && resolved.contains("goal: minimize"), resolved);
    }
}
