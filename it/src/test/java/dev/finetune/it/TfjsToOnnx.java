package dev.finetune.it;

import com.fasterxml.jackson.databind.JsonNode;
import com.google.protobuf.CodedOutputStream;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Writes the same TF.js layers model {@link TfjsToKeras} converts (the MobileNetV2 of the npm package {@code nsfwjs}
 * 4.4.0, MIT) as an ONNX model (IR 7, opset 13), so the plugin's ONNX vision path has a real pretrained image
 * model: no ONNX vision model is reachable from this build's registries. The wire format is written with
 * protobuf-java's {@link CodedOutputStream}; the field numbers are onnx.proto's.
 *
 * <p>The graph takes {@code image float[batch, 3, size, size]}, channels first (NCHW), as PyTorch exports do and as
 * ONNX's Conv computes natively, so no Transpose precedes the body. Each Keras layer becomes the ONNX operator(s)
 * computing the same function, its output tensor named after the layer: ZeroPadding2D → Pad; Conv2D → Conv;
 * DepthwiseConv2D → Conv with {@code group} = channels; BatchNormalization → BatchNormalization (not folded into the
 * convolution, so the weights stay as published); ReLU(max_value 6) → Clip(0, 6); Add → Add; AveragePooling2D →
 * AveragePool; Flatten → Transpose to channels last then Flatten (Keras' element order); Dense → Gemm (+ Relu or
 * Softmax); Dropout → Identity. The graph's outputs: {@code dense_3} (its own 5-class softmax), {@code flatten_1} (the
 * pooled 1280 features), {@code dense_1} (the 256-unit layer above them) and {@code out_relu} (the last feature map,
 * {@code [batch, 1280, size/32, size/32]}).
 *
 * <p>The nsfwjs weights are published uint8-quantised; they are stored so (uint8 initializer plus its scale and
 * minimum) and dequantised in the graph as TF.js does, in double then rounded to float32 ({@code Cast → Mul → Add →
 * Cast}, which ONNX Runtime folds once at load): the float32 weights are bit-identical to the Keras file's, and the
 * file is a quarter of the float32 size. {@code size} re-declares the input size as {@link TfjsToKeras} does.
 * <pre>
 * cd /tmp &amp;&amp; npm pack nsfwjs@4.4.0 &amp;&amp; tar xzf nsfwjs-4.4.0.tgz
 * mvn -B -q -pl it test-compile exec:java -Pconvert-mobilenet-onnx -Dtfjs.dir=/tmp/package/dist/models/mobilenet_v2 -Dtfjs.size=64
 * </pre>
 */
public final class TfjsToOnnx {

    private static final int FLOAT = 1;
    private static final int UINT8 = 2;
    private static final int INT64 = 7;
    private static final int DOUBLE = 11;

    private static final List<String> EXTRA_OUTPUTS = List.of("flatten_1", "dense_1", "out_relu");

    private TfjsToOnnx() {
    }

    public static void main(String[] args) throws IOException {
        if (args.length < 2) {
            System.err.println("usage: TfjsToOnnx <tfjs model dir> <out.onnx> [input size]");
            System.exit(2);
        }
        Path dir = Path.of(args[0]);
        Path out = Path.of(args[1]);
        int size = args.length > 2 && !args[2].isBlank() ? Integer.parseInt(args[2].trim()) : 0;
        TfjsToKeras.Model model = TfjsToKeras.read(dir);
        if (size > 0) {
            model = model.resized(size);
        }
        byte[] bytes = new TfjsToOnnx.Converter(model, quantization(dir)).model();
        Files.createDirectories(out.toAbsolutePath().getParent());
        Path tmp = Files.createTempFile(out.toAbsolutePath().getParent(), out.getFileName().toString(), ".tmp");
        Files.write(tmp, bytes);
        Files.setPosixFilePermissions(tmp, java.nio.file.attribute.PosixFilePermissions.fromString("rw-r--r--"));
        Files.move(tmp, out, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        System.out.printf("wrote %s: %,d bytes%n", out, bytes.length);
    }

    /** Each quantised weight's TF.js {@code [min, scale]}, by weight name. */
    private static Map<String, double[]> quantization(Path dir) throws IOException {
        Path js = dir.resolve("model.min.js");
        JsonNode manifest = Files.exists(js) ? TfjsToKeras.objectLiteral(Files.readString(js))
                : new com.fasterxml.jackson.databind.ObjectMapper().readTree(dir.resolve("model.json").toFile());
        Map<String, double[]> q = new HashMap<>();
        for (JsonNode group : manifest.path("weightsManifest")) {
            for (JsonNode entry : group.path("weights")) {
                JsonNode quant = entry.path("quantization");
                if (quant.path("dtype").asText().equals("uint8")) {
                    q.put(entry.path("name").asText(), new double[] {quant.path("min").asDouble(), quant.path("scale").asDouble()});
                }
            }
        }
        return q;
    }

    /** One protobuf message being written: fields in the order they are added. */
    static final class Message {
        private final ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        private final CodedOutputStream out = CodedOutputStream.newInstance(bytes);

        Message int64(int field, long value) {
            return write(() -> out.writeInt64(field, value));
        }

        Message float32(int field, float value) {
            return write(() -> out.writeFloat(field, value));
        }

        Message string(int field, String value) {
            return write(() -> out.writeString(field, value));
        }

        Message bytes(int field, byte[] value) {
            return write(() -> out.writeByteArray(field, value));
        }

        Message message(int field, Message value) {
            return bytes(field, value.toByteArray());
        }

        byte[] toByteArray() {
            write(out::flush);
            return bytes.toByteArray();
        }

        private interface Write {
            void run() throws IOException;
        }

        private Message write(Write w) {
            try {
                w.run();
            } catch (IOException e) {
                throw new IllegalStateException(e); // a ByteArrayOutputStream does not fail
            }
            return this;
        }
    }

    /** Walks the Keras topology in its (topological) order, emitting nodes and initializers into one GraphProto. */
    static final class Converter {
        private final TfjsToKeras.Model model;
        private final Map<String, double[]> quantization;
        private final Message graph = new Message();
        private final List<Message> nodes = new ArrayList<>();
        private final List<Message> initializers = new ArrayList<>();
        /** Each layer's output as {@code [channels, height, width]} or {@code [features]}. */
        private final Map<String, long[]> shapes = new LinkedHashMap<>();
        private int counter;

        Converter(TfjsToKeras.Model model, Map<String, double[]> quantization) {
            this.model = model;
            this.quantization = quantization;
        }

        byte[] model() {
            String input = null;
            String last = null;
            for (JsonNode layer : model.modelConfig().path("config").path("layers")) {
                String name = layer.path("name").asText();
                String type = layer.path("class_name").asText();
                JsonNode c = layer.path("config");
                List<String> in = new ArrayList<>();
                for (JsonNode node : layer.path("inbound_nodes")) {
                    for (JsonNode edge : node) {
                        // the input layer's tensor is the graph input, named `image`
                        in.add(edge.get(0).asText().equals(input) ? "image" : edge.get(0).asText());
                    }
                }
                switch (type) {
                    case "InputLayer" -> {
                        JsonNode s = c.path("batch_input_shape");
                        shapes.put("image", new long[] {s.get(3).asLong(), s.get(1).asLong(), s.get(2).asLong()});
                        input = name;
                        continue;
                    }
                    case "ZeroPadding2D" -> pad(name, in.get(0), c);
                    case "Conv2D" -> conv(name, in.get(0), c, false);
                    case "DepthwiseConv2D" -> conv(name, in.get(0), c, true);
                    case "BatchNormalization" -> batchNorm(name, in.get(0), c);
                    case "ReLU" -> relu(name, in.get(0), c);
                    case "Add" -> {
                        node("Add", in, List.of(name), List.of());
                        shapes.put(name, shapes.get(in.get(0)));
                    }
                    case "AveragePooling2D" -> averagePool(name, in.get(0), c);
                    case "Flatten" -> flatten(name, in.get(0));
                    case "Dense" -> dense(name, in.get(0), c);
                    case "Dropout" -> {
                        node("Identity", in, List.of(name), List.of());
                        shapes.put(name, shapes.get(in.get(0)));
                    }
                    default -> throw new IllegalArgumentException("layer " + name + ": " + type + " is not converted");
                }
                last = name;
            }
            if (input == null || last == null) {
                throw new IllegalArgumentException("no input layer or no layers");
            }
            graph.string(2, model.modelConfig().path("config").path("name").asText("model"));
            nodes.forEach(n -> graph.message(1, n));
            initializers.forEach(t -> graph.message(5, t));
            long[] in = shapes.get("image");
            graph.message(11, valueInfo("image", FLOAT, List.of("batch", in[0], in[1], in[2])));
            List<String> outputs = new ArrayList<>(List.of(last));
            outputs.addAll(EXTRA_OUTPUTS);
            for (String output : outputs) {
                List<Object> dims = new ArrayList<>(List.of("batch"));
                for (long d : shapes.get(output)) {
                    dims.add(d);
                }
                graph.message(12, valueInfo(output, FLOAT, dims));
            }
            return new Message()
                    .int64(1, 7) // IR version 7: opset 13's
                    .string(2, "finetune TfjsToOnnx")
                    .string(3, "1")
                    .message(7, graph)
                    .message(8, new Message().string(1, "").int64(2, 13))
                    .string(6, "MobileNetV2 of the npm package nsfwjs 4.4.0 (MIT), converted from its TF.js layers model by"
                            + " dev.finetune.it.TfjsToOnnx; input NCHW float 0..1")
                    .toByteArray();
        }

        private void node(String op, List<String> inputs, List<String> outputs, List<Message> attributes) {
            Message n = new Message();
            inputs.forEach(i -> n.string(1, i));
            outputs.forEach(o -> n.string(2, o));
            n.string(3, outputs.get(0) + "/" + op);
            n.string(4, op);
            attributes.forEach(a -> n.message(5, a));
            nodes.add(n);
        }

        private String temp(String base) {
            return base + "/" + (counter++);
        }

        private void pad(String name, String in, JsonNode c) {
            JsonNode p = c.path("padding");
            long top = p.get(0).get(0).asLong();
            long bottom = p.get(0).get(1).asLong();
            long left = p.get(1).get(0).asLong();
            long right = p.get(1).get(1).asLong();
            String pads = int64s(name + "/pads", new long[] {0, 0, top, left, 0, 0, bottom, right});
            node("Pad", List.of(in, pads), List.of(name), List.of(stringAttribute("mode", "constant")));
            long[] s = shapes.get(in);
            shapes.put(name, new long[] {s[0], s[1] + top + bottom, s[2] + left + right});
        }

        private void conv(String name, String in, JsonNode c, boolean depthwise) {
            long[] s = shapes.get(in);
            int kh = c.path("kernel_size").get(0).asInt();
            int kw = c.path("kernel_size").get(1).asInt();
            int sh = c.path("strides").get(0).asInt();
            int sw = c.path("strides").get(1).asInt();
            requireOnes(name, c.path("dilation_rate"));
            TfjsToKeras.Weight k = weight(name + (depthwise ? "/depthwise_kernel" : "/kernel"));
            long channelsIn = k.shape()[2];
            long out = depthwise ? channelsIn * k.shape()[3] : k.shape()[3];
            // Keras [kh, kw, in, out] (depthwise: [kh, kw, in, multiplier]) → ONNX [out, in / group, kh, kw]
            long[] onnxShape = depthwise ? new long[] {out, 1, kh, kw} : new long[] {out, channelsIn, kh, kw};
            int[] permutation = new int[k.values().length];
            for (int o = 0; o < out; o++) {
                for (int i = 0; i < onnxShape[1]; i++) {
                    for (int y = 0; y < kh; y++) {
                        for (int x = 0; x < kw; x++) {
                            int to = (int) (((o * onnxShape[1] + i) * kh + y) * kw + x);
                            int from = depthwise
                                    ? (int) (((y * kw + x) * channelsIn + o / k.shape()[3]) * k.shape()[3] + o % k.shape()[3])
                                    : (int) (((y * kw + x) * channelsIn + i) * out + o);
                            permutation[to] = from;
                        }
                    }
                }
            }
            String w = weightTensor(name + (depthwise ? "/depthwise_kernel" : "/kernel"), onnxShape, permutation);
            List<String> inputs = new ArrayList<>(List.of(in, w));
            if (c.path("use_bias").asBoolean(true)) {
                inputs.add(weightTensor(name + "/bias", new long[] {out}, null));
            }
            String padding = c.path("padding").asText();
            List<Message> attributes = new ArrayList<>(List.of(
                    intsAttribute("kernel_shape", kh, kw), intsAttribute("strides", sh, sw),
                    stringAttribute("auto_pad", padding.equals("same") ? "SAME_UPPER" : "VALID")));
            if (depthwise) {
                attributes.add(intAttribute("group", channelsIn));
            }
            String activation = c.path("activation").asText("linear");
            String convOut = activation.equals("linear") ? name : temp(name);
            node("Conv", inputs, List.of(convOut), attributes);
            activation(activation, convOut, name);
            long h = padding.equals("same") ? (s[1] + sh - 1) / sh : (s[1] - kh) / sh + 1;
            long wd = padding.equals("same") ? (s[2] + sw - 1) / sw : (s[2] - kw) / sw + 1;
            shapes.put(name, new long[] {out, h, wd});
        }

        private void batchNorm(String name, String in, JsonNode c) {
            if (c.path("axis").asInt(-1) != -1 && c.path("axis").asInt() != 3) {
                throw new IllegalArgumentException(name + ": BatchNormalization over axis " + c.path("axis"));
            }
            long channels = shapes.get(in)[0];
            String scale = c.path("scale").asBoolean(true) ? weightTensor(name + "/gamma", new long[] {channels}, null)
                    : constant(name + "/gamma", channels, 1f);
            String bias = c.path("center").asBoolean(true) ? weightTensor(name + "/beta", new long[] {channels}, null)
                    : constant(name + "/beta", channels, 0f);
            String mean = weightTensor(name + "/moving_mean", new long[] {channels}, null);
            String variance = weightTensor(name + "/moving_variance", new long[] {channels}, null);
            node("BatchNormalization", List.of(in, scale, bias, mean, variance), List.of(name),
                    List.of(floatAttribute("epsilon", (float) c.path("epsilon").asDouble(1e-3))));
            shapes.put(name, shapes.get(in));
        }

        private void relu(String name, String in, JsonNode c) {
            if (c.path("negative_slope").asDouble(0) != 0 || c.path("threshold").asDouble(0) != 0) {
                throw new IllegalArgumentException(name + ": ReLU with a slope or threshold");
            }
            if (c.path("max_value").isNumber()) {
                node("Clip", List.of(in, scalar(name + "/min", 0f), scalar(name + "/max", (float) c.path("max_value").asDouble())),
                        List.of(name), List.of());
            } else {
                node("Relu", List.of(in), List.of(name), List.of());
            }
            shapes.put(name, shapes.get(in));
        }

        private void averagePool(String name, String in, JsonNode c) {
            if (!c.path("padding").asText().equals("valid")) {
                throw new IllegalArgumentException(name + ": AveragePooling2D with padding " + c.path("padding"));
            }
            int ph = c.path("pool_size").get(0).asInt();
            int pw = c.path("pool_size").get(1).asInt();
            int sh = c.path("strides").get(0).asInt();
            int sw = c.path("strides").get(1).asInt();
            node("AveragePool", List.of(in), List.of(name), List.of(intsAttribute("kernel_shape", ph, pw),
                    intsAttribute("strides", sh, sw)));
            long[] s = shapes.get(in);
            shapes.put(name, new long[] {s[0], (s[1] - ph) / sh + 1, (s[2] - pw) / sw + 1});
        }

        /** Keras flattens channels last: transpose NCHW to NHWC first, so the features come in Keras' order. */
        private void flatten(String name, String in) {
            String nhwc = temp(name);
            node("Transpose", List.of(in), List.of(nhwc), List.of(intsAttribute("perm", 0, 2, 3, 1)));
            node("Flatten", List.of(nhwc), List.of(name), List.of(intAttribute("axis", 1)));
            long[] s = shapes.get(in);
            shapes.put(name, new long[] {s[0] * s[1] * s[2]});
        }

        private void dense(String name, String in, JsonNode c) {
            TfjsToKeras.Weight k = weight(name + "/kernel");
            long units = k.shape()[1];
            List<String> inputs = new ArrayList<>(List.of(in, weightTensor(name + "/kernel", k.shape(), null)));
            if (c.path("use_bias").asBoolean(true)) {
                inputs.add(weightTensor(name + "/bias", new long[] {units}, null));
            }
            String activation = c.path("activation").asText("linear");
            String gemmOut = activation.equals("linear") ? name : temp(name);
            node("Gemm", inputs, List.of(gemmOut), List.of());
            activation(activation, gemmOut, name);
            shapes.put(name, new long[] {units});
        }

        private void activation(String activation, String in, String out) {
            switch (activation) {
                case "linear" -> { }
                case "relu" -> node("Relu", List.of(in), List.of(out), List.of());
                case "softmax" -> node("Softmax", List.of(in), List.of(out), List.of(intAttribute("axis", -1)));
                default -> throw new IllegalArgumentException(out + ": activation " + activation + " is not converted");
            }
        }

        private static void requireOnes(String name, JsonNode dilation) {
            for (JsonNode d : dilation) {
                if (d.asInt() != 1) {
                    throw new IllegalArgumentException(name + ": dilated convolution");
                }
            }
        }

        private TfjsToKeras.Weight weight(String name) {
            TfjsToKeras.Weight w = model.weights().get(name);
            if (w == null) {
                throw new IllegalArgumentException("no weight " + name);
            }
            return w;
        }

        /**
         * A weight as an initializer, its values in the order {@code permutation} gives (index into the Keras values;
         * null: as they are). A uint8-quantised weight whose values the quantisation reproduces exactly is stored
         * quantised and dequantised by the graph; the tensor returned is its float32 value either way.
         */
        private String weightTensor(String weightName, long[] shape, int[] permutation) {
            TfjsToKeras.Weight w = weight(weightName);
            float[] values = w.values();
            double[] q = quantization.get(weightName);
            if (q != null) {
                byte[] quantised = new byte[values.length];
                boolean exact = true;
                for (int i = 0; i < values.length && exact; i++) {
                    float v = values[permutation == null ? i : permutation[i]];
                    long level = Math.round((v - q[0]) / q[1]);
                    exact = level >= 0 && level <= 255 && (float) (level * q[1] + q[0]) == v;
                    quantised[i] = (byte) level;
                }
                if (exact) {
                    String stored = weightName + "/quantized";
                    initializers.add(tensor(stored, UINT8, shape, quantised));
                    String asDouble = temp(weightName);
                    node("Cast", List.of(stored), List.of(asDouble), List.of(intAttribute("to", DOUBLE)));
                    String scaled = temp(weightName);
                    node("Mul", List.of(asDouble, doubleScalar(weightName + "/scale", q[1])), List.of(scaled), List.of());
                    String shifted = temp(weightName);
                    node("Add", List.of(scaled, doubleScalar(weightName + "/min", q[0])), List.of(shifted), List.of());
                    node("Cast", List.of(shifted), List.of(weightName), List.of(intAttribute("to", FLOAT)));
                    return weightName;
                }
            }
            ByteBuffer raw = ByteBuffer.allocate(values.length * 4).order(ByteOrder.LITTLE_ENDIAN);
            for (int i = 0; i < values.length; i++) {
                raw.putFloat(values[permutation == null ? i : permutation[i]]);
            }
            initializers.add(tensor(weightName, FLOAT, shape, raw.array()));
            return weightName;
        }

        private String constant(String name, long size, float value) {
            ByteBuffer raw = ByteBuffer.allocate((int) size * 4).order(ByteOrder.LITTLE_ENDIAN);
            for (int i = 0; i < size; i++) {
                raw.putFloat(value);
            }
            initializers.add(tensor(name, FLOAT, new long[] {size}, raw.array()));
            return name;
        }

        private String scalar(String name, float value) {
            initializers.add(tensor(name, FLOAT, new long[0],
                    ByteBuffer.allocate(4).order(ByteOrder.LITTLE_ENDIAN).putFloat(value).array()));
            return name;
        }

        private String doubleScalar(String name, double value) {
            initializers.add(tensor(name, DOUBLE, new long[0],
                    ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putDouble(value).array()));
            return name;
        }

        private String int64s(String name, long[] values) {
            ByteBuffer raw = ByteBuffer.allocate(values.length * 8).order(ByteOrder.LITTLE_ENDIAN);
            for (long v : values) {
                raw.putLong(v);
            }
            initializers.add(tensor(name, INT64, new long[] {values.length}, raw.array()));
            return name;
        }

        /** TensorProto: dims (1), data_type (2), name (8), raw_data (9, little-endian). */
        private static Message tensor(String name, int type, long[] dims, byte[] raw) {
            Message t = new Message();
            for (long d : dims) {
                t.int64(1, d);
            }
            return t.int64(2, type).string(8, name).bytes(9, raw);
        }

        /** ValueInfoProto → TypeProto.tensor_type → elem_type, shape (dim_value or dim_param). */
        private static Message valueInfo(String name, int type, List<Object> dims) {
            Message shape = new Message();
            for (Object d : dims) {
                shape.message(1, d instanceof Long l ? new Message().int64(1, l) : new Message().string(2, d.toString()));
            }
            Message tensorType = new Message().int64(1, type).message(2, shape);
            return new Message().string(1, name).message(2, new Message().message(1, tensorType));
        }

        /** AttributeProto: name (1), f (2), i (3), s (4), ints (8), type (20: FLOAT 1, INT 2, STRING 3, INTS 7). */
        private static Message intAttribute(String name, long value) {
            return new Message().string(1, name).int64(3, value).int64(20, 2);
        }

        private static Message floatAttribute(String name, float value) {
            return new Message().string(1, name).float32(2, value).int64(20, 1);
        }

        private static Message stringAttribute(String name, String value) {
            return new Message().string(1, name).bytes(4, value.getBytes(StandardCharsets.UTF_8)).int64(20, 3);
        }

        private static Message intsAttribute(String name, long... values) {
            Message a = new Message().string(1, name);
            for (long v : values) {
                a.int64(8, v);
            }
            return a.int64(20, 7);
        }
    }
}
