package dev.finetune.engine;

import dev.finetune.engine.event.EventSink;
import dev.finetune.engine.job.FinetuneJob;
import dev.finetune.engine.job.JobOptions;
import dev.finetune.engine.layout.OutputFiles;
import dev.finetune.spec.FinetuneSpec;
import dev.finetune.spec.SpecException;
import dev.finetune.spec.SpecParser;
import org.deeplearning4j.nn.api.Model;
import org.deeplearning4j.util.ModelSerializer;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.api.ndarray.INDArray;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * L2-SP ({@code training.l2sp}) on real data (digits 5-9 on a base pretrained on digits 0-4): measured by how far the
 * base's layers end from their pretrained weights, against plain L2 and no regularisation on the same data and seed.
 */
class L2spTest {

    @TempDir
    static Path project;

    @BeforeAll
    static void inputs() throws Exception {
        TestBases.writeProject(project, true);
    }

    private static final String SPEC = "base: { path: %s }\n" + TestBases.UPPER_DIGITS + """
            freeze: %s
            training:
              learningRate: 0.003
              batchSize: 16
              epochs: 5
              seed: 5
              %s
            """;

    private static Map<String, INDArray> train(String base, String freeze, String regularisation, Path out) throws Exception {
        FinetuneSpec spec = new SpecParser().parse("finetune.yaml", SPEC.formatted(base, freeze, regularisation));
        FinetuneJob job = TestBases.job(spec, project, out, EventSink.NONE, JobOptions.DEFAULTS);
        job.train();
        return params(out.resolve(OutputFiles.MODEL), base.startsWith("graph"));
    }

    private static Map<String, INDArray> params(Path zip, boolean graph) throws Exception {
        Model model = graph ? ModelSerializer.restoreComputationGraph(zip.toFile(), false)
                : ModelSerializer.restoreMultiLayerNetwork(zip.toFile(), false);
        return model.paramTable();
    }

    /** The Euclidean distance of the named weights from the base's. */
    private static double distance(Map<String, INDArray> base, Map<String, INDArray> tuned, List<String> keys) {
        double sum = 0;
        for (String key : keys) {
            double d = tuned.get(key).sub(base.get(key)).norm2Number().doubleValue();
            sum += d * d;
        }
        return Math.sqrt(sum);
    }

    @Test
    void l2spEndsCloserToTheBaseThanPlainL2OrNone(@TempDir Path none, @TempDir Path l2, @TempDir Path l2sp) throws Exception {
        Map<String, INDArray> base = params(project.resolve("mln.zip"), false);
        List<String> weights = List.of("0_W", "1_W");
        double free = distance(base, train("mln.zip", "none", "", none), weights);
        double plain = distance(base, train("mln.zip", "none", "l2: 1", l2), weights);
        Map<String, INDArray> anchored = train("mln.zip", "none", "l2sp: 1", l2sp);
        double toBase = distance(base, anchored, weights);
        System.out.printf("distance of hidden1/hidden2 weights from the base: none %.4f, l2 1 %.4f, l2sp 1 %.4f%n",
                free, plain, toBase);
        // measured: none 3.31, L2 5.60, L2-SP 2.62 (L2's largest weight is 1, so both at 1)
        assertTrue(toBase < 0.9 * free, "L2-SP " + toBase + " vs none " + free);
        assertTrue(toBase < 0.6 * plain, "L2-SP " + toBase + " vs L2 " + plain);
        // the head's new output layer has no pretrained weights: it trains as without L2-SP
        assertTrue(anchored.get("2_W").norm2Number().doubleValue() > 0);
    }

    @Test
    void frozenLayersStayAsTheyAreAndTheCachedTopIsPulledToo(@TempDir Path none, @TempDir Path l2sp) throws Exception {
        Map<String, INDArray> base = params(project.resolve("mln.zip"), false);
        double free = distance(base, train("mln.zip", "{ upTo: hidden1 }", "", none), List.of("1_W"));
        Map<String, INDArray> anchored = train("mln.zip", "{ upTo: hidden1 }", "l2sp: 5", l2sp);
        assertArrayEquals(base.get("0_W").data().asBytes(), anchored.get("0_W").data().asBytes(), "hidden1 is frozen");
        double toBase = distance(base, anchored, List.of("1_W"));
        assertTrue(toBase < 0.8 * free, "L2-SP " + toBase + " vs none " + free);
    }

    @Test
    void graphsTooAndTheSavedModelCarriesNoL2sp(@TempDir Path none, @TempDir Path l2sp) throws Exception {
        Map<String, INDArray> base = params(project.resolve("graph.zip"), true);
        List<String> weights = List.of("hidden1_W", "hidden2_W");
        double free = distance(base, train("graph.zip", "none", "", none), weights);
        double toBase = distance(base, train("graph.zip", "none", "l2sp: 5", l2sp), weights);
        assertTrue(toBase < 0.8 * free, "L2-SP " + toBase + " vs none " + free);
        String config = new String(readEntry(l2sp.resolve(OutputFiles.MODEL), "configuration.json"));
        assertFalse(config.contains("L2sp"), "the penalty is the training's, not the model's");
    }

    @Test
    void sameSeedSameBits(@TempDir Path first, @TempDir Path second) throws Exception {
        Map<String, INDArray> a = train("mln.zip", "none", "l2sp: 1", first);
        Map<String, INDArray> b = train("mln.zip", "none", "l2sp: 1", second);
        for (String key : a.keySet()) {
            assertArrayEquals(a.get(key).data().asBytes(), b.get(key).data().asBytes(), key);
        }
    }

    @Test
    void withEverythingFrozenItIsALocatedError() {
        SpecException e = assertThrows(SpecException.class, () -> new SpecParser().parse("finetune.yaml",
                SPEC.formatted("mln.zip", "all", "l2sp: 1")));
        assertEquals(List.of("finetune.yaml:11:9: `training.l2sp` pulls the base's trainable layers toward their pretrained"
                        + " values, but `freeze: all` leaves none of them training; unfreeze some (`freeze.upTo`) or leave"
                        + " `training.l2sp` out"),
                e.problems().stream().map(Object::toString).toList());
    }

    private static byte[] readEntry(Path zip, String entry) throws Exception {
        try (var file = new java.util.zip.ZipFile(zip.toFile())) {
            return file.getInputStream(file.getEntry(entry)).readAllBytes();
        }
    }
}
