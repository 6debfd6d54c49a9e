package dev.finetune.engine.fork;

import dev.finetune.engine.TestBases;
import dev.finetune.engine.model.BaseFormat;
import dev.finetune.engine.model.BaseModelInfo;
import dev.finetune.engine.report.Json;
import dev.finetune.engine.report.RunInfo;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

/** The default thread count follows the base's kind of work, read from its layer list as the build inspects it. */
class ThreadChoiceTest {

    @Test
    void denseAndConvolutionalBasesAreToldApart(@TempDir Path dir) throws Exception {
        Path dense = TestBases.multiLayerBase(dir.resolve("mln.zip"));
        assertEquals(new ThreadChoice(ThreadChoice.DENSE, "default for dense networks"), ThreadChoice.byWorkload(BaseFormat.inspectAny(dense)));
        for (String keras : List.of("cnn-sequential.h5", "cnn-functional.h5", "mlp-sequential.h5")) {
            Path file = dir.resolve(keras);
            try (InputStream in = ThreadChoiceTest.class.getResourceAsStream("/keras/" + keras)) {
                Files.copy(in, file);
            }
            ThreadChoice choice = ThreadChoice.byWorkload(BaseFormat.inspectAny(file));
            assertEquals(keras.startsWith("cnn") ? new ThreadChoice(ThreadChoice.CONVOLUTIONAL, "default for convolutional networks")
                    : new ThreadChoice(ThreadChoice.DENSE, "default for dense networks"), choice, keras);
        }
    }

    @Test
    void frozenEncoderBodiesGetTwoThreadsAndASetCountIsKept() {
        BaseModelInfo onnx = new BaseModelInfo("ONNX model", false, List.of(new BaseModelInfo.LayerInfo("encoder.onnx",
                "ONNX graph (12 nodes)", 384, Optional.of(10L), true)), Optional.empty(), false, Map.of(), true);
        assertEquals(new ThreadChoice(2, "default for frozen encoder bodies"), ThreadChoice.byWorkload(onnx));
        assertEquals("3 OpenMP threads (finetune.threads)", ThreadChoice.set(3).describe());
        assertThrows(IllegalArgumentException.class, () -> ThreadChoice.set(0));
    }

    @Test
    void theChoiceTravelsInTheRequestAndAnOlderRunJsonReadsAsSet(@TempDir Path dir) throws Exception {
        ForkRequest request = ForkRequest.of(ForkRequest.Task.train, dir.resolve("finetune.yaml"), dir, dir, dir.resolve("b.zip"),
                2, 1, true, Optional.empty()).withThreads(new ThreadChoice(1, "default for dense networks"));
        request.write(dir.resolve("request.json"));
        ForkRequest read = ForkRequest.read(dir.resolve("request.json"));
        assertEquals(1, read.ompThreads());
        assertEquals("default for dense networks", read.threadsChosenBy());
        Files.writeString(dir.resolve("run.json"), "{\"dl4jVersion\":\"1\",\"backend\":\"cpu\",\"ompThreads\":2,\"blasThreads\":1,"
                + "\"ompWaitPolicy\":\"passive\",\"javaVersion\":\"17\",\"os\":\"linux\",\"classes\":[\"a\"]}", StandardCharsets.UTF_8);
        assertEquals("finetune.threads", Json.read(dir.resolve("run.json"), RunInfo.class).threadsChosenBy());
    }
}
