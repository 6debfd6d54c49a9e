package dev.finetune.engine.onnx;

import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Optional;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The channel order and size of an ONNX image input, from its declared shape alone. */
class OnnxImageInputTest {

    private static OnnxModelFile model(OnnxModelFile.Tensor... inputs) {
        return new OnnxModelFile(7, "test", 13, 1, List.of(inputs),
                List.of(new OnnxModelFile.Tensor("out", "float", List.of("batch", "10"))), 0);
    }

    private static OnnxModelFile.Tensor tensor(String type, String... shape) {
        return new OnnxModelFile.Tensor("x", type, List.of(shape));
    }

    @Test
    void channelsFirstAsPyTorchExports() {
        OnnxImageInput in = OnnxImageInput.of(model(tensor("float", "batch", "3", "224", "224"))).orElseThrow();
        assertFalse(in.channelsLast());
        assertEquals("NCHW", in.layout());
        assertEquals(Optional.of(List.of(3L, 224L, 224L)), in.rowShape());
        assertEquals(Optional.of(List.of(1L, 28L, 28L)),
                OnnxImageInput.of(model(tensor("float", "1", "1", "28", "28"))).orElseThrow().rowShape(), "grey");
    }

    @Test
    void channelsLastAsTf2onnxKeepsKerasModels() {
        OnnxImageInput in = OnnxImageInput.of(model(tensor("float", "unk__1", "96", "96", "3"))).orElseThrow();
        assertTrue(in.channelsLast());
        assertEquals("NHWC", in.layout());
        assertEquals(Optional.of(List.of(96L, 96L, 3L)), in.rowShape(), "a flat row's order: channels last");
    }

    @Test
    void ambiguousOrSymbolicShapes() {
        // 3x3 images of 3 channels: ONNX's own convention, channels first
        assertFalse(OnnxImageInput.of(model(tensor("float", "N", "3", "3", "3"))).orElseThrow().channelsLast());
        // symbolic sizes: the order is known, the size is the spec's to give
        OnnxImageInput symbolic = OnnxImageInput.of(model(tensor("float", "batch", "3", "height", "width"))).orElseThrow();
        assertFalse(symbolic.channelsLast());
        assertEquals(Optional.empty(), symbolic.rowShape());
        assertEquals(Optional.of(3L), symbolic.channels());
        assertTrue(OnnxImageInput.of(model(tensor("float", "batch", "h", "w", "3"))).orElseThrow().channelsLast());
    }

    @Test
    void notAnImageModel() {
        assertEquals(Optional.empty(), OnnxImageInput.of(model(tensor("int64", "batch", "sequence")))); // a text encoder
        assertEquals(Optional.empty(), OnnxImageInput.of(model(tensor("float", "batch", "64")))); // a vector
        assertEquals(Optional.empty(), OnnxImageInput.of(model(tensor("uint8", "batch", "3", "8", "8"))));
        assertEquals(Optional.empty(), OnnxImageInput.of(model(tensor("float", "1", "3", "8", "8"),
                tensor("float", "1", "3", "8", "8")))); // two inputs
    }
}
