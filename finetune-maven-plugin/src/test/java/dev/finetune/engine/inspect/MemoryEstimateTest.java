package dev.finetune.engine.inspect;

import dev.finetune.engine.model.BaseModelInfo;
import dev.finetune.engine.model.BaseModelInfo.LayerInfo;
import dev.finetune.spec.FinetuneSpec;
import dev.finetune.spec.SpecParser;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Optional;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class MemoryEstimateTest {

    /** A LeNet (the classic 500-unit `fc`) as a DL4J zip's configuration reads. */
    private static final BaseModelInfo LENET = new BaseModelInfo("DL4J model zip (MultiLayerNetwork)", false, List.of(
            new LayerInfo("conv1", "ConvolutionLayer", -1, Optional.of(520L), false),
            new LayerInfo("pool1", "SubsamplingLayer", -1, Optional.of(0L), false),
            new LayerInfo("conv2", "ConvolutionLayer", -1, Optional.of(25_050L), false),
            new LayerInfo("pool2", "SubsamplingLayer", -1, Optional.of(0L), false),
            new LayerInfo("fc", "DenseLayer", 500, Optional.of(400_500L), false),
            new LayerInfo("output", "OutputLayer", 10, Optional.of(5_010L), false)), Optional.of(List.of(1L, 28L, 28L)), false);

    private static FinetuneSpec spec(String head, String updater) throws Exception {
        return new SpecParser().parse("finetune.yaml", """
                base: { path: models/mnist-lenet.zip }
                dataset: { path: data/digits.csv }
                freeze: { upTo: pool2 }
                head: %s
                training: { updater: %s, learningRate: 0.001, batchSize: 32, epochs: 2, seed: 1 }
                """.formatted(head, updater));
    }

    @Test
    void theNetworkAsBuiltCountsFrozenLayersOnceAndTrainableOnesWithGradientAndUpdaterState() throws Exception {
        List<MemoryEstimate.Layer> layers = MemoryEstimate.layers(spec("{ hidden: [64] }", "adam"), LENET);
        assertEquals(List.of("conv1", "pool1", "conv2", "pool2", "fc", "head_dense_0", "head_output"),
                layers.stream().map(MemoryEstimate.Layer::name).toList());
        assertEquals(500 * 64 + 64, layers.get(5).params());
        assertEquals(64 * 2 + 2, layers.get(6).params(), "two classes at least");
        assertEquals(520 * 4, MemoryEstimate.bytes(layers.get(0), FinetuneSpec.Updater.adam), "frozen: the parameters only");
        assertEquals(400_500L * 4 * 4, MemoryEstimate.bytes(layers.get(4), FinetuneSpec.Updater.adam),
                "trainable with Adam: parameters, gradient, two state values");
        assertEquals(400_500L * 4 * 2, MemoryEstimate.bytes(layers.get(4), FinetuneSpec.Updater.sgd));
    }

    @Test
    void aHeadTooLargeForTheHeapIsRefusedAtItsLayerNamingTheSettingAndTheSize() throws Exception {
        FinetuneSpec huge = spec("{ hidden: [100000] }", "adam");
        String problem = MemoryEstimate.check(huge, LENET, Optional.of("64m"), Optional.empty()).orElseThrow();
        // 500 x 100000 + 100000 parameters, 16 bytes each (float, gradient, Adam's two)
        assertEquals(huge.locate("head.hidden[0]") + ": the network needs at least 774 MiB for its parameters, gradients and adam"
                + " state (largest: layer `head_dense_0`, 50,100,000 parameters, 764 MiB), more than the training JVM may"
                + " allocate, finetune.maxHeap=64m (ND4J's off-heap limit follows the heap unless finetune.maxOffHeap is set):"
                + " raise -Dfinetune.maxHeap, or make `head_dense_0` smaller", problem);
        assertTrue(problem.startsWith("finetune.yaml:4:"), problem);
        // the same head fits the default heap, and an off-heap limit replaces the heap's
        assertEquals(Optional.empty(), MemoryEstimate.check(huge, LENET, Optional.of("2g"), Optional.empty()));
        assertTrue(MemoryEstimate.check(huge, LENET, Optional.of("2g"), Optional.of("512M")).orElseThrow()
                .contains("finetune.maxOffHeap=512M: raise -Dfinetune.maxOffHeap"));
        assertEquals(Optional.empty(), MemoryEstimate.check(spec("{ hidden: [64] }", "adam"), LENET, Optional.of("16m"), Optional.empty()));
    }

    @Test
    void aSweptHeadIsCheckedPerTrial() throws Exception {
        FinetuneSpec swept = new SpecParser().parse("finetune.yaml", """
                base: { path: models/mnist-lenet.zip }
                dataset: { path: data/digits.csv }
                training: { updater: sgd, learningRate: 0.001, batchSize: 32, epochs: 2, seed: 1 }
                sweep:
                  parameters:
                    head.hidden: { values: [[64], [200000]] }
                """);
        String problem = MemoryEstimate.check(swept, LENET, Optional.of("256m"), Optional.empty()).orElseThrow();
        assertTrue(problem.startsWith(swept.locate("sweep.parameters") + ": the network of a sweep trial needs at least"), problem);
        assertTrue(problem.contains("layer `head_dense_0`, 100,200,000 parameters"), problem);
    }

    @Test
    void sizesReadAsTheJvmAndJavaCppReadThem() {
        assertEquals(Optional.of(2L << 30), MemoryEstimate.parseBytes("2g"));
        assertEquals(Optional.of(16L << 20), MemoryEstimate.parseBytes("16M"));
        assertEquals(Optional.of(512L << 10), MemoryEstimate.parseBytes("512k"));
        assertEquals(Optional.of(1_000_000L), MemoryEstimate.parseBytes("1000000"));
        assertEquals(Optional.empty(), MemoryEstimate.parseBytes("lots"));
    }
}
