package dev.finetune.it;

import org.deeplearning4j.nn.conf.MultiLayerConfiguration;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.ConvolutionLayer;
import org.deeplearning4j.nn.conf.layers.DenseLayer;
import org.deeplearning4j.nn.conf.layers.OutputLayer;
import org.deeplearning4j.nn.conf.layers.SubsamplingLayer;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.nn.weights.WeightInit;
import org.deeplearning4j.util.ModelSerializer;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.learning.config.Adam;
import org.nd4j.linalg.lossfunctions.LossFunctions;

import java.io.DataInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Random;
import java.util.zip.GZIPInputStream;

/**
 * Makes the bundled example's inputs from data in the repository, so nothing is downloaded:
 * <ol>
 * <li>the base model: a small LeNet-style CNN trained from scratch on MNIST, all ten digits (generator/mnist);</li>
 * <li>the fine-tuning data: the UCI/sklearn 8x8 digits 5-9 (generator/digits.csv), upscaled to 20x20 and padded
 * to 28x28 as MNIST digits are, pixel values 0..255, label in the last column.</li>
 * </ol>
 * Run: {@code mvn -q -pl it test-compile exec:java -Pgenerate-example}. Deterministic for a given thread count.
 */
public final class ExampleGenerator {

    private static final int SIDE = 28;

    public static void main(String[] args) throws Exception {
        Path generator = Path.of(args.length > 0 ? args[0] : "generator");
        Path example = Path.of(args.length > 1 ? args[1] : "example");
        // two OpenMP threads and one BLAS thread: fastest for this CNN on 2 cores, and part of what makes it reproducible
        Nd4j.getEnvironment().setMaxThreads(2);
        org.nd4j.nativeblas.NativeOpsHolder.getInstance().getDeviceNativeOps().setOmpNumThreads(2);
        Nd4j.factory().blas().setMaxThreads(1);
        writeDigits(generator.resolve("digits.csv"), example.resolve("digits-5to9/data/digits-5to9-28x28.csv"));
        trainBase(generator.resolve("mnist"), example.resolve("mnist-lenet/mnist-lenet.zip"));
    }

    static void writeDigits(Path source, Path target) throws IOException {
        List<String> out = new ArrayList<>();
        for (String line : Files.readAllLines(source, StandardCharsets.UTF_8)) {
            String[] cells = line.split(",");
            int label = Integer.parseInt(cells[64].trim());
            if (label < 5) {
                continue;
            }
            float[] small = new float[64];
            for (int i = 0; i < 64; i++) {
                small[i] = Float.parseFloat(cells[i]) * 255f / 16f;
            }
            float[] big = upscaleAndPad(small);
            StringBuilder row = new StringBuilder();
            for (float v : big) {
                row.append(Math.round(v)).append(',');
            }
            out.add(row.append(label).toString());
        }
        Files.createDirectories(target.getParent());
        Files.write(target, out, StandardCharsets.UTF_8);
        System.out.println("wrote " + out.size() + " rows to " + target);
    }

    /** Bilinear 8x8 -> 20x20, centred in a 28x28 frame, like MNIST's 20x20 digit boxes. */
    static float[] upscaleAndPad(float[] small) {
        float[] big = new float[SIDE * SIDE];
        int inner = 20;
        int offset = (SIDE - inner) / 2;
        for (int y = 0; y < inner; y++) {
            for (int x = 0; x < inner; x++) {
                double sy = (y + 0.5) * 8 / inner - 0.5;
                double sx = (x + 0.5) * 8 / inner - 0.5;
                int y0 = (int) Math.floor(sy);
                int x0 = (int) Math.floor(sx);
                double fy = sy - y0;
                double fx = sx - x0;
                double v = (1 - fy) * ((1 - fx) * px(small, y0, x0) + fx * px(small, y0, x0 + 1))
                        + fy * ((1 - fx) * px(small, y0 + 1, x0) + fx * px(small, y0 + 1, x0 + 1));
                big[(y + offset) * SIDE + x + offset] = (float) Math.max(0, Math.min(255, v));
            }
        }
        return big;
    }

    private static double px(float[] img, int y, int x) {
        y = Math.max(0, Math.min(7, y));
        x = Math.max(0, Math.min(7, x));
        return img[y * 8 + x];
    }

    static void trainBase(Path mnist, Path target) throws Exception {
        DataSet train = readMnist(mnist.resolve("train-images-idx3-ubyte.gz"), mnist.resolve("train-labels-idx1-ubyte.gz"));
        DataSet test = readMnist(mnist.resolve("t10k-images-idx3-ubyte.gz"), mnist.resolve("t10k-labels-idx1-ubyte.gz"));
        MultiLayerConfiguration conf = new NeuralNetConfiguration.Builder()
                .seed(20261124)
                .updater(new Adam(1e-3))
                .weightInit(WeightInit.XAVIER)
                .list()
                .layer(new ConvolutionLayer.Builder(5, 5).name("conv1").nOut(20).activation(Activation.RELU).build())
                .layer(new SubsamplingLayer.Builder(SubsamplingLayer.PoolingType.MAX).name("pool1").kernelSize(2, 2).stride(2, 2).build())
                .layer(new ConvolutionLayer.Builder(5, 5).name("conv2").nOut(50).activation(Activation.RELU).build())
                .layer(new SubsamplingLayer.Builder(SubsamplingLayer.PoolingType.MAX).name("pool2").kernelSize(2, 2).stride(2, 2).build())
                .layer(new DenseLayer.Builder().name("fc").nOut(200).activation(Activation.RELU).build())
                .layer(new OutputLayer.Builder(LossFunctions.LossFunction.MCXENT).name("output").nOut(10).activation(Activation.SOFTMAX).build())
                .setInputType(InputType.convolutionalFlat(SIDE, SIDE, 1))
                .build();
        MultiLayerNetwork net = new MultiLayerNetwork(conf);
        net.init();
        Random random = new Random(7);
        long start = System.nanoTime();
        for (int epoch = 0; epoch < 1; epoch++) {
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
            System.out.printf("epoch %d: MNIST test accuracy %.4f (%.0f s)%n", epoch + 1, accuracy, (System.nanoTime() - start) / 1e9);
        }
        Files.createDirectories(target.getParent());
        ModelSerializer.writeModel(net, target.toFile(), false);
        System.out.println("wrote " + target + " sha256 " + sha256(target));
    }

    /** MNIST IDX files, pixels scaled to [0, 1] as ImagePreProcessingScaler does. */
    static DataSet readMnist(Path images, Path labels) throws IOException {
        byte[] pixels;
        byte[] classes;
        int n;
        try (DataInputStream in = new DataInputStream(gunzip(images))) {
            in.readInt();
            n = in.readInt();
            in.readInt();
            in.readInt();
            pixels = in.readNBytes(n * SIDE * SIDE);
        }
        try (DataInputStream in = new DataInputStream(gunzip(labels))) {
            in.readInt();
            in.readInt();
            classes = in.readNBytes(n);
        }
        List<Integer> keep = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            keep.add(i);
        }
        float[][] features = new float[keep.size()][SIDE * SIDE];
        INDArray oneHot = Nd4j.zeros(DataType.FLOAT, keep.size(), 10);
        for (int k = 0; k < keep.size(); k++) {
            int i = keep.get(k);
            for (int p = 0; p < SIDE * SIDE; p++) {
                features[k][p] = (pixels[i * SIDE * SIDE + p] & 0xff) / 255f;
            }
            oneHot.putScalar(k, classes[i], 1f);
        }
        return new DataSet(Nd4j.create(features), oneHot);
    }

    private static InputStream gunzip(Path file) throws IOException {
        return new GZIPInputStream(Files.newInputStream(file));
    }

    static String sha256(Path file) throws Exception {
        return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(Files.readAllBytes(file)));
    }

}
