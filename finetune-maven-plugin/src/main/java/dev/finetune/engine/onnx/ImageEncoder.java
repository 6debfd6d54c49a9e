package dev.finetune.engine.onnx;

import ai.onnxruntime.NodeInfo;
import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import ai.onnxruntime.TensorInfo;
import dev.finetune.engine.UserInputException;
import dev.finetune.engine.data.ImageShape;

import java.nio.FloatBuffer;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * A frozen ONNX image model: each image (resized and scaled as the spec says, its values in the model's own channel
 * order) runs through ONNX Runtime in inference mode, and the named output becomes its features: a {@code [batch,
 * size]} output as it is, a {@code [batch, channels, height, width]} feature map (channels last for an NHWC model)
 * averaged over its positions (global average pooling, {@code base.pooling: mean}). Nothing here trains.
 *
 * <p>Each image runs alone (a batch of one), so its features depend on nothing but its pixels and the thread count,
 * never on which images share its batch. Not thread-safe; close it to free the native session.
 */
public final class ImageEncoder implements AutoCloseable {

    private final OrtEnvironment environment;
    private final OrtSession session;
    private final String input;
    private final String output;
    private final long[] shape;
    private final boolean channelsLast;
    private final boolean pooled;

    private ImageEncoder(OrtEnvironment environment, OrtSession session, String input, String output, long[] shape,
                         boolean channelsLast, boolean pooled) {
        this.environment = environment;
        this.session = session;
        this.input = input;
        this.output = output;
        this.shape = shape;
        this.channelsLast = channelsLast;
        this.pooled = pooled;
    }

    /**
     * @param image   the size and order the images were decoded to (from the model's input, see {@link OnnxImageInput})
     * @param output  the output tensor; empty: the model's first output
     * @param threads ONNX Runtime's intra-op threads (fixed: they may decide the last bits of a sum)
     */
    public static ImageEncoder open(Path model, ImageShape image, Optional<String> output, int threads) {
        OrtEnvironment environment = OrtEnvironment.getEnvironment();
        OrtSession session = OnnxSessions.open(environment, model, threads);
        try {
            Map<String, NodeInfo> inputs = session.getInputInfo();
            if (inputs.size() != 1) {
                throw new UserInputException(model + ": an image model takes one input, a float tensor [batch, channels,"
                        + " height, width] or [batch, height, width, channels]; this model has " + inputs.keySet());
            }
            String in = inputs.keySet().iterator().next();
            long[] shape = image.channelsLast() ? new long[] {1, image.height(), image.width(), image.channels()}
                    : new long[] {1, image.channels(), image.height(), image.width()};
            if (inputs.get(in).getInfo() instanceof TensorInfo t && t.getShape().length == 4) {
                for (int d = 1; d < 4; d++) {
                    if (t.getShape()[d] > 0 && t.getShape()[d] != shape[d]) {
                        throw new UserInputException(model + ": the model's input `" + in + "` is " + Arrays.toString(t.getShape())
                                + " but the images are " + image + "; leave `dataset.image` sizes out to use the model's");
                    }
                }
            } else {
                throw new UserInputException(model + ": the model's input `" + in + "` is not a tensor of rank 4 (an image batch)");
            }
            String out = output.orElseGet(() -> session.getOutputNames().iterator().next());
            if (!session.getOutputInfo().containsKey(out)) {
                throw new UserInputException(model + ": `base.output` is `" + out + "`, which the model does not have; its"
                        + " outputs are: " + String.join(", ", session.getOutputInfo().keySet()));
            }
            int rank = session.getOutputInfo().get(out).getInfo() instanceof TensorInfo o ? o.getShape().length : -1;
            if (rank != 2 && rank != 4) {
                throw new UserInputException(model + ": the ONNX output `" + out + "` is not a float tensor of [batch, size]"
                        + " or [batch, channels, height, width]; name another with `base.output` (outputs: "
                        + String.join(", ", session.getOutputInfo().keySet()) + ")");
            }
            return new ImageEncoder(environment, session, in, out, shape, image.channelsLast(), rank == 4);
        } catch (OrtException | RuntimeException e) {
            close(session);
            if (e instanceof UserInputException u) {
                throw u;
            }
            throw new IllegalStateException("cannot read the ONNX model's inputs and outputs: " + e.getMessage(), e);
        }
    }

    /** The name of the output the features come from. */
    public String output() {
        return output;
    }

    /** Whether the output is a feature map, averaged over its positions into one vector. */
    public boolean pooled() {
        return pooled;
    }

    /** The input's name. */
    public String input() {
        return input;
    }

    /** One image's features; {@code pixels} in the model's order, already scaled. */
    public float[] encode(float[] pixels) {
        try (OnnxTensor tensor = OnnxTensor.createTensor(environment, FloatBuffer.wrap(pixels), shape);
             OrtSession.Result result = session.run(Map.of(input, tensor), Set.of(output))) {
            Object value = result.get(0).getValue();
            if (value instanceof float[][] vectors) {
                return vectors[0];
            }
            if (value instanceof float[][][][] maps) {
                return averagePool(maps[0]);
            }
            throw new UserInputException("the ONNX output `" + output + "` is not a float tensor of [batch, size] or [batch,"
                    + " channels, height, width]; name another with `base.output`");
        } catch (OrtException e) {
            throw new IllegalStateException("ONNX Runtime failed on an image: " + e.getMessage(), e);
        }
    }

    /** The mean over a feature map's positions, per channel, summed in double. */
    private float[] averagePool(float[][][] map) {
        int channels = channelsLast ? map[0][0].length : map.length;
        int rows = channelsLast ? map.length : map[0].length;
        int cols = channelsLast ? map[0].length : map[0][0].length;
        float[] v = new float[channels];
        for (int c = 0; c < channels; c++) {
            double sum = 0;
            for (int y = 0; y < rows; y++) {
                for (int x = 0; x < cols; x++) {
                    sum += channelsLast ? map[y][x][c] : map[c][y][x];
                }
            }
            v[c] = (float) (sum / (rows * cols));
        }
        return v;
    }

    @Override
    public void close() {
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
