package dev.finetune.engine.model;

import dev.finetune.engine.onnx.OnnxModelFile;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Collectors;

/**
 * An ONNX model ({@code .onnx}) as a frozen body: ONNX Runtime computes its outputs, once per example (they are the
 * frozen-feature cache), and only the DL4J head the spec describes trains on them, since no Java training build of
 * ONNX Runtime exists. Recognised by content (a protobuf ModelProto); inspected from its protobuf bytes in plain Java
 * ({@link OnnxModelFile}): no native code in Maven's JVM. There is no DL4J network to load: the training JVM runs
 * the model with {@link dev.finetune.engine.onnx.TextEncoder}.
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

    /** PyTorch exports take NCHW images; image inputs are refused for now anyway (text encoders only). */
    @Override
    public boolean channelsLast() {
        return false;
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
        long nOut = onnx.outputs().isEmpty() ? -1 : onnx.outputs().get(0).lastDimension().orElse(-1L);
        String type = "ONNX graph (" + onnx.nodes() + " nodes" + (onnx.opset() > 0 ? ", opset " + onnx.opset() : "") + ")";
        BaseModelInfo.LayerInfo body = new BaseModelInfo.LayerInfo(file.getFileName().toString(), type, nOut,
                Optional.of(onnx.parameters()), true);
        return new BaseModelInfo(format, false, List.of(body), Optional.empty(), false, Map.of(), true);
    }

    private static String list(List<OnnxModelFile.Tensor> tensors) {
        return tensors.stream().map(OnnxModelFile.Tensor::toString).collect(Collectors.joining(", "));
    }

    @Override
    public Net load(Path file) {
        throw new IllegalStateException(file + " is an ONNX body, not a DL4J network: the training JVM runs it with"
                + " TextEncoder and trains a head of its own");
    }
}
