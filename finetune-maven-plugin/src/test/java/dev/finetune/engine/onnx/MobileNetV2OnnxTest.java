package dev.finetune.engine.onnx;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.finetune.engine.data.ImageShape;
import dev.finetune.engine.model.BaseFormat;
import dev.finetune.engine.model.BaseModelInfo;
import dev.finetune.engine.model.Net;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

import javax.imageio.ImageIO;
import java.awt.image.BufferedImage;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The real MobileNetV2 of nsfwjs 4.4.0 as an ONNX model (written by it/'s TfjsToOnnx, channels first, see
 * src/test/resources/onnx/README.md): inspected in plain Java, and run by ONNX Runtime with outputs equal to TF.js'
 * own reference and to DL4J's import of the same network's Keras .h5 on real Fashion-MNIST images, within 1e-5.
 */
class MobileNetV2OnnxTest {

    private static final String FILE = "mobilenet-v2-64.onnx";
    private static final ImageShape NCHW = new ImageShape(64, 64, 3, false);

    @TempDir
    Path dir;

    private Path copy(String resource, String name) throws Exception {
        Path file = dir.resolve(name);
        try (InputStream in = MobileNetV2OnnxTest.class.getResourceAsStream(resource)) {
            Files.copy(in, file);
        }
        return file;
    }

    @Test
    void inspectedWithoutNativeCodeAsAChannelsFirstImageModel() throws Exception {
        Path file = copy("/onnx/" + FILE, FILE);
        BaseFormat format = BaseFormat.of(file);
        BaseModelInfo info = format.inspect(file);
        assertTrue(info.frozenOnly());
        assertFalse(format.channelsLast(file), "the input is [batch, 3, 64, 64]");
        assertEquals(Optional.of(List.of(3L, 64L, 64L)), info.inputShape(), "a flat row's order: channels first");
        assertTrue(info.summary().contains("inputs image float[batch, 3, 64, 64]"), info.summary());
        assertTrue(info.summary().contains("outputs dense_3 float[batch, 5], flatten_1 float[batch, 1280]"), info.summary());
        // the body, then its four outputs: the head reads the one `base.output` names
        assertEquals(List.of(FILE, "dense_3", "flatten_1", "dense_1", "out_relu"), info.names());
        assertEquals(-1L, info.layers().get(0).nOut(), "several outputs: the body itself has no one size");
        assertEquals(1280L, info.layers().get(2).nOut());
        assertEquals(1280L, info.layers().get(4).nOut(), "a feature map gives its channels, averaged over positions");
        assertEquals("2x2x1280", info.layers().get(4).shapeText());
        // the initializers: the uint8 weights (as published) with their scales, the float BatchNorm statistics
        long keras = BaseFormat.inspectAny(copy("/keras/mobilenet-v2-64.h5", "m.h5")).params().orElseThrow();
        long onnx = info.layers().get(0).params().orElseThrow();
        assertTrue(onnx > keras && onnx < keras + 5_000, "ONNX " + onnx + " vs Keras " + keras + " parameters");
    }

    /** TF.js' committed reference (cpu backend, float32) on the formula images MobileNetV2ImportTest also uses. */
    @Test
    void onnxRuntimeComputesWhatTfjsComputes() throws Exception {
        Path file = copy("/onnx/" + FILE, FILE);
        JsonNode reference;
        try (InputStream in = MobileNetV2OnnxTest.class.getResourceAsStream("/keras/mobilenet-v2-64-reference.json")) {
            reference = new ObjectMapper().readTree(in);
        }
        int size = reference.path("size").asInt();
        int images = reference.path("images").asInt();
        double features = 0;
        double dense = 0;
        double softmax = 0;
        double pooled = 0;
        try (ImageEncoder f = ImageEncoder.open(file, NCHW, Optional.of("flatten_1"), 1);
             ImageEncoder d = ImageEncoder.open(file, NCHW, Optional.of("dense_1"), 1);
             ImageEncoder first = ImageEncoder.open(file, NCHW, Optional.empty(), 1);
             ImageEncoder map = ImageEncoder.open(file, NCHW, Optional.of("out_relu"), 1)) {
            assertEquals("dense_3", first.output(), "no `base.output`: the model's first output");
            assertTrue(map.pooled() && !f.pooled());
            for (int n = 0; n < images; n++) {
                float[] row = new float[3 * size * size];
                for (int y = 0; y < size; y++) {
                    for (int x = 0; x < size; x++) {
                        for (int c = 0; c < 3; c++) {
                            row[NCHW.index(y, x, c)] = (float) (((n * 7 + y * 13 + x * 17 + c * 29 + (y * x) % 11) % 256) / 255.0);
                        }
                    }
                }
                float[] v = f.encode(row);
                features = Math.max(features, maxAbs(v, reference.path("flatten_1").get(n)));
                dense = Math.max(dense, maxAbs(d.encode(row), reference.path("dense_1").get(n)));
                softmax = Math.max(softmax, maxAbs(first.encode(row), reference.path("dense_3").get(n)));
                float[] averaged = map.encode(row);
                for (int i = 0; i < v.length; i++) {
                    pooled = Math.max(pooled, Math.abs(averaged[i] - v[i]));
                }
            }
        }
        System.out.printf(Locale.ROOT, "MobileNetV2 ONNX 64x64, max |ONNX Runtime - TF.js|: features %.3g, dense_1 %.3g,"
                + " softmax %.3g; out_relu averaged vs flatten_1 %.3g%n", features, dense, softmax, pooled);
        // the pooled ReLU6 features reach ~6: float32 sums over 1280 channels differ by a few 1e-6, 1e-5 relative
        assertTrue(features < 1e-5 * scale(reference.path("flatten_1")), "features: " + features);
        assertTrue(dense < 1e-5, "dense_1: " + dense);
        assertTrue(softmax < 1e-5, "softmax: " + softmax);
        assertTrue(pooled < 1e-5, "the engine's average over out_relu is the model's own AveragePool: " + pooled);
    }

    /** Real images: the same pixels through ONNX Runtime (channels first) and DL4J's Keras import (channels last). */
    @Test
    void onnxRuntimeComputesWhatDl4jsImportOfTheKerasFileComputesOnRealImages() throws Exception {
        Path file = copy("/onnx/" + FILE, FILE);
        List<String> pngs = List.of("trouser/00002.png", "bag/00018.png", "sneaker/00009.png");
        int n = pngs.size();
        ImageShape nhwc = new ImageShape(64, 64, 3, true);
        INDArray keras = Nd4j.zeros(DataType.FLOAT, n, nhwc.size());
        float[][] rows = new float[n][];
        for (int i = 0; i < n; i++) {
            BufferedImage image;
            try (InputStream in = MobileNetV2OnnxTest.class.getResourceAsStream("/onnx/fashion/" + pngs.get(i))) {
                image = ImageIO.read(in);
            }
            rows[i] = new float[NCHW.size()];
            // nearest-neighbour 28 -> 64, grey copied to R, G, B, scaled to 0..1: any fixed pixels do, as both get the same
            for (int y = 0; y < 64; y++) {
                for (int x = 0; x < 64; x++) {
                    float v = (image.getRaster().getSample(x * image.getWidth() / 64, y * image.getHeight() / 64, 0)) / 255f;
                    for (int c = 0; c < 3; c++) {
                        rows[i][NCHW.index(y, x, c)] = v;
                        keras.putScalar(i, nhwc.index(y, x, c), v);
                    }
                }
            }
        }
        Net net = BaseFormat.loadAny(copy("/keras/mobilenet-v2-64.h5", "m.h5"));
        ComputationGraph graph = assertInstanceOf(Net.Graph.class, net).graph();
        Map<String, INDArray> activations = graph.feedForward(keras, false);
        INDArray dl4jFeatures = activations.get("average_pooling2d_1").reshape('c', n, 1280);
        INDArray dl4jSoftmax = net.output(keras);
        double features = 0;
        double softmax = 0;
        double scale = 1;
        float[][] onnxFeatures = new float[n][];
        try (ImageEncoder f = ImageEncoder.open(file, NCHW, Optional.of("flatten_1"), 1);
             ImageEncoder s = ImageEncoder.open(file, NCHW, Optional.empty(), 1)) {
            for (int i = 0; i < n; i++) {
                onnxFeatures[i] = f.encode(rows[i]);
                float[] p = s.encode(rows[i]);
                for (int j = 0; j < 1280; j++) {
                    features = Math.max(features, Math.abs(onnxFeatures[i][j] - dl4jFeatures.getDouble(i, j)));
                    scale = Math.max(scale, Math.abs(onnxFeatures[i][j]));
                }
                for (int j = 0; j < 5; j++) {
                    softmax = Math.max(softmax, Math.abs(p[j] - dl4jSoftmax.getDouble(i, j)));
                }
            }
        }
        System.out.printf(Locale.ROOT, "MobileNetV2 on %d Fashion-MNIST PNGs, max |ONNX Runtime - DL4J|: features %.3g (scale"
                + " %.2f), softmax %.3g%n", n, features, scale, softmax);
        assertTrue(features < 1e-5 * scale, "features: " + features + " (scale " + scale + ")");
        assertTrue(softmax < 1e-5, "softmax: " + softmax);
        // not degenerate: a trouser and a bag give different features
        assertTrue(maxAbs(onnxFeatures[0], onnxFeatures[1]) > 0.1, "the images' features differ");
    }

    private static double scale(JsonNode rows) {
        double scale = 1;
        for (JsonNode row : rows) {
            for (JsonNode v : row) {
                scale = Math.max(scale, Math.abs(v.asDouble()));
            }
        }
        return scale;
    }

    private static double maxAbs(float[] actual, JsonNode expected) {
        assertEquals(expected.size(), actual.length);
        double max = 0;
        for (int i = 0; i < actual.length; i++) {
            max = Math.max(max, Math.abs(actual[i] - expected.get(i).asDouble()));
        }
        return max;
    }

    private static double maxAbs(float[] a, float[] b) {
        double max = 0;
        for (int i = 0; i < a.length; i++) {
            max = Math.max(max, Math.abs(a[i] - b[i]));
        }
        return max;
    }
}
