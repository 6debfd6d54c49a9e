package dev.finetune.engine.model;

import dev.finetune.engine.onnx.OnnxImageInput;
import dev.finetune.engine.onnx.OnnxModelFile;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Collectors;

/**
 * An ONNX model ({@code .onnx}) as a frozen body: ONNX Runtime computes its outputs, once per example (they are the
 * frozen-feature cache), and only the DL4J head the spec describes trains on them, since no Java training build of
 * ONNX Runtime exists. Recognised by content (a protobuf ModelProto); inspected from its protobuf bytes in plain Java
 * ({@link OnnxModelFile}): no native code in Maven's JVM. There is no DL4J network to load: the training JVM runs
 * the model with {@link dev.finetune.engine.onnx.TextEncoder} (text encoders: token inputs) or
 * {@link dev.finetune.engine.onnx.ImageEncoder} (image models: one float input of rank 4, whose shape gives the
 * image size and the channel order, see {@link OnnxImageInput}).
 */
final class OnnxFormat implements BaseFormat {

    @Override
    public String name() {
        return "onnx";
    }

    @Override
    public String displayName() {
        return "ONNX model";
    }

    @Override
    public String looksLike() {
        return "an ONNX protobuf model (.onnx), as torch.onnx.export or tf2onnx write it";
    }

    /** ONNX's own convention (and PyTorch's exports): channels first; {@link #channelsLast(Path)} reads the file's. */
    @Override
    public boolean channelsLast() {
        return false;
    }

    /** Whether the model's image input is {@code [batch, height, width, channels]}; false for other models. */
    @Override
    public boolean channelsLast(Path file) {
        return OnnxImageInput.of(OnnxModelFile.read(file)).map(OnnxImageInput::channelsLast).orElse(false);
    }

    @Override
    public boolean recognises(Path file) {
        return OnnxModelFile.looksLikeOnnx(file);
    }

    @Override
    public BaseModelInfo inspect(Path file) {
        OnnxModelFile onnx = OnnxModelFile.read(file);
        String format = "ONNX model (frozen body, run by ONNX Runtime" + (onnx.producer().isEmpty() ? "" : "; written by "
                + onnx.producer()) + "), inputs " + list(onnx.inputs()) + ", outputs " + list(onnx.outputs());
        Optional<OnnxImageInput> image = OnnxImageInput.of(onnx);
        boolean several = onnx.outputs().size() > 1;
        long nOut = onnx.outputs().isEmpty() || several ? -1 : features(onnx.outputs().get(0), image);
        String type = "ONNX graph (" + onnx.nodes() + " nodes" + (onnx.opset() > 0 ? ", opset " + onnx.opset() : "") + ")";
        List<BaseModelInfo.LayerInfo> layers = new ArrayList<>();
        layers.add(new BaseModelInfo.LayerInfo(file.getFileName().toString(), type, nOut, Optional.of(onnx.parameters()), true));
        // a model with several outputs lists each (the head reads the one `base.output` names, else the first)
        if (several) {
            for (OnnxModelFile.Tensor output : onnx.outputs()) {
                long size = features(output, image);
                layers.add(new BaseModelInfo.LayerInfo(output.name(), "ONNX output " + output.type() + output.shape(), size,
                        Optional.of(0L), true, shape(output, image, size)));
            }
        }
        // an image model's input shape sizes the images (as a Keras base's does); a text encoder's has none
        Optional<List<Long>> inputShape = image.flatMap(OnnxImageInput::rowShape);
        return new BaseModelInfo(format, false, layers, inputShape, false, Map.of(), true);
    }

    /**
     * Features per example the output gives the head: the last dimension of a vector (or of token vectors, pooled);
     * the channels of an image model's feature map, averaged over its positions. -1 when the file does not say.
     */
    private static long features(OnnxModelFile.Tensor output, Optional<OnnxImageInput> image) {
        if (image.isPresent() && output.shape().size() == 4) {
            String channels = output.shape().get(image.get().channelsLast() ? 3 : 1);
            try {
                return Long.parseLong(channels);
            } catch (NumberFormatException e) {
                return -1;
            }
        }
        return output.lastDimension().orElse(-1L);
    }

    /** For finetune:layers: a feature map as height x width x channels (every format's order there), else the size. */
    private static List<Long> shape(OnnxModelFile.Tensor output, Optional<OnnxImageInput> image, long size) {
        if (image.isPresent() && output.shape().size() == 4) {
            List<String> s = output.shape();
            boolean last = image.get().channelsLast();
            try {
                return List.of(Long.parseLong(s.get(last ? 1 : 2)), Long.parseLong(s.get(last ? 2 : 3)), size);
            } catch (NumberFormatException e) {
                return List.of();
            }
        }
        return size > 0 ? List.of(size) : List.of();
    }

    private static String list(List<OnnxModelFile.Tensor> tensors) {
        return tensors.stream().map(OnnxModelFile.Tensor::toString).collect(Collectors.joining(", "));
    }

    @Override
    public Net load(Path file) {
        throw new IllegalStateException(file + " is an ONNX body, not a DL4J network: the training JVM runs it with"
                + " TextEncoder or ImageEncoder and trains a head of its own");
    }
}
