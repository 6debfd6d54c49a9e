package dev.finetune.engine;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.finetune.engine.model.BaseFormat;
import dev.finetune.engine.model.BaseModelInfo;
import dev.finetune.engine.model.Net;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A real ImageNet-style CNN as a Keras base: the MobileNetV2 of the npm package nsfwjs 4.4.0 (MIT, 2.62 M parameters,
 * TF.js layers format), converted to a Keras 2 .h5 by it/generator's TfjsToKeras and declared for 64x64 inputs (see
 * src/test/resources/keras/README.md). Inspected without ND4J as DL4J numbers its layers, and imported by DL4J with
 * outputs equal to TF.js' own within 1e-5 (reference computed once by it/generator/mobilenet/tfjs_reference.js).
 */
class MobileNetV2ImportTest {

    private static final String FILE = "mobilenet-v2-64.h5";

    @TempDir
    Path dir;

    private Path copy(String name) throws Exception {
        Path file = dir.resolve(name);
        try (InputStream in = MobileNetV2ImportTest.class.getResourceAsStream("/keras/" + name)) {
            Files.copy(in, file);
        }
        return file;
    }

    @Test
    void inspectedAsTheMobileNetV2ItIs() throws Exception {
        BaseModelInfo info = BaseFormat.inspectAny(copy(FILE));
        assertTrue(info.graph());
        assertEquals(Optional.of(List.of(64L, 64L, 3L)), info.inputShape());
        assertEquals(Optional.of(2_619_461L), info.params(), "Keras' own count, moving statistics included");
        assertEquals("Conv1_pad", info.layers().get(0).name());
        assertEquals(256L, info.layers().stream().filter(l -> l.name().equals("dense_1")).findFirst().orElseThrow().nOut());
        assertEquals("dense_3", info.layers().get(info.layers().size() - 1).name());
    }

    @Test
    void importedNetworkComputesWhatTfjsComputes() throws Exception {
        JsonNode reference;
        try (InputStream in = MobileNetV2ImportTest.class.getResourceAsStream("/keras/mobilenet-v2-64-reference.json")) {
            reference = new ObjectMapper().readTree(in);
        }
        int size = reference.path("size").asInt();
        int images = reference.path("images").asInt();
        // the reference's inputs, channels last, flattened per image as a dataset row is
        INDArray input = Nd4j.zeros(DataType.FLOAT, images, size * size * 3);
        for (int n = 0; n < images; n++) {
            int i = 0;
            for (int y = 0; y < size; y++) {
                for (int x = 0; x < size; x++) {
                    for (int c = 0; c < 3; c++) {
                        input.putScalar(n, i++, (float) (((n * 7 + y * 13 + x * 17 + c * 29 + (y * x) % 11) % 256) / 255.0));
                    }
                }
            }
        }
        Net net = BaseFormat.loadAny(copy(FILE));
        ComputationGraph graph = assertInstanceOf(Net.Graph.class, net).graph();
        Map<String, INDArray> activations = graph.feedForward(input, false);
        double features = maxAbsDifference(activations.get("average_pooling2d_1"), reference.path("flatten_1"));
        double dense = maxAbsDifference(activations.get("dense_1"), reference.path("dense_1"));
        double outputs = maxAbsDifference(net.output(input), reference.path("dense_3"));
        System.out.printf(Locale.ROOT, "MobileNetV2 64x64, max |DL4J - TF.js|: features %.3g, dense_1 %.3g, softmax %.3g%n",
                features, dense, outputs);
        // the pooled ReLU6 features reach ~6, so float32 sums over 1280 channels differ by a few 1e-6: 1e-5 relative to that scale
        double scale = 1;
        for (JsonNode row : reference.path("flatten_1")) {
            for (JsonNode v : row) {
                scale = Math.max(scale, Math.abs(v.asDouble()));
            }
        }
        assertTrue(features < 1e-5 * scale, "features: " + features + " (scale " + scale + ")");
        assertTrue(dense < 1e-5, "dense_1: " + dense);
        assertTrue(outputs < 1e-5, "outputs: " + outputs);
        // the inspection (no ND4J) lists the layers DL4J built, in an order DL4J can train in
        assertEquals(graph.getLayers().length, BaseFormat.inspectAny(dir.resolve(FILE)).layers().size());
        java.util.Set<String> built = new java.util.HashSet<>();
        for (var layer : graph.getLayers()) {
            built.add(Net.layerName(layer));
        }
        assertEquals(built, new java.util.HashSet<>(BaseFormat.inspectAny(dir.resolve(FILE)).names()));
        // finetune:layers' shapes (height x width x channels) are the imported network's (channels-last activations)
        int compared = 0;
        for (BaseModelInfo.LayerInfo layer : BaseFormat.inspectAny(dir.resolve(FILE)).layers()) {
            INDArray activation = activations.get(layer.name());
            if (activation != null && activation.rank() == 4) {
                long[] s = activation.shape();
                assertEquals(s[1] + "x" + s[2] + "x" + s[3], layer.shapeText(), layer.name());
                compared++;
            }
        }
        assertTrue(compared > 140, "image layers compared: " + compared);
        assertEquals("32x32x32", BaseFormat.inspectAny(dir.resolve(FILE)).layers().get(1).shapeText(), "Conv1 halves 64x64");
        // not a degenerate reference: ReLU6 zeroes some features and not others, and the two images differ
        long zeros = 0;
        for (JsonNode v : reference.path("flatten_1").get(0)) {
            zeros += v.asDouble() == 0 ? 1 : 0;
        }
        assertTrue(zeros > 0 && zeros < 1280, "zero features: " + zeros);
        assertTrue(Math.abs(reference.path("dense_3").get(0).get(0).asDouble() - reference.path("dense_3").get(1).get(0).asDouble()) > 1e-3);
    }

    private static double maxAbsDifference(INDArray actual, JsonNode expected) {
        INDArray flat = actual.reshape('c', actual.size(0), actual.length() / actual.size(0));
        assertEquals(expected.size(), flat.size(0));
        assertEquals(expected.get(0).size(), flat.size(1));
        double max = 0;
        for (int r = 0; r < expected.size(); r++) {
            for (int c = 0; c < expected.get(r).size(); c++) {
                max = Math.max(max, Math.abs(flat.getDouble(r, c) - expected.get(r).get(c).asDouble()));
            }
        }
        return max;
    }
}
