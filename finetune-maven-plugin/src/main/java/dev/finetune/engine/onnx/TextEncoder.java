package dev.finetune.engine.onnx;

import ai.djl.huggingface.tokenizers.Encoding;
import ai.djl.huggingface.tokenizers.HuggingFaceTokenizer;
import ai.onnxruntime.NodeInfo;
import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import ai.onnxruntime.TensorInfo;
import dev.finetune.engine.UserInputException;
import dev.finetune.spec.FinetuneSpec.BaseSpec.Pooling;

import java.io.IOException;
import java.nio.LongBuffer;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * A frozen ONNX text encoder: texts are tokenised with the model's own Hugging Face {@code tokenizer.json} (DJL's
 * bindings of the Rust tokenizers, offline), run through ONNX Runtime in inference mode, and each example's token
 * vectors pooled into one (mean over the attention mask, or the first token). Nothing here trains: ONNX Runtime's
 * Java API has no training build, so the encoder's outputs are fixed features, computed once per example.
 *
 * <p>Each example runs alone, unpadded: measured on the int8 MiniLM, padding a 4-token text to 8 tokens (the
 * padding masked out) moved its pooled vector by 0.14 in one dimension, and batching it with another 4-token text
 * by 0.05: dynamic int8 quantisation takes its scales from the whole batch's activations. So an example's features
 * depend on nothing but its text (and the thread count). Not thread-safe; close it to free the native session.
 */
public final class TextEncoder implements AutoCloseable {

    private static final Set<String> TEXT_INPUTS = Set.of("input_ids", "attention_mask", "token_type_ids");

    private final OrtEnvironment environment;
    private final OrtSession session;
    private final HuggingFaceTokenizer tokenizer;
    private final String output;
    private final Pooling pooling;
    private final int maxLength;
    private final List<String> inputs;

    /** Features of a batch of texts and how many of them were cut at {@code maxSequenceLength}. */
    public record Encoded(float[][] features, int truncated) {
    }

    private TextEncoder(OrtEnvironment environment, OrtSession session, HuggingFaceTokenizer tokenizer, String output,
                        Pooling pooling, int maxLength, List<String> inputs) {
        this.environment = environment;
        this.session = session;
        this.tokenizer = tokenizer;
        this.output = output;
        this.pooling = pooling;
        this.maxLength = maxLength;
        this.inputs = inputs;
    }

    /**
     * @param output  the output tensor to pool; empty: the model's first output
     * @param threads ONNX Runtime's intra-op threads (fixed: they may decide the last bits of a sum)
     */
    public static TextEncoder open(Path model, Path tokenizerFile, Optional<String> output, Pooling pooling, int maxLength,
                                   int threads) {
        // never reach for a model hub: the tokenizer is a local file, and DJL must not try to download its natives
        System.setProperty("ai.djl.offline", "true");
        OrtEnvironment environment = OrtEnvironment.getEnvironment();
        OrtSession session = OnnxSessions.open(environment, model, threads);
        try {
            List<String> inputs = new ArrayList<>(session.getInputNames());
            List<String> unknown = inputs.stream().filter(i -> !TEXT_INPUTS.contains(i)).toList();
            if (unknown.isEmpty() && !inputs.contains("input_ids")) {
                unknown = List.of("(no input_ids)");
            }
            if (!unknown.isEmpty()) {
                throw new UserInputException(model + ": a text encoder's inputs are input_ids, attention_mask and optionally"
                        + " token_type_ids; this model has " + inputs);
            }
            String out = output.orElseGet(() -> session.getOutputNames().iterator().next());
            Map<String, NodeInfo> outputs = session.getOutputInfo();
            if (!outputs.containsKey(out)) {
                throw new UserInputException(model + ": `base.output` is `" + out + "`, which the model does not have; its"
                        + " outputs are: " + String.join(", ", outputs.keySet()));
            }
            HuggingFaceTokenizer tokenizer;
            try {
                tokenizer = HuggingFaceTokenizer.newInstance(tokenizerFile, Map.of(
                        "maxLength", String.valueOf(maxLength), "truncation", "true", "padding", "false"));
            } catch (IOException | RuntimeException e) {
                throw new UserInputException(tokenizerFile + ": not a readable Hugging Face tokenizer.json: " + e.getMessage(), e);
            }
            return new TextEncoder(environment, session, tokenizer, out, pooling, maxLength, List.copyOf(inputs));
        } catch (OrtException | RuntimeException e) {
            close(session);
            if (e instanceof UserInputException u) {
                throw u;
            }
            throw new IllegalStateException("cannot read the ONNX model's inputs and outputs: " + e.getMessage(), e);
        }
    }

    /** The length of the pooled vector, when the model's output declares it. */
    public Optional<Long> dimension() {
        try {
            NodeInfo info = session.getOutputInfo().get(output);
            if (info.getInfo() instanceof TensorInfo t && t.getShape().length > 0) {
                long last = t.getShape()[t.getShape().length - 1];
                return last > 0 ? Optional.of(last) : Optional.empty();
            }
            return Optional.empty();
        } catch (OrtException e) {
            return Optional.empty();
        }
    }

    public int maxLength() {
        return maxLength;
    }

    /** One pooled vector per text, in order. */
    public Encoded encode(String[] texts) {
        float[][] features = new float[texts.length][];
        int truncated = 0;
        for (int i = 0; i < texts.length; i++) {
            Encoding encoding = tokenizer.encode(texts[i]);
            if (encoding.exceedMaxLength()) {
                truncated++;
            }
            features[i] = run(encoding);
        }
        return new Encoded(features, truncated);
    }

    /** One example's pooled features. */
    private float[] run(Encoding encoding) {
        long[] ids = encoding.getIds();
        long[] mask = encoding.getAttentionMask();
        long[] types = encoding.getTypeIds();
        int length = ids.length;
        long[] shape = {1, length};
        Map<String, OnnxTensor> feed = new HashMap<>();
        try {
            for (String input : inputs) {
                long[] values = switch (input) {
                    case "input_ids" -> ids;
                    case "attention_mask" -> mask;
                    default -> types;
                };
                feed.put(input, OnnxTensor.createTensor(environment, LongBuffer.wrap(values), shape));
            }
            try (OrtSession.Result result = session.run(feed, Set.of(output))) {
                Object value = result.get(0).getValue();
                if (value instanceof float[][] vectors) {
                    return vectors[0];
                }
                if (value instanceof float[][][] tokens) {
                    return pool(tokens[0], mask);
                }
                throw new UserInputException("the ONNX output `" + output + "` is not a float tensor of [batch, size] or"
                        + " [batch, tokens, size]; name another with `base.output`");
            }
        } catch (OrtException e) {
            throw new IllegalStateException("ONNX Runtime failed on a text of " + length + " tokens: " + e.getMessage(), e);
        } finally {
            feed.values().forEach(OnnxTensor::close);
        }
    }

    private float[] pool(float[][] tokens, long[] mask) {
        int size = tokens[0].length;
        float[] v = new float[size];
        if (pooling == Pooling.cls) {
            System.arraycopy(tokens[0], 0, v, 0, size);
            return v;
        }
        // the mean over the real tokens, summed in double
        double[] sum = new double[size];
        long count = 0;
        for (int t = 0; t < tokens.length; t++) {
            if (mask[t] == 0) {
                continue;
            }
            count++;
            for (int d = 0; d < size; d++) {
                sum[d] += tokens[t][d];
            }
        }
        for (int d = 0; d < size; d++) {
            v[d] = (float) (sum[d] / Math.max(count, 1));
        }
        return v;
    }

    @Override
    public void close() {
        tokenizer.close();
        close(session);
    }

    private static void close(OrtSession session) {
        try {
            session.close();
        } catch (OrtException e) {
            // nothing left to do with a session that cannot close
        }
    }
}
