package dev.finetune.engine.fork;

import dev.finetune.engine.TestBases;
import dev.finetune.engine.model.BaseFormat;
import dev.finetune.engine.model.BaseModelInfo;
import dev.finetune.engine.report.Json;
import dev.finetune.engine.report.RunInfo;
import dev.finetune.spec.FinetuneSpec;
import dev.finetune.spec.SpecParser;
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

    /** A LeNet as the inspection lists it. */
    private static final BaseModelInfo LENET = new BaseModelInfo("DL4J model zip", false, List.of(
            layer("conv1", "ConvolutionLayer"), layer("pool1", "SubsamplingLayer"), layer("conv2", "ConvolutionLayer"),
            layer("pool2", "SubsamplingLayer"), layer("fc", "DenseLayer"), layer("output", "OutputLayer")),
            Optional.empty(), false, Map.of(), false);

    private static BaseModelInfo.LayerInfo layer(String name, String type) {
        return new BaseModelInfo.LayerInfo(name, type, 10, Optional.of(10L), false);
    }

    private static ThreadChoice forSpec(String rest, boolean cache) throws Exception {
        FinetuneSpec spec = new SpecParser().parse("finetune.yaml", "base: { path: b.zip }\n" + TestBases.UPPER_DIGITS
                + "head: { removeLayers: 1 }\ntraining: { learningRate: 0.01, epochs: 2 }\n" + rest);
        return ThreadChoice.forTraining(LENET, spec, cache);
    }

    @Test
    void aDenseHeadOnCachedConvolutionsIsDenseWorkAndAnythingRunningConvolutionsPerEpochIsNot() throws Exception {
        ThreadChoice cachedHead = new ThreadChoice(ThreadChoice.CACHED_HEAD, "default for dense heads on cached convolution outputs");
        ThreadChoice convolutional = new ThreadChoice(ThreadChoice.CONVOLUTIONAL, "default for convolutional networks");
        assertEquals(cachedHead, forSpec("freeze: { upTo: pool2 }\n", true));
        assertEquals(cachedHead, forSpec("freeze: { upTo: fc }\n", true));
        assertEquals(convolutional, forSpec("freeze: { upTo: pool2 }\n", false), "no cache: the convolutions run every epoch");
        assertEquals(convolutional, forSpec("freeze: { upTo: pool1 }\n", true), "conv2 trains");
        assertEquals(convolutional, forSpec("freeze: none\n", true));
        assertEquals(convolutional, forSpec("freeze: { upTo: pool2 }\nevaluation: { compareWithScratch: true }\n", true),
                "the from-scratch run trains the convolutions");
        assertEquals(convolutional, forSpec("freeze: { upTo: pool2 }\nsweep:\n  parameters:\n    freeze.upTo: { values: [pool2, pool1] }\n", true),
                "a trial may train them");
        assertEquals(convolutional, forSpec("freeze: { upTo: nosuchlayer }\n", true), "a spec that does not fit keeps the base's default");
        assertEquals(1, ThreadChoice.CACHED_HEAD);
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
