package dev.finetune.it;

import com.fasterxml.jackson.core.json.JsonReadFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.bytedeco.hdf5.Attribute;
import org.bytedeco.hdf5.DSetAccPropList;
import org.bytedeco.hdf5.DSetCreatPropList;
import org.bytedeco.hdf5.DataSet;
import org.bytedeco.hdf5.DataSpace;
import org.bytedeco.hdf5.FileAccPropList;
import org.bytedeco.hdf5.FileCreatPropList;
import org.bytedeco.hdf5.Group;
import org.bytedeco.hdf5.H5File;
import org.bytedeco.hdf5.LinkCreatPropList;
import org.bytedeco.hdf5.PredType;
import org.bytedeco.hdf5.StrType;
import org.bytedeco.javacpp.BytePointer;
import org.bytedeco.javacpp.FloatPointer;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.bytedeco.hdf5.global.hdf5.H5F_ACC_TRUNC;
import static org.bytedeco.hdf5.global.hdf5.H5F_LIBVER_LATEST;
import static org.bytedeco.hdf5.global.hdf5.H5F_LIBVER_V18;
import static org.bytedeco.hdf5.global.hdf5.H5S_SCALAR;

/**
 * Converts a TensorFlow.js layers model (a Keras 2 topology plus a weights manifest and binary shards, as
 * {@code tensorflowjs_converter} writes them) into the Keras 2 {@code .h5} file that {@code model.save("model.h5")}
 * would have written, with native HDF5 (JavaCPP's hdf5 preset, which DL4J's Keras import already uses): no Python, no
 * Node. Made for the MobileNetV2 in the npm package {@code nsfwjs} 4.4.0 (MIT), whose model files are wrapped as
 * browserify modules ({@code model.min.js}: the model.json as a JavaScript object literal; {@code *.min.js} shards:
 * the weights as a base64 string); plain {@code model.json} and {@code .bin} shards are read too.
 *
 * <p>What it writes: root attributes {@code model_config} (the topology's {@code model_config}, as JSON),
 * {@code keras_version}, {@code backend}; group {@code model_weights} with {@code layer_names}, and per layer with
 * weights a group {@code <layer>} with {@code weight_names} ({@code <layer>/kernel:0}, ...) and the float32 datasets in
 * {@code <layer>/<layer>/}, deflate-compressed (the nsfwjs weights are uint8-quantised, so they compress to about
 * half). Quantised weights are dequantised as TF.js does ({@code q * scale + min}, rounded to float32). The training
 * configuration is left out (a model saved without its optimizer).
 *
 * <p>{@code size} (optional) re-declares the input as {@code size x size}: the convolutions are size-agnostic, and a
 * final {@code AveragePooling2D} that averaged the whole last feature map at the original size (MobileNetV2's 7x7 at
 * 224) is resized to average the whole map at the new one, so the network computes the same function of its
 * pixels, at less cost on small images. The weights are unchanged.
 * <pre>
 * cd /tmp &amp;&amp; npm pack nsfwjs@4.4.0 &amp;&amp; tar xzf nsfwjs-4.4.0.tgz
 * mvn -B -q -pl it test-compile exec:java -Pconvert-mobilenet -Dtfjs.dir=/tmp/package/dist/models/mobilenet_v2 -Dtfjs.size=64
 * </pre>
 */
public final class TfjsToKeras {

    /** TF.js' last feature map: MobileNetV2 halves the input five times. */
    private static final int TOTAL_STRIDE = 32;

    private static final ObjectMapper JSON = new ObjectMapper();

    /** The object literal of a browserify-wrapped model.json: unquoted keys, {@code .5}, {@code !0}/{@code !1}. */
    private static final ObjectMapper LENIENT = JsonMapper.builder()
            .enable(JsonReadFeature.ALLOW_UNQUOTED_FIELD_NAMES)
            .enable(JsonReadFeature.ALLOW_LEADING_DECIMAL_POINT_FOR_NUMBERS)
            .enable(JsonReadFeature.ALLOW_NON_NUMERIC_NUMBERS)
            .build();

    private TfjsToKeras() {
    }

    public static void main(String[] args) throws IOException {
        if (args.length < 2) {
            System.err.println("usage: TfjsToKeras <tfjs model dir> <out.h5> [input size]");
            System.exit(2);
        }
        Path dir = Path.of(args[0]);
        Path out = Path.of(args[1]);
        int size = args.length > 2 && !args[2].isBlank() ? Integer.parseInt(args[2].trim()) : 0;
        Model model = read(dir);
        if (size > 0) {
            model = model.resized(size);
        }
        write(model, out);
        System.out.printf("wrote %s: %d layers, %,d weights, %,d bytes%n", out, model.layerNames().size(),
                model.weights().values().stream().mapToLong(w -> w.values().length).sum(), Files.size(out));
    }

    /** A layers model: its topology and its weights by TF.js name ({@code layer/kernel}), in manifest order. */
    record Model(ObjectNode topology, Map<String, Weight> weights) {

        ObjectNode modelConfig() {
            return (ObjectNode) topology.path("model_config");
        }

        List<String> layerNames() {
            List<String> names = new ArrayList<>();
            modelConfig().path("config").path("layers").forEach(l -> names.add(l.path("config").path("name").asText(l.path("name").asText())));
            return names;
        }

        /** The same network declared for {@code size x size} inputs (see the class comment). */
        Model resized(int size) {
            ObjectNode copy = topology.deepCopy();
            ArrayNode layers = (ArrayNode) copy.path("model_config").path("config").path("layers");
            long original = -1;
            for (JsonNode layer : layers) {
                if (layer.path("class_name").asText().equals("InputLayer")) {
                    ArrayNode shape = (ArrayNode) layer.path("config").path("batch_input_shape");
                    original = shape.get(1).asLong();
                    shape.set(1, size);
                    shape.set(2, size);
                }
            }
            if (original <= 0 || size % TOTAL_STRIDE != 0) {
                throw new IllegalArgumentException("input size " + size + ": needs a declared square input and a multiple of " + TOTAL_STRIDE);
            }
            int before = (int) (original / TOTAL_STRIDE);
            int after = size / TOTAL_STRIDE;
            for (JsonNode layer : layers) {
                ObjectNode c = (ObjectNode) layer.path("config");
                if (layer.path("class_name").asText().equals("AveragePooling2D") && c.path("pool_size").path(0).asInt() == before) {
                    c.set("pool_size", JSON.createArrayNode().add(after).add(after));
                    c.set("strides", JSON.createArrayNode().add(after).add(after));
                }
            }
            return new Model(copy, weights);
        }
    }

    /** One weight: its shape (Keras order, e.g. {@code [h, w, in, out]}) and float32 values in C order. */
    record Weight(long[] shape, float[] values) {
    }

    static Model read(Path dir) throws IOException {
        Path js = dir.resolve("model.min.js");
        JsonNode manifestFile = Files.exists(js) ? objectLiteral(Files.readString(js))
                : JSON.readTree(dir.resolve("model.json").toFile());
        ObjectNode topology = (ObjectNode) manifestFile.path("modelTopology");
        Map<String, Weight> weights = new LinkedHashMap<>();
        for (JsonNode group : manifestFile.path("weightsManifest")) {
            ByteBuffer bytes = shards(dir, group.path("paths"));
            for (JsonNode entry : group.path("weights")) {
                long[] shape = new long[entry.path("shape").size()];
                long count = 1;
                for (int i = 0; i < shape.length; i++) {
                    shape[i] = entry.path("shape").get(i).asLong();
                    count *= shape[i];
                }
                float[] values = new float[Math.toIntExact(count)];
                JsonNode q = entry.path("quantization");
                if (!entry.path("dtype").asText("float32").equals("float32")) {
                    throw new IOException(entry.path("name").asText() + ": dtype " + entry.path("dtype") + " is not float32");
                }
                if (q.isMissingNode()) {
                    for (int i = 0; i < values.length; i++) {
                        values[i] = bytes.getFloat();
                    }
                } else if (q.path("dtype").asText().equals("uint8") || q.path("dtype").asText().equals("uint16")) {
                    boolean wide = q.path("dtype").asText().equals("uint16");
                    double min = q.path("min").asDouble();
                    double scale = q.path("scale").asDouble();
                    for (int i = 0; i < values.length; i++) {
                        int v = wide ? Short.toUnsignedInt(bytes.getShort()) : Byte.toUnsignedInt(bytes.get());
                        // TF.js: Float32Array.from(quantized, v => v * scale + min): the sum in double, then float32
                        values[i] = (float) (v * scale + min);
                    }
                } else {
                    throw new IOException(entry.path("name").asText() + ": quantization " + q + " is not read");
                }
                weights.put(entry.path("name").asText(), new Weight(shape, values));
            }
            if (bytes.hasRemaining()) {
                throw new IOException("weights group " + group.path("paths") + ": " + bytes.remaining() + " bytes left over");
            }
        }
        return new Model(topology, weights);
    }

    /** The model.json object inside a browserify module: {@code a.exports={...}}. */
    static JsonNode objectLiteral(String js) throws IOException {
        int start = js.indexOf("exports={modelTopology");
        if (start < 0) {
            throw new IOException("no `exports={modelTopology` in the model file");
        }
        start = js.indexOf('{', start);
        int depth = 0;
        int end = -1;
        boolean string = false;
        for (int i = start; i < js.length() && end < 0; i++) {
            char c = js.charAt(i);
            if (string) {
                if (c == '\\') {
                    i++;
                } else if (c == '"') {
                    string = false;
                }
            } else if (c == '"') {
                string = true;
            } else if (c == '{' || c == '[') {
                depth++;
            } else if (c == '}' || c == ']') {
                if (--depth == 0) {
                    end = i + 1;
                }
            }
        }
        String literal = outsideStrings(js.substring(start, end));
        return LENIENT.readTree(literal);
    }

    /** Minified booleans ({@code !0}, {@code !1}) and {@code -.5} rewritten as JSON, outside string literals. */
    private static String outsideStrings(String literal) {
        StringBuilder out = new StringBuilder(literal.length());
        Matcher strings = Pattern.compile("\"(?:[^\"\\\\]|\\\\.)*\"").matcher(literal);
        int last = 0;
        while (strings.find()) {
            out.append(rewrite(literal.substring(last, strings.start()))).append(strings.group());
            last = strings.end();
        }
        out.append(rewrite(literal.substring(last)));
        return out.toString();
    }

    private static String rewrite(String code) {
        return code.replace("!0", "true").replace("!1", "false").replaceAll("-\\.(\\d)", "-0.$1");
    }

    private static ByteBuffer shards(Path dir, JsonNode paths) throws IOException {
        List<byte[]> parts = new ArrayList<>();
        int total = 0;
        for (JsonNode path : paths) {
            Path bin = dir.resolve(path.asText());
            byte[] bytes;
            if (Files.exists(bin)) {
                bytes = Files.readAllBytes(bin);
            } else {
                String js = Files.readString(dir.resolve(path.asText() + ".min.js"));
                Matcher m = Pattern.compile("exports=\"([A-Za-z0-9+/=]*)\"").matcher(js);
                if (!m.find()) {
                    throw new IOException(path.asText() + ".min.js: no base64 exports string");
                }
                bytes = Base64.getDecoder().decode(m.group(1));
            }
            parts.add(bytes);
            total += bytes.length;
        }
        ByteBuffer all = ByteBuffer.allocate(total).order(ByteOrder.LITTLE_ENDIAN);
        parts.forEach(all::put);
        return all.flip();
    }

    /** Writes the Keras 2 .h5 (to a temporary file first, then moved into place). */
    static void write(Model model, Path out) throws IOException {
        Path dirOut = out.toAbsolutePath().getParent();
        Files.createDirectories(dirOut);
        Path tmp = Files.createTempFile(dirOut, out.getFileName().toString(), ".tmp");
        String kerasVersion = model.topology().path("keras_version").asText("2.2.4");
        String backend = model.topology().path("backend").asText("tensorflow");
        // a configuration over 64 KiB must go in dense attribute storage: HDF5 1.8+ object headers (h5py's libver='latest')
        FileAccPropList access = new FileAccPropList();
        access.setLibverBounds(H5F_LIBVER_V18, H5F_LIBVER_LATEST);
        H5File file = new H5File(tmp.toString(), H5F_ACC_TRUNC, FileCreatPropList.DEFAULT(), access);
        try {
            stringAttribute(file, "model_config", JSON.writeValueAsString(model.modelConfig()));
            stringAttribute(file, "keras_version", kerasVersion);
            stringAttribute(file, "backend", backend);
            Group weightsGroup = file.createGroup("model_weights");
            stringsAttribute(weightsGroup, "layer_names", model.layerNames());
            stringAttribute(weightsGroup, "keras_version", kerasVersion);
            stringAttribute(weightsGroup, "backend", backend);
            Map<String, List<String>> byLayer = new LinkedHashMap<>();
            for (String name : model.weights().keySet()) {
                byLayer.computeIfAbsent(name.substring(0, name.lastIndexOf('/')), k -> new ArrayList<>()).add(name);
            }
            for (String layer : model.layerNames()) {
                List<String> names = byLayer.remove(layer);
                if (names == null) {
                    continue; // Keras writes an empty weight_names; DL4J's importer needs no group for layers without weights
                }
                Group layerGroup = weightsGroup.createGroup(layer);
                stringsAttribute(layerGroup, "weight_names", names.stream().map(n -> n + ":0").toList());
                Group inner = layerGroup.createGroup(layer);
                for (String name : names) {
                    dataset(inner, name.substring(name.lastIndexOf('/') + 1) + ":0", model.weights().get(name));
                }
                inner.close();
                layerGroup.close();
            }
            if (!byLayer.isEmpty()) {
                throw new IOException("weights of layers not in the topology: " + byLayer.keySet());
            }
            weightsGroup.close();
        } finally {
            file._close();
        }
        Files.setPosixFilePermissions(tmp, java.nio.file.attribute.PosixFilePermissions.fromString("rw-r--r--"));
        Files.move(tmp, out, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    }

    /** A scalar fixed-length string, as h5py writes a Python str attribute. */
    private static void stringAttribute(Group group, String name, String value) {
        byte[] bytes = value.getBytes(StandardCharsets.UTF_8);
        StrType type = new StrType(PredType.C_S1(), Math.max(1, bytes.length));
        DataSpace scalar = new DataSpace(H5S_SCALAR);
        Attribute attribute = group.createAttribute(name, type, scalar);
        attribute.write(type, new BytePointer(bytes));
        attribute.close();
        scalar.close();
        type.close();
    }

    /** An array of fixed-length strings, as h5py writes {@code np.array([b"a", b"bc"])} (each padded with NULs). */
    private static void stringsAttribute(Group group, String name, List<String> values) {
        int width = values.stream().mapToInt(v -> v.getBytes(StandardCharsets.UTF_8).length).max().orElse(1);
        byte[] all = new byte[width * values.size()];
        for (int i = 0; i < values.size(); i++) {
            byte[] b = values.get(i).getBytes(StandardCharsets.UTF_8);
            System.arraycopy(b, 0, all, i * width, b.length);
        }
        StrType type = new StrType(PredType.C_S1(), width);
        DataSpace space = new DataSpace(1, new long[] {values.size()});
        Attribute attribute = group.createAttribute(name, type, space);
        attribute.write(type, new BytePointer(all));
        attribute.close();
        space.close();
        type.close();
    }

    private static void dataset(Group group, String name, Weight weight) {
        DataSpace space = new DataSpace(weight.shape().length, weight.shape());
        DSetCreatPropList create = new DSetCreatPropList();
        create.setChunk(weight.shape().length, weight.shape());
        create.setDeflate(9);
        DataSet dataset = group.createDataSet(name, PredType.NATIVE_FLOAT(), space, create, DSetAccPropList.DEFAULT(),
                LinkCreatPropList.DEFAULT());
        dataset.write(new FloatPointer(weight.values()), PredType.NATIVE_FLOAT());
        dataset.close();
        create.close();
        space.close();
    }
}
