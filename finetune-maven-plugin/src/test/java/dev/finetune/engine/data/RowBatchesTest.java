package dev.finetune.engine.data;

import dev.finetune.engine.TestBases;
import dev.finetune.spec.FinetuneSpec;
import dev.finetune.spec.SpecParser;
import org.deeplearning4j.nn.conf.MultiLayerConfiguration;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.layers.DenseLayer;
import org.deeplearning4j.nn.conf.layers.OutputLayer;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.dataset.api.preprocessor.DataNormalization;
import org.nd4j.linalg.dataset.api.preprocessor.NormalizerStandardize;
import org.nd4j.linalg.learning.config.Adam;
import org.nd4j.linalg.lossfunctions.LossFunctions;

import java.nio.file.Path;
import java.util.Iterator;
import java.util.Optional;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Batches streamed from a row file hold exactly the floats of the in-memory path (the whole split as one array,
 * scaled at once, rows picked per batch), so a network trained on either ends with bit-identical parameters.
 */
class RowBatchesTest {

    @TempDir
    Path dir;

    private SplitData data(String normalize) throws Exception {
        TestBases.writeUpperDigits(dir.resolve("d.csv"));
        FinetuneSpec.DatasetSpec spec = new SpecParser().parse("finetune.yaml", "base: { path: b.zip }\ndataset:\n"
                + "  path: d.csv\n  normalize: " + normalize + "\n  split: { train: 0.6, validation: 0.2, test: 0.2, seed: 4 }\n").dataset();
        SplitData data = new CsvDatasetLoader(dir::resolve, Optional.of(dir.resolve("cache"))).load(spec);
        assertTrue(data.train().store() instanceof RowFeatures.Stored);
        return data;
    }

    /** Today's in-memory path: the split as one data set, scaled whole, batches cut from it. */
    private static Batches inMemory(LabeledRows rows, int classes, Optional<DataNormalization> normalizer) {
        return DataSets.batches(rows, classes, normalizer);
    }

    private static MultiLayerNetwork net(int in, int out) {
        MultiLayerConfiguration conf = new NeuralNetConfiguration.Builder().seed(11).updater(new Adam(0.01)).list()
                .layer(new DenseLayer.Builder().nIn(in).nOut(32).activation(Activation.RELU).dropOut(0.8).build())
                .layer(new OutputLayer.Builder(LossFunctions.LossFunction.MCXENT).nIn(32).nOut(out).activation(Activation.SOFTMAX).build())
                .build();
        MultiLayerNetwork net = new MultiLayerNetwork(conf);
        net.init();
        return net;
    }

    private static float[] train(Batches batches, int in, int out) {
        MultiLayerNetwork net = net(in, out);
        Random shuffle = new Random(5);
        for (int epoch = 0; epoch < 4; epoch++) {
            for (Iterator<DataSet> it = batches.shuffled(16, shuffle); it.hasNext(); ) {
                net.fit(it.next());
            }
        }
        return net.params().toFloatVector();
    }

    private static float[] flat(org.nd4j.linalg.api.ndarray.INDArray a) {
        return a.dup('c').reshape(a.length()).toFloatVector();
    }

    @Test
    void streamedBatchesTrainToBitIdenticalParameters() throws Exception {
        for (String normalize : new String[] {"standardize", "minMax", "none"}) {
            SplitData data = data(normalize);
            FinetuneSpec.Normalization kind = FinetuneSpec.Normalization.valueOf(normalize);
            Optional<DataNormalization> normalizer = RowStatistics.fit(kind, data.train());
            Batches streamed = new RowBatches(data.train(), data.numClasses(), normalizer);
            Batches held = inMemory(data.train(), data.numClasses(), normalizer);
            // every batch of a shuffled epoch, and of an in-order pass, holds the same floats
            Iterator<DataSet> a = streamed.shuffled(16, new Random(3));
            Iterator<DataSet> b = held.shuffled(16, new Random(3));
            int batches = 0;
            while (a.hasNext()) {
                DataSet x = a.next();
                DataSet y = b.next();
                assertArrayEquals(flat(y.getFeatures()), flat(x.getFeatures()));
                assertArrayEquals(flat(y.getLabels()), flat(x.getLabels()));
                batches++;
            }
            assertEquals(b.hasNext(), false);
            assertEquals((data.train().size() + 15) / 16, batches);
            DataSet firstInOrder = new RowBatches(data.validation(), data.numClasses(), normalizer).inOrder(1000).next();
            assertArrayEquals(flat(inMemory(data.validation(), data.numClasses(), normalizer).inOrder(1000).next().getFeatures()),
                    flat(firstInOrder.getFeatures()));

            float[] fromFile = train(streamed, data.featureCount(), data.numClasses());
            float[] fromMemory = train(held, data.featureCount(), data.numClasses());
            assertArrayEquals(fromMemory, fromFile, normalize + ": bit-identical parameters");
            assertNotEquals(0f, fromFile[0]);
        }
    }

    /** The streaming statistics against ND4J's own fit over the whole split as one array. */
    @Test
    void streamingStandardizationMatchesNd4jWithinFloatRounding() throws Exception {
        SplitData data = data("standardize");
        NormalizerStandardize streamed = (NormalizerStandardize) RowStatistics.fit(FinetuneSpec.Normalization.standardize, data.train()).orElseThrow();
        NormalizerStandardize nd4j = (NormalizerStandardize) Normalizers.fit(FinetuneSpec.Normalization.standardize,
                DataSets.of(data.train(), data.numClasses())).orElseThrow();
        float[] m1 = streamed.getMean().toFloatVector();
        float[] m2 = nd4j.getMean().toFloatVector();
        float[] s1 = streamed.getStd().toFloatVector();
        float[] s2 = nd4j.getStd().toFloatVector();
        assertEquals(m2.length, m1.length);
        double worst = 0;
        for (int f = 0; f < m1.length; f++) {
            worst = Math.max(worst, Math.abs(m1[f] - m2[f]) / Math.max(1e-3, Math.abs(m2[f])));
            worst = Math.max(worst, Math.abs(s1[f] - s2[f]) / Math.max(1e-3, Math.abs(s2[f])));
        }
        System.out.println("streaming vs ND4J standardization: worst relative difference " + worst);
        assertTrue(worst < 1e-5, "relative difference " + worst);
        // min/max are exact either way
        var mm1 = (org.nd4j.linalg.dataset.api.preprocessor.NormalizerMinMaxScaler) RowStatistics.fit(FinetuneSpec.Normalization.minMax, data.train()).orElseThrow();
        var mm2 = (org.nd4j.linalg.dataset.api.preprocessor.NormalizerMinMaxScaler) Normalizers.fit(FinetuneSpec.Normalization.minMax,
                DataSets.of(data.train(), data.numClasses())).orElseThrow();
        assertArrayEquals(mm2.getMin().toFloatVector(), mm1.getMin().toFloatVector());
        assertArrayEquals(mm2.getMax().toFloatVector(), mm1.getMax().toFloatVector());
    }
}
