package dev.finetune.engine.onnx;

import java.util.List;
import java.util.Optional;

/**
 * The image input of an ONNX model, as its graph declares it (plain Java, from {@link OnnxModelFile}): one float
 * tensor of rank 4, channels first ({@code [batch, channels, height, width]}, as PyTorch exports) or channels last
 * ({@code [batch, height, width, channels]}, as tf2onnx keeps a Keras model). The order is read from the shape: the
 * dimension that is 1 or 3 is the channels; when both candidates are (or neither is a number), channels first,
 * ONNX's own convention. Sizes that are symbolic ({@code height}) are empty: the spec's {@code dataset.image} gives them.
 *
 * @param name         the input's name, as ONNX Runtime's session knows it
 * @param channelsLast whether the values of a pixel are adjacent ({@code NHWC}) rather than each channel's plane
 */
public record OnnxImageInput(String name, boolean channelsLast, Optional<Long> height, Optional<Long> width,
                             Optional<Long> channels) {

    /** The model's image input: its only input, when that is a float tensor of rank 4; empty for any other model. */
    public static Optional<OnnxImageInput> of(OnnxModelFile onnx) {
        if (onnx.inputs().size() != 1) {
            return Optional.empty();
        }
        OnnxModelFile.Tensor input = onnx.inputs().get(0);
        if (!input.type().equals("float") || input.shape().size() != 4) {
            return Optional.empty();
        }
        Optional<Long> second = number(input.shape().get(1));
        Optional<Long> last = number(input.shape().get(3));
        boolean channelsLast = isChannels(last) && !isChannels(second);
        List<String> s = input.shape();
        return Optional.of(channelsLast
                ? new OnnxImageInput(input.name(), true, number(s.get(1)), number(s.get(2)), last)
                : new OnnxImageInput(input.name(), false, number(s.get(2)), number(s.get(3)), second));
    }

    /** {@code NCHW} or {@code NHWC}. */
    public String layout() {
        return channelsLast ? "NHWC" : "NCHW";
    }

    /**
     * One image's shape in the order a flat dataset row lists its values (the model's own order without the batch):
     * {@code [channels, height, width]} or {@code [height, width, channels]}; empty when a size is symbolic.
     */
    public Optional<List<Long>> rowShape() {
        if (height.isEmpty() || width.isEmpty() || channels.isEmpty()) {
            return Optional.empty();
        }
        return Optional.of(channelsLast ? List.of(height.get(), width.get(), channels.get())
                : List.of(channels.get(), height.get(), width.get()));
    }

    private static boolean isChannels(Optional<Long> dim) {
        return dim.isPresent() && (dim.get() == 1 || dim.get() == 3);
    }

    private static Optional<Long> number(String dim) {
        try {
            long v = Long.parseLong(dim);
            return v > 0 ? Optional.of(v) : Optional.empty();
        } catch (NumberFormatException e) {
            return Optional.empty();
        }
    }
}
