package dev.finetune.engine.onnx;

import dev.finetune.engine.UserInputException;

import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * What an ONNX file's graph declares, read from its protobuf bytes in plain Java: no ONNX Runtime (a native library)
 * in Maven's JVM, so {@code finetune:validate} and {@code finetune:layers} inspect an ONNX base as they do the others.
 * Reads only the fields it needs of onnx.proto's {@code ModelProto} and {@code GraphProto}; the parameter count is
 * the number of values in the graph's initializers (for a quantized model: int8 weights plus their scales).
 *
 * @param irVersion    the file's ONNX IR version
 * @param producer     the tool that wrote it, with its version, e.g. {@code onnx.quantize 0.1.0}
 * @param opset        the default domain's operator set version; 0 when not stated
 * @param nodes        the number of operator nodes in the main graph
 * @param inputs       the graph's inputs that are not initializers, in order
 * @param outputs      the graph's outputs, in order
 * @param parameters   values held by the initializers
 */
public record OnnxModelFile(long irVersion, String producer, long opset, int nodes, List<Tensor> inputs,
                            List<Tensor> outputs, long parameters) {

    /** ONNX files hold large initializers; beyond this the file is not read whole. */
    private static final long MAX_BYTES = 2L << 30;

    /**
     * A graph input or output.
     *
     * @param name     its name, as ONNX Runtime's session knows it
     * @param type     the element type's name, e.g. {@code float}, {@code int64}
     * @param shape    its dimensions: a number, or a symbolic name such as {@code batch_size}, or {@code ?}
     */
    public record Tensor(String name, String type, List<String> shape) {
        public Tensor {
            shape = List.copyOf(shape);
        }

        /** {@code input_ids int64[batch_size, sequence_length]}. */
        @Override
        public String toString() {
            return name + " " + type + shape;
        }

        /** The last dimension when it is a number: the feature size of a {@code [batch, ..., size]} output. */
        public Optional<Long> lastDimension() {
            if (shape.isEmpty()) {
                return Optional.empty();
            }
            try {
                return Optional.of(Long.parseLong(shape.get(shape.size() - 1)));
            } catch (NumberFormatException e) {
                return Optional.empty();
            }
        }
    }

    public OnnxModelFile {
        inputs = List.copyOf(inputs);
        outputs = List.copyOf(outputs);
    }

    /**
     * Whether {@code file} starts like a serialised ModelProto: field 1 (ir_version) as a small varint, then a
     * known top-level field. Reads a few bytes only.
     */
    public static boolean looksLikeOnnx(Path file) {
        byte[] head;
        try (InputStream in = Files.newInputStream(file)) {
            head = in.readNBytes(64);
        } catch (IOException e) {
            return false;
        }
        if (head.length < 4 || head[0] != 0x08 || head[1] <= 0 || head[1] > 20) {
            return false;
        }
        // the next tag: producer_name (2), producer_version (3), domain (4), model_version (5), doc_string (6),
        // graph (7), opset_import (8) — all length-delimited except model_version (a varint)
        int tag = head[2] & 0xff;
        return tag == 0x12 || tag == 0x1a || tag == 0x22 || tag == 0x28 || tag == 0x32 || tag == 0x3a || tag == 0x42;
    }

    public static OnnxModelFile read(Path file) {
        try (FileChannel channel = FileChannel.open(file, StandardOpenOption.READ)) {
            if (channel.size() > MAX_BYTES) {
                throw new UserInputException(file + ": an ONNX file over 2 GiB keeps its weights in external data,"
                        + " which this plugin does not read");
            }
            ByteBuffer bytes = channel.map(FileChannel.MapMode.READ_ONLY, 0, channel.size());
            return parseModel(new Reader(bytes, 0, bytes.limit()));
        } catch (IOException e) {
            throw new UserInputException(file + ": cannot read the ONNX model: " + e.getMessage(), e);
        } catch (MalformedProtobuf e) {
            throw new UserInputException(file + ": not a readable ONNX model (" + e.getMessage() + ")");
        }
    }

    private static OnnxModelFile parseModel(Reader r) {
        long ir = 0;
        String producer = "";
        String producerVersion = "";
        long opset = 0;
        Graph graph = null;
        while (r.more()) {
            int tag = (int) r.varint();
            switch (tag) {
                case 0x08 -> ir = r.varint();
                case 0x12 -> producer = r.string();
                case 0x1a -> producerVersion = r.string();
                case 0x3a -> graph = parseGraph(r.message());
                case 0x42 -> {
                    Reader opsetId = r.message();
                    String domain = "";
                    long version = 0;
                    while (opsetId.more()) {
                        int t = (int) opsetId.varint();
                        if (t == 0x0a) {
                            domain = opsetId.string();
                        } else if (t == 0x10) {
                            version = opsetId.varint();
                        } else {
                            opsetId.skip(t);
                        }
                    }
                    if (domain.isEmpty() || domain.equals("ai.onnx")) {
                        opset = version;
                    }
                }
                default -> r.skip(tag);
            }
        }
        if (graph == null) {
            throw new MalformedProtobuf("no graph");
        }
        List<String> initializers = graph.initializerNames;
        List<Tensor> inputs = graph.inputs.stream().filter(t -> !initializers.contains(t.name())).toList();
        return new OnnxModelFile(ir, (producer + " " + producerVersion).trim(), opset, graph.nodes, inputs, graph.outputs,
                graph.parameters);
    }

    private static final class Graph {
        int nodes;
        final List<Tensor> inputs = new ArrayList<>();
        final List<Tensor> outputs = new ArrayList<>();
        final List<String> initializerNames = new ArrayList<>();
        long parameters;
    }

    private static Graph parseGraph(Reader r) {
        Graph g = new Graph();
        while (r.more()) {
            int tag = (int) r.varint();
            switch (tag) {
                case 0x0a -> {
                    r.skip(tag);
                    g.nodes++;
                }
                case 0x2a -> initializer(r.message(), g);
                case 0x5a -> g.inputs.add(valueInfo(r.message()));
                case 0x62 -> g.outputs.add(valueInfo(r.message()));
                default -> r.skip(tag);
            }
        }
        return g;
    }

    /** TensorProto: dims (1, packed or not) and name (8); the values themselves are skipped. */
    private static void initializer(Reader r, Graph g) {
        long count = 1;
        String name = "";
        while (r.more()) {
            int tag = (int) r.varint();
            if (tag == 0x08) {
                count *= r.varint();
            } else if (tag == 0x0a) {
                Reader packed = r.message();
                while (packed.more()) {
                    count *= packed.varint();
                }
            } else if (tag == 0x42) {
                name = r.string();
            } else {
                r.skip(tag);
            }
        }
        g.initializerNames.add(name);
        g.parameters += count;
    }

    /** ValueInfoProto: name (1), type (2) → TypeProto.tensor_type (1) → elem_type (1), shape (2) → dim (1). */
    private static Tensor valueInfo(Reader r) {
        String name = "";
        String type = "?";
        List<String> shape = new ArrayList<>();
        while (r.more()) {
            int tag = (int) r.varint();
            if (tag == 0x0a) {
                name = r.string();
            } else if (tag == 0x12) {
                Reader typeProto = r.message();
                while (typeProto.more()) {
                    int t = (int) typeProto.varint();
                    if (t != 0x0a) {
                        typeProto.skip(t);
                        continue;
                    }
                    Reader tensor = typeProto.message();
                    while (tensor.more()) {
                        int tt = (int) tensor.varint();
                        if (tt == 0x08) {
                            type = elementType((int) tensor.varint());
                        } else if (tt == 0x12) {
                            Reader dims = tensor.message();
                            while (dims.more()) {
                                int dt = (int) dims.varint();
                                if (dt == 0x0a) {
                                    shape.add(dimension(dims.message()));
                                } else {
                                    dims.skip(dt);
                                }
                            }
                        } else {
                            tensor.skip(tt);
                        }
                    }
                }
            } else {
                r.skip(tag);
            }
        }
        return new Tensor(name, type, shape);
    }

    private static String dimension(Reader r) {
        String dim = "?";
        while (r.more()) {
            int tag = (int) r.varint();
            if (tag == 0x08) {
                dim = String.valueOf(r.varint());
            } else if (tag == 0x12) {
                dim = r.string();
            } else {
                r.skip(tag);
            }
        }
        return dim;
    }

    /** onnx.proto's TensorProto.DataType names. */
    private static String elementType(int code) {
        return switch (code) {
            case 1 -> "float";
            case 2 -> "uint8";
            case 3 -> "int8";
            case 5 -> "int16";
            case 6 -> "int32";
            case 7 -> "int64";
            case 8 -> "string";
            case 9 -> "bool";
            case 10 -> "float16";
            case 11 -> "double";
            case 16 -> "bfloat16";
            default -> "type" + code;
        };
    }

    private static final class MalformedProtobuf extends RuntimeException {
        MalformedProtobuf(String message) {
            super(message);
        }
    }

    /** A window of protobuf wire format: varints, length-delimited fields and skipping, bounds-checked. */
    private static final class Reader {
        private final ByteBuffer bytes;
        private int at;
        private final int end;

        Reader(ByteBuffer bytes, int from, int end) {
            this.bytes = bytes;
            this.at = from;
            this.end = end;
        }

        boolean more() {
            return at < end;
        }

        long varint() {
            long value = 0;
            for (int shift = 0; shift < 64; shift += 7) {
                if (at >= end) {
                    throw new MalformedProtobuf("truncated varint at byte " + at);
                }
                byte b = bytes.get(at++);
                value |= (long) (b & 0x7f) << shift;
                if ((b & 0x80) == 0) {
                    return value;
                }
            }
            throw new MalformedProtobuf("varint too long at byte " + at);
        }

        Reader message() {
            long length = varint();
            if (length < 0 || length > end - at) {
                throw new MalformedProtobuf("field of " + length + " bytes at byte " + at + " runs past its end");
            }
            Reader inner = new Reader(bytes, at, at + (int) length);
            at += (int) length;
            return inner;
        }

        String string() {
            Reader s = message();
            byte[] b = new byte[s.end - s.at];
            bytes.get(s.at, b);
            return new String(b, java.nio.charset.StandardCharsets.UTF_8);
        }

        void skip(int tag) {
            switch (tag & 7) {
                case 0 -> varint();
                case 1 -> advance(8);
                case 2 -> message();
                case 5 -> advance(4);
                default -> throw new MalformedProtobuf("wire type " + (tag & 7) + " at byte " + at);
            }
        }

        private void advance(int n) {
            if (n > end - at) {
                throw new MalformedProtobuf("truncated field at byte " + at);
            }
            at += n;
        }
    }
}
