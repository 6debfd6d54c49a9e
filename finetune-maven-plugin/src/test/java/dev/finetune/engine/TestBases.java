package dev.finetune.engine;

import dev.finetune.engine.job.FinetuneJob;
import dev.finetune.engine.job.JobOptions;
import dev.finetune.engine.report.RunInfo;
import dev.finetune.engine.event.EventSink;
import dev.finetune.spec.FinetuneSpec;
import dev.finetune.engine.model.Net;
import org.deeplearning4j.nn.conf.ComputationGraphConfiguration;
import org.deeplearning4j.nn.conf.MultiLayerConfiguration;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.layers.DenseLayer;
import org.deeplearning4j.nn.conf.layers.OutputLayer;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.nn.weights.WeightInit;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.learning.config.Adam;
import org.nd4j.linalg.lossfunctions.LossFunctions;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Real base models for engine tests: small dense networks pretrained on the UCI digits 0-4 (the test copy of
 * digits.csv), and the digits 5-9 written as a CSV to fine-tune on.
 */
public final class TestBases {

    private TestBases() {
    }

    public static List<String> digitRows(boolean upper) throws IOException {
        try (InputStream in = TestBases.class.getResourceAsStream("/data/digits.csv")) {
            List<String> rows = new ArrayList<>();
            for (String line : new String(in.readAllBytes(), StandardCharsets.UTF_8).split("\n")) {
                int label = Integer.parseInt(line.substring(line.lastIndexOf(',') + 1).trim());
                if ((label >= 5) == upper) {
                    rows.add(line.trim());
                }
            }
            return rows;
        }
    }

    /**
     * The spec lines that fine-tune on {@link #writeProject}'s digits 5-9, split 30/20/50 with seed 3: three lines in
     * block style, so the located messages tests expect keep their line numbers.
     */
    public static final String UPPER_DIGITS = upperDigits(0.3, 0.2, 0.5);

    /** {@link #UPPER_DIGITS} with other split ratios. */
    public static String upperDigits(double train, double validation, double test) {
        return "dataset:\n  path: data/upper.csv\n  split: { train: " + train + ", validation: " + validation + ", test: " + test
                + ", seed: 3 }\n";
    }

    /**
     * A project directory as the engine tests use it: digits 5-9 in {@code data/upper.csv} and a dense base pretrained
     * on digits 0-4 in {@code mln.zip} (and, with {@code withGraph}, the same as a ComputationGraph in
     * {@code graph.zip}).
     */
    public static void writeProject(Path project, boolean withGraph) throws IOException {
        Files.createDirectories(project.resolve("data"));
        writeUpperDigits(project.resolve("data/upper.csv"));
        multiLayerBase(project.resolve("mln.zip"));
        if (withGraph) {
            graphBase(project.resolve("graph.zip"));
        }
    }

    /** A job over {@code spec} in {@code project}, its base the spec's {@code base.path}, with fixed run facts. */
    public static FinetuneJob job(FinetuneSpec spec, Path project, Path out, EventSink log, JobOptions options) {
        return new FinetuneJob(spec, project, project.resolve(spec.base().path().orElseThrow()), out,
                data -> new RunInfo("test", "test", 1, 1, "passive", "17", "test", data.classes()), log, options);
    }

    /** Digits 5-9 as a CSV file: 64 pixel columns, then the label. */
    public static Path writeUpperDigits(Path file) throws IOException {
        Files.write(file, digitRows(true), StandardCharsets.UTF_8);
        return file;
    }

    /** A 64-32-16-5 network (layers "hidden1", "hidden2", "out") trained for a few epochs on digits 0-4. */
    public static Path multiLayerBase(Path file) throws IOException {
        MultiLayerConfiguration conf = new NeuralNetConfiguration.Builder()
                .seed(11).updater(new Adam(1e-2)).weightInit(WeightInit.XAVIER)
                .list()
                .layer(new DenseLayer.Builder().name("hidden1").nIn(64).nOut(32).activation(Activation.RELU).build())
                .layer(new DenseLayer.Builder().name("hidden2").nIn(32).nOut(16).activation(Activation.RELU).build())
                .layer(new OutputLayer.Builder(LossFunctions.LossFunction.MCXENT).name("out").nIn(16).nOut(5)
                        .activation(Activation.SOFTMAX).build())
                .build();
        MultiLayerNetwork net = new MultiLayerNetwork(conf);
        net.init();
        return pretrain(Net.of(net), file);
    }

    /** The same shape as a ComputationGraph: input "in", layers "hidden1", "hidden2", "out". */
    public static Path graphBase(Path file) throws IOException {
        ComputationGraphConfiguration conf = new NeuralNetConfiguration.Builder()
                .seed(11).updater(new Adam(1e-2)).weightInit(WeightInit.XAVIER)
                .graphBuilder()
                .addInputs("in")
                .addLayer("hidden1", new DenseLayer.Builder().nIn(64).nOut(32).activation(Activation.RELU).build(), "in")
                .addLayer("hidden2", new DenseLayer.Builder().nIn(32).nOut(16).activation(Activation.RELU).build(), "hidden1")
                .addLayer("out", new OutputLayer.Builder(LossFunctions.LossFunction.MCXENT).nIn(16).nOut(5)
                        .activation(Activation.SOFTMAX).build(), "hidden2")
                .setOutputs("out")
                .build();
        ComputationGraph net = new ComputationGraph(conf);
        net.init();
        return pretrain(Net.of(net), file);
    }

    /** A few full-batch epochs on digits 0-4, then saved as a DL4J model zip. */
    private static Path pretrain(Net net, Path file) throws IOException {
        DataSet lower = lowerDigits();
        for (int i = 0; i < 30; i++) {
            net.fit(lower);
        }
        net.save(file);
        return file;
    }

    private static DataSet lowerDigits() throws IOException {
        List<String> rows = digitRows(false);
        INDArray features = Nd4j.zeros(DataType.FLOAT, rows.size(), 64);
        INDArray labels = Nd4j.zeros(DataType.FLOAT, rows.size(), 5);
        for (int r = 0; r < rows.size(); r++) {
            String[] cells = rows.get(r).split(",");
            for (int c = 0; c < 64; c++) {
                features.putScalar(r, c, Float.parseFloat(cells[c]) / 16f);
            }
            labels.putScalar(r, Integer.parseInt(cells[64]), 1f);
        }
        return new DataSet(features, labels);
    }
}
