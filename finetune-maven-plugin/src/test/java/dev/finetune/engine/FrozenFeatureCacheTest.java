package dev.finetune.engine;

import dev.finetune.engine.layout.OutputFiles;

import dev.finetune.engine.data.Batches;
import dev.finetune.engine.job.JobOptions;
import dev.finetune.engine.model.BaseFormat;
import dev.finetune.engine.model.ModelSurgery;
import dev.finetune.engine.model.Net;
import dev.finetune.engine.train.FrozenFeatureCache;
import dev.finetune.engine.report.Json;
import dev.finetune.engine.report.RunInfo;
import dev.finetune.engine.report.TrainingReport;
import dev.finetune.engine.report.EpochRecord;
import dev.finetune.engine.event.EventSink;
import dev.finetune.spec.FinetuneSpec;
import dev.finetune.spec.SpecParser;
import org.deeplearning4j.util.ModelSerializer;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.ops.transforms.Transforms;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Training the unfrozen top on cached frozen-prefix outputs ends where full forward passes end: same seed, same
 * batches, same random draws. Stated tolerance: every parameter within {@value #TOLERANCE} (absolute), and the
 * validation metrics of every epoch equal to that tolerance. Measured here: at most 5.1e-7 apart (the frozen layer's
 * outputs are computed in larger chunks than minibatches, which changes float rounding in the last bits).
 */
class FrozenFeatureCacheTest {

    /** float32 parameters after a few hundred Adam steps; a real divergence (wrong batches, wrong layers) is ~1e-2 or more. */
    static final double TOLERANCE = 1e-5;

    @TempDir
    static Path project;

    @BeforeAll
    static void inputs() throws Exception {
        TestBases.writeProject(project, true);
    }

    /** Dropout and L2 on, two new hidden layers: every way the top's training could differ from the whole net's. */
    private static final String SPEC = "base: { path: %s }\n" + TestBases.upperDigits(0.4, 0.2, 0.4) + """
            freeze: { upTo: hidden1 }
            head: { hidden: [24, { units: 12, activation: tanh }] }
            training: { learningRate: 0.005, batchSize: 16, epochs: 6, l2: 0.0001, dropout: 0.2, seed: 9 }
            """;

    private static List<String> train(String base, boolean cache, Path out) throws Exception {
        return trainSpec(SPEC.formatted(base), cache, out);
    }

    private static List<String> trainSpec(String yaml, boolean cache, Path out) throws Exception {
        FinetuneSpec spec = new SpecParser().parse("finetune.yaml", yaml);
        List<String> lines = new ArrayList<>();
        EventSink log = EventSink.lines(lines::add);
        TestBases.job(spec, project, out, log, JobOptions.DEFAULTS.withFrozenFeatureCache(cache)).train();
        return lines;
    }

    @Test
    void cachedAndFullForwardTrainingGiveTheSameModelWithinTolerance(@TempDir Path cached, @TempDir Path full) throws Exception {
        List<String> cachedLog = train("mln.zip", true, cached);
        List<String> fullLog = train("mln.zip", false, full);
        assertTrue(cachedLog.stream().anyMatch(l -> l.startsWith("frozen-feature cache: outputs of the 1 frozen input layer(s) computed once")),
                String.join("\n", cachedLog));
        assertTrue(fullLog.contains("frozen-feature cache off: switched off; training runs full forward passes"));

        INDArray a = ModelSerializer.restoreMultiLayerNetwork(cached.resolve(OutputFiles.MODEL).toFile()).params();
        INDArray b = ModelSerializer.restoreMultiLayerNetwork(full.resolve(OutputFiles.MODEL).toFile()).params();
        INDArray base = ModelSerializer.restoreMultiLayerNetwork(project.resolve("mln.zip").toFile()).params();
        assertEquals(a.length(), b.length());
        double maxDiff = Transforms.abs(a.sub(b)).maxNumber().doubleValue();
        System.out.println("cache vs full forward passes: max parameter difference " + maxDiff);
        assertTrue(maxDiff <= TOLERANCE, "max parameter difference " + maxDiff);
        // the frozen layer kept the base's parameters (64x32 weights + 32 biases come first)
        assertEquals(base.get(org.nd4j.linalg.indexing.NDArrayIndex.interval(0, 2080)),
                a.reshape(1, a.length()).get(org.nd4j.linalg.indexing.NDArrayIndex.point(0), org.nd4j.linalg.indexing.NDArrayIndex.interval(0, 2080))
                        .reshape(base.get(org.nd4j.linalg.indexing.NDArrayIndex.interval(0, 2080)).shape()));

        TrainingReport ra = Json.read(cached.resolve(OutputFiles.TRAINING), TrainingReport.class);
        TrainingReport rb = Json.read(full.resolve(OutputFiles.TRAINING), TrainingReport.class);
        assertEquals(rb.bestEpoch(), ra.bestEpoch());
        assertEquals(rb.trainableParams(), ra.trainableParams());
        assertEquals(rb.frozenLayers(), ra.frozenLayers());
        assertEquals(6, ra.epochs().size());
        for (int i = 0; i < ra.epochs().size(); i++) {
            EpochRecord x = ra.epochs().get(i);
            EpochRecord y = rb.epochs().get(i);
            assertEquals(y.trainLoss(), x.trainLoss(), TOLERANCE, "epoch " + (i + 1));
            assertEquals(y.validationLoss(), x.validationLoss(), TOLERANCE, "epoch " + (i + 1));
            assertEquals(y.validationAccuracy(), x.validationAccuracy(), TOLERANCE, "epoch " + (i + 1));
        }
        // and the training really moved the top: the comparison is not between two untouched networks
        assertFalse(ra.epochs().get(0).validationLoss() == ra.epochs().get(5).validationLoss());
    }

    @Test
    void theSavedModelAndTheScratchBaselineDoNotDependOnTheCache(@TempDir Path cached, @TempDir Path full) throws Exception {
        String yaml = SPEC.formatted("mln.zip") + "evaluation: { compareWithScratch: true }\n";
        trainSpec(yaml, true, cached);
        trainSpec(yaml, false, full);
        var a = ModelSerializer.restoreMultiLayerNetwork(cached.resolve(OutputFiles.MODEL).toFile());
        var b = ModelSerializer.restoreMultiLayerNetwork(full.resolve(OutputFiles.MODEL).toFile());
        // the configuration records the same training (Adam's step count), not only the parameters
        assertEquals(b.getLayerWiseConfigurations().getIterationCount(), a.getLayerWiseConfigurations().getIterationCount());
        assertTrue(a.getLayerWiseConfigurations().getIterationCount() > 0);
        // the from-scratch baseline starts from iteration 0 whichever way the fine-tune ran: byte-identical
        org.junit.jupiter.api.Assertions.assertArrayEquals(
                ModelSerializer.restoreMultiLayerNetwork(cached.resolve(OutputFiles.SCRATCH_MODEL).toFile()).params().data().asBytes(),
                ModelSerializer.restoreMultiLayerNetwork(full.resolve(OutputFiles.SCRATCH_MODEL).toFile()).params().data().asBytes());
    }

    @Test
    void aSourceThatIsNotDeterministicTurnsTheCacheOffAndSaysWhy() throws Exception {
        FinetuneSpec spec = new SpecParser().parse("finetune.yaml", SPEC.formatted("mln.zip"));
        Net net = new ModelSurgery(spec).apply(BaseFormat.loadAny(project.resolve("mln.zip")), 5, "mln.zip");
        Batches none = Batches.inMemory(new org.nd4j.linalg.dataset.DataSet(
                org.nd4j.linalg.factory.Nd4j.zeros(1, 64), org.nd4j.linalg.factory.Nd4j.zeros(1, 5)));
        List<String> lines = new ArrayList<>();
        assertEquals(java.util.Optional.empty(), new FrozenFeatureCache(none, none, true, true, EventSink.lines(lines::add)).unsupported(net));
        FrozenFeatureCache augmented = new FrozenFeatureCache(none, none, false, true, EventSink.lines(lines::add));
        assertEquals(java.util.Optional.of("the dataset source is not deterministic (dataset.augmentation changes the training images every epoch)"), augmented.unsupported(net));
        assertFalse(augmented.target(net).cached());
        assertEquals(List.of("frozen-feature cache off: the dataset source is not deterministic (dataset.augmentation changes the training images every epoch); "
                + "training runs full forward passes"), lines);
    }

    /**
     * A graph base whose trainable layers are one chain on the frozen ones (what the head surgery builds): the chain
     * trains on the frozen part's cached outputs and ends where full forward passes end, within the same tolerance.
     */
    @Test
    void graphBasesTrainTheirTopOnCachedFeaturesToo(@TempDir Path cached, @TempDir Path full) throws Exception {
        List<String> cachedLog = train("graph.zip", true, cached);
        train("graph.zip", false, full);
        assertTrue(cachedLog.stream().anyMatch(l -> l.startsWith("frozen-feature cache: outputs of the frozen graph up to `hidden1` "
                + "computed once") && l.endsWith("training fits only the 4 layer(s) above")), String.join("\n", cachedLog));
        var a = ModelSerializer.restoreComputationGraph(cached.resolve(OutputFiles.MODEL).toFile());
        var b = ModelSerializer.restoreComputationGraph(full.resolve(OutputFiles.MODEL).toFile());
        var base = ModelSerializer.restoreComputationGraph(project.resolve("graph.zip").toFile());
        double maxDiff = Transforms.abs(a.params().sub(b.params())).maxNumber().doubleValue();
        System.out.println("graph: cache vs full forward passes: max parameter difference " + maxDiff);
        assertTrue(maxDiff <= TOLERANCE, "max parameter difference " + maxDiff);
        assertEquals(base.getLayer("hidden1").params(), a.getLayer("hidden1").params(), "the frozen layer kept the base's parameters");
        assertFalse(base.getLayer("hidden2").params().equals(a.getLayer("hidden2").params()), "the trainable layer trained");
        assertEquals(b.getConfiguration().getIterationCount(), a.getConfiguration().getIterationCount());
        assertTrue(a.getConfiguration().getIterationCount() > 0);
    }

    /** A trainable branch beside the chain (two layers merged below the output): no cache, and the log says why. */
    @Test
    void graphsWhoseTrainableLayersAreNotAChainOnTheFrozenOnesFallBackAndSayWhy() {
        var conf = new org.deeplearning4j.nn.conf.NeuralNetConfiguration.Builder().seed(1).graphBuilder()
                .addInputs("in")
                .addLayer("d1", new org.deeplearning4j.nn.conf.layers.DenseLayer.Builder().nIn(4).nOut(3).build(), "in")
                .addLayer("d2", new org.deeplearning4j.nn.conf.layers.DenseLayer.Builder().nIn(3).nOut(3).build(), "d1")
                .addLayer("d3", new org.deeplearning4j.nn.conf.layers.DenseLayer.Builder().nIn(3).nOut(3).build(), "d1")
                .addVertex("sum", new org.deeplearning4j.nn.conf.graph.ElementWiseVertex(
                        org.deeplearning4j.nn.conf.graph.ElementWiseVertex.Op.Add), "d2", "d3")
                .addLayer("out", new org.deeplearning4j.nn.conf.layers.OutputLayer.Builder().nIn(3).nOut(2)
                        .activation(org.nd4j.linalg.activations.Activation.SOFTMAX).build(), "sum")
                .setOutputs("out").build();
        var graph = new org.deeplearning4j.nn.graph.ComputationGraph(conf);
        graph.init();
        var frozen = new org.deeplearning4j.nn.transferlearning.TransferLearning.GraphBuilder(graph).setFeatureExtractor("d1").build();
        Batches none = Batches.inMemory(new org.nd4j.linalg.dataset.DataSet(
                org.nd4j.linalg.factory.Nd4j.zeros(1, 4), org.nd4j.linalg.factory.Nd4j.zeros(1, 2)));
        List<String> lines = new ArrayList<>();
        FrozenFeatureCache cache = new FrozenFeatureCache(none, none, true, true, EventSink.lines(lines::add));
        Net net = Net.of(frozen);
        assertEquals(java.util.Optional.of("layer `d2` trains but is not in one chain of layers above the frozen ones"),
                cache.unsupported(net).map(w -> w.replace("`d3`", "`d2`")));
        assertFalse(cache.target(net).cached());
        assertEquals(1, lines.size(), String.join("\n", lines));
    }
}
