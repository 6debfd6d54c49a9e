package dev.finetune.engine;

import dev.finetune.engine.data.Batches;
import dev.finetune.engine.event.EventSink;
import dev.finetune.engine.model.Net;
import dev.finetune.engine.train.FrozenFeatureCache;
import dev.finetune.engine.train.TrainingTarget;
import org.deeplearning4j.nn.conf.MultiLayerConfiguration;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.layers.DenseLayer;
import org.deeplearning4j.nn.conf.layers.OutputLayer;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.nn.transferlearning.FineTuneConfiguration;
import org.deeplearning4j.nn.transferlearning.TransferLearning;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.learning.config.Adam;
import org.nd4j.linalg.lossfunctions.LossFunctions;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Optional;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Beyond its memory budget the frozen-feature cache writes the frozen outputs to a file under the output directory
 * and reads them back by row index: the top trains on the same floats and ends with bit-identical parameters.
 */
class FrozenFeatureSpillTest {

    private static Net frozenNet() {
        MultiLayerConfiguration conf = new NeuralNetConfiguration.Builder().seed(3).updater(new Adam(0.01)).list()
                .layer(new DenseLayer.Builder().nIn(10).nOut(24).activation(Activation.TANH).build())
                .layer(new DenseLayer.Builder().nIn(24).nOut(16).activation(Activation.RELU).build())
                .layer(new OutputLayer.Builder(LossFunctions.LossFunction.MCXENT).nIn(16).nOut(3).activation(Activation.SOFTMAX).build())
                .build();
        MultiLayerNetwork net = new MultiLayerNetwork(conf);
        net.init();
        MultiLayerNetwork frozen = new TransferLearning.Builder(net)
                .fineTuneConfiguration(new FineTuneConfiguration.Builder().updater(new Adam(0.01)).seed(3).build())
                .setFeatureExtractor(0).build();
        return Net.of(frozen);
    }

    private static Batches data(int n, long seed) {
        Random random = new Random(seed);
        float[][] x = new float[n][10];
        float[][] y = new float[n][3];
        for (int i = 0; i < n; i++) {
            for (int f = 0; f < 10; f++) {
                x[i][f] = (float) random.nextGaussian();
            }
            y[i][(x[i][0] > 0 ? 1 : 0) + (x[i][1] > 0.5 ? 1 : 0)] = 1;
        }
        return Batches.inMemory(new DataSet(Nd4j.create(x).castTo(DataType.FLOAT), Nd4j.create(y).castTo(DataType.FLOAT)));
    }

    private static float[] trainTop(TrainingTarget target) {
        MultiLayerNetwork top = (MultiLayerNetwork) target.fitted().model();
        Random shuffle = new Random(8);
        for (int epoch = 0; epoch < 3; epoch++) {
            for (Iterator<DataSet> it = target.train().shuffled(32, shuffle); it.hasNext(); ) {
                top.fit(it.next());
            }
        }
        return top.params().toFloatVector();
    }

    private static float[] flat(org.nd4j.linalg.api.ndarray.INDArray a) {
        return a.dup('c').reshape(a.length()).toFloatVector();
    }

    @Test
    void spilledOutputsTrainTheTopToBitIdenticalParameters(@TempDir Path out) throws Exception {
        Batches train = data(1500, 1);
        Batches validation = data(300, 2);
        List<String> lines = new ArrayList<>();
        FrozenFeatureCache inMemory = new FrozenFeatureCache(train, validation, true, true, EventSink.lines(lines::add),
                Optional.of(out), Long.MAX_VALUE);
        // 1500 rows x 24 floats = 144,000 bytes, 300 rows 28,800: a 20,000-byte budget spills both after a chunk
        FrozenFeatureCache spilled = new FrozenFeatureCache(train, validation, true, true, EventSink.lines(lines::add),
                Optional.of(out), 20_000);
        TrainingTarget a = inMemory.target(frozenNet());
        TrainingTarget b = spilled.target(frozenNet());
        assertTrue(lines.stream().anyMatch(l -> l.startsWith("frozen-feature cache: the train outputs (1500 rows, 0.1 MiB) exceed the"
                + " in-memory budget of 0.0 MiB; they are read from " + out)), String.join("\n", lines));
        try (var files = Files.list(out)) {
            assertEquals(2, files.filter(p -> p.getFileName().toString().startsWith(dev.finetune.engine.data.CachePruning.spillPrefix() + "1-")).count(),
                    "train and validation spilled");
        }
        Iterator<DataSet> x = a.validation().inOrder(100);
        Iterator<DataSet> y = b.validation().inOrder(100);
        while (x.hasNext()) {
            DataSet p = x.next();
            DataSet q = y.next();
            assertArrayEquals(flat(p.getFeatures()), flat(q.getFeatures()));
            assertArrayEquals(flat(p.getLabels()), flat(q.getLabels()));
        }
        assertArrayEquals(trainTop(a), trainTop(b));
    }
}
