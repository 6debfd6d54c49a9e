package dev.finetune.it;

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
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;
import org.nd4j.linalg.learning.config.Adam;
import org.nd4j.linalg.lossfunctions.LossFunctions;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;

/**
 * The plain DL4J program the plugin's epoch is compared with: the same network, data, batch size and optimizer,
 * and per epoch the same work (shuffled minibatches, then one forward pass over the validation rows), written as a
 * user would write it with nothing around it: no events, metrics, early stopping or best-epoch copies.
 */
final class PlainLoop {

    private PlainLoop() {
    }

    /** @return seconds per epoch */
    static List<Double> run(PeerBenchmark.Workload workload, Path csv, Path base, int trainRows, int validationRows,
                            int batch, double learningRate, int epochs) throws IOException {
        Setup setup = setup(workload, csv, base, trainRows, validationRows, learningRate);
        MultiLayerNetwork net = setup.net();
        DataSet train = setup.train();
        DataSet validation = setup.validation();
        Random shuffle = new Random(42);
        List<Double> seconds = new ArrayList<>();
        for (int epoch = 0; epoch < epochs; epoch++) {
            seconds.add(epoch(net, train, validation, batch, shuffle));
        }
        return seconds;
    }

    /** The network to train and its data for a workload: the base as it is, or the cached top on frozen outputs. */
    record Setup(MultiLayerNetwork net, DataSet train, DataSet validation) {
    }

    static Setup setup(PeerBenchmark.Workload workload, Path csv, Path base, int trainRows, int validationRows,
                       double learningRate) throws IOException {
        DataSet[] data = read(csv, trainRows, validationRows);
        DataSet train = data[0];
        DataSet validation = data[1];
        MultiLayerNetwork net = ModelSerializer.restoreMultiLayerNetwork(base.toFile(), false);
        net.setLearningRate(learningRate);
        if (workload == PeerBenchmark.Workload.cached) {
            // frozen convolutions once, as the plugin's cache does; then a dense top (800-200-10) on their outputs
            train = new DataSet(features(net, train.getFeatures()), train.getLabels());
            validation = new DataSet(features(net, validation.getFeatures()), validation.getLabels());
            net = new MultiLayerNetwork(new NeuralNetConfiguration.Builder().seed(42).updater(new Adam(learningRate))
                    .weightInit(WeightInit.XAVIER).list()
                    .layer(new DenseLayer.Builder().nIn(train.getFeatures().size(1)).nOut(200).activation(Activation.RELU).build())
                    .layer(new OutputLayer.Builder(LossFunctions.LossFunction.MCXENT).nIn(200).nOut(10).activation(Activation.SOFTMAX).build())
                    .build());
            net.init();
        }
        return new Setup(net, train, validation);
    }

    /** One epoch as a user writes it: shuffled minibatches, then one forward pass over the validation rows. */
    static double epoch(MultiLayerNetwork net, DataSet train, DataSet validation, int batch, Random shuffle) {
        return epoch(net, train, validation, batch, shuffle, false);
    }

    /** @param pullRows cut minibatches with one native op ({@code Nd4j.pullRows}), as the plugin does, not row by row */
    static double epoch(MultiLayerNetwork net, DataSet train, DataSet validation, int batch, Random shuffle, boolean pullRows) {
        long start = System.nanoTime();
        int trainRows = train.numExamples();
        int validationRows = validation.numExamples();
        List<Integer> order = new ArrayList<>();
        for (int i = 0; i < trainRows; i++) {
            order.add(i);
        }
        Collections.shuffle(order, shuffle);
        for (int s = 0; s < trainRows; s += batch) {
            int[] rows = order.subList(s, Math.min(trainRows, s + batch)).stream().mapToInt(Integer::intValue).toArray();
            net.fit(pullRows ? new DataSet(Nd4j.pullRows(train.getFeatures(), 1, rows, 'c'), Nd4j.pullRows(train.getLabels(), 1, rows, 'c'))
                    : new DataSet(train.getFeatures().getRows(rows), train.getLabels().getRows(rows)));
        }
        long correct = 0;
        for (int s = 0; s < validationRows; s += 512) {
            int end = Math.min(validationRows, s + 512);
            INDArray out = net.output(validation.getFeatures().get(NDArrayIndex.interval(s, end)));
            correct += out.argMax(1).eq(validation.getLabels().get(NDArrayIndex.interval(s, end), NDArrayIndex.all()).argMax(1))
                    .castTo(DataType.INT32).sumNumber().longValue();
        }
        if (correct < 0) {
            throw new IllegalStateException("a negative count");
        }
        return (System.nanoTime() - start) / 1e9;
    }

    /** The frozen layers' (conv1..pool2) outputs, flattened in C order as DL4J's CNN-to-dense preprocessor does. */
    private static INDArray features(MultiLayerNetwork net, INDArray input) {
        List<INDArray> chunks = new ArrayList<>();
        for (long s = 0; s < input.size(0); s += 512) {
            INDArray out = net.feedForwardToLayer(3, input.get(NDArrayIndex.interval(s, Math.min(input.size(0), s + 512))), false).get(4);
            chunks.add(out.reshape('c', out.size(0), out.length() / out.size(0)));
        }
        return Nd4j.concat(0, chunks.toArray(INDArray[]::new));
    }

    /** The first rows for training and the next for validation; pixels / 255, labels one-hot over 10 digits. */
    private static DataSet[] read(Path csv, int trainRows, int validationRows) throws IOException {
        List<String> lines = Files.readAllLines(csv);
        DataSet[] out = new DataSet[2];
        int from = 0;
        int[] counts = {trainRows, validationRows};
        for (int k = 0; k < 2; k++) {
            float[][] x = new float[counts[k]][];
            float[][] y = new float[counts[k]][10];
            for (int r = 0; r < counts[k]; r++) {
                String[] cells = lines.get(from + r).split(",");
                x[r] = new float[cells.length - 1];
                for (int c = 0; c < cells.length - 1; c++) {
                    x[r][c] = Integer.parseInt(cells[c]) / 255f;
                }
                y[r][Integer.parseInt(cells[cells.length - 1])] = 1f;
            }
            out[k] = new DataSet(Nd4j.create(x), Nd4j.create(y));
            from += counts[k];
        }
        return out;
    }
}
