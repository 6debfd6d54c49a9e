package dev.finetune.engine.onnx;

import dev.finetune.engine.UserInputException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The pure-Java reading of an ONNX file's graph, checked against what ONNX Runtime's session says of MiniLM. */
class OnnxModelFileTest {

    @Test
    void readsMiniLmsInputsOutputsAndParameters() {
        OnnxModelFile onnx = OnnxModelFile.read(MiniLm.model());
        assertEquals(List.of("input_ids int64[batch_size, sequence_length]", "attention_mask int64[batch_size, sequence_length]",
                "token_type_ids int64[batch_size, sequence_length]"), onnx.inputs().stream().map(Object::toString).toList());
        assertEquals(List.of("last_hidden_state float[batch_size, sequence_length, 384]"),
                onnx.outputs().stream().map(Object::toString).toList());
        assertTrue(onnx.producer().startsWith("onnx.quantize"), onnx.producer());
        assertTrue(onnx.nodes() > 100, "nodes: " + onnx.nodes());
        // MiniLM-L6 has 22.7 M weights; the int8 file holds them plus quantisation scales and zero points
        assertTrue(onnx.parameters() > 22_000_000 && onnx.parameters() < 24_000_000, "parameters: " + onnx.parameters());
        assertTrue(OnnxModelFile.looksLikeOnnx(MiniLm.model()));
    }

    @Test
    void otherFilesAreNotOnnxAndATruncatedOneIsAClearError(@TempDir Path dir) throws Exception {
        assertFalse(OnnxModelFile.looksLikeOnnx(MiniLm.tokenizer()));
        Path truncated = dir.resolve("cut.onnx");
        byte[] all = Files.readAllBytes(MiniLm.model());
        Files.write(truncated, Arrays.copyOf(all, 5000));
        assertTrue(OnnxModelFile.looksLikeOnnx(truncated));
        UserInputException e = assertThrows(UserInputException.class, () -> OnnxModelFile.read(truncated));
        assertTrue(e.getMessage().contains("not a readable ONNX model"), e.getMessage());
    }
}
