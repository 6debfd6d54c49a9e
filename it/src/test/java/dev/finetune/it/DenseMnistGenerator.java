package dev.finetune.it;

import org.deeplearning4j.nn.conf.MultiLayerConfiguration;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.layers.DenseLayer;
import org.deeplearning4j.nn.conf.layers.OutputLayer;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.nn.weights.WeightInit;
import org.deeplearning4j.util.ModelSerializer;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.indexing.NDArrayIndex;
import org.nd4j.linalg.learning.config.Adam;
import org.nd4j.linalg.lossfunctions.LossFunctions;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;

/**
 * The {@code larger-than-heap} IT's base: a dense 784-128-5 network pretrained on the MNIST training digits 0-4 (one
 * epoch, seeded), which the IT fine-tunes on all ten digits. Dense, not the example's LeNet, so the IT's 70,000
 * rows take seconds, not minutes, on 2 cores.
 * <pre>
 * mvn -B -o -pl finetune-spec-schema,finetune-maven-plugin,it verify -Pgenerate-dense-base -DskipTests -Dinvoker.skip
 * </pre>
 * Arguments: the folder with the MNIST IDX files (it/generator/mnist), the model zip to write.
 */
public final class DenseMnistGenerator {

    public static void main(String[] args) throws Exception {
        Path mnist = Path.of(args[0]);
        Path target = Path.of(args[1]);
        DataSet train = lowDigits(ExampleGenerator.readMnist(mnist.resolve("train-images-idx3-ubyte.gz"),
                mnist.resolve("train-labels-idx1-ubyte.gz")));
        DataSet test = lowDigits(ExampleGenerator.readMnist(mnist.resolve("t10k-images-idx3-ubyte.gz"),
                mnist.resolve("t10k-labels-idx1-ubyte.gz")));
        MultiLayerConfiguration conf = new NeuralNetConfiguration.Builder()
                .seed(20261201)
                .updater(new Adam(1e-3))
                .weightInit(WeightInit.XAVIER)
                .list()
                .layer(new DenseLayer.Builder().name("hidden").nIn(784).nOut(128).activation(Activation.RELU).build())
                .layer(new OutputLayer.Builder(LossFunctions.LossFunction.MCXENT).name("output").nIn(128).nOut(5)
                        .activation(Activation.SOFTMAX).build())
                .build();
        MultiLayerNetwork net = new MultiLayerNetwork(conf);
        net.init();
        Random random = new Random(7);
        List<Integer> order = new ArrayList<>();
        for (int i = 0; i < train.numExamples(); i++) {
            order.add(i);
        }
        java.util.Collections.shuffle(order, random);
        for (int s = 0; s < order.size(); s += 64) {
            int[] rows = order.subList(s, Math.min(order.size(), s + 64)).stream().mapToInt(Integer::intValue).toArray();
            net.fit(new DataSet(train.getFeatures().getRows(rows), train.getLabels().getRows(rows)));
        }
        INDArray predicted = net.output(test.getFeatures()).argMax(1);
        double accuracy = predicted.eq(test.getLabels().argMax(1)).castTo(DataType.INT32).sumNumber().doubleValue() / test.numExamples();
        System.out.printf("MNIST test digits 0-4: accuracy %.4f (%d training digits)%n", accuracy, train.numExamples());
        Files.createDirectories(target.getParent());
        ModelSerializer.writeModel(net, target.toFile(), false);
        System.out.println("wrote " + target + " sha256 " + ExampleGenerator.sha256(target));
    }

    /** The digits 0-4 of a 10-class data set, with 5-class labels. */
    private static DataSet lowDigits(DataSet all) {
        INDArray classes = all.getLabels().argMax(1);
        List<Integer> keep = new ArrayList<>();
        for (int i = 0; i < all.numExamples(); i++) {
            if (classes.getInt(i) < 5) {
                keep.add(i);
            }
        }
        int[] rows = keep.stream().mapToInt(Integer::intValue).toArray();
        return new DataSet(all.getFeatures().getRows(rows),
                all.getLabels().getRows(rows).get(NDArrayIndex.all(), NDArrayIndex.interval(0, 5)).dup());
    }

    private DenseMnistGenerator() {
    }
}
