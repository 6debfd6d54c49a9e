package dev.finetune.engine;

import dev.finetune.engine.report.GateResult;
import dev.finetune.engine.event.EventSink;
import dev.finetune.engine.UserInputException;
import dev.finetune.engine.event.JobEvent;
import dev.finetune.engine.job.FinetuneJob;
import dev.finetune.engine.job.JobOptions;
import dev.finetune.engine.layout.OutputFiles;
import dev.finetune.engine.report.DataParallelInfo;
import dev.finetune.engine.report.Json;
import dev.finetune.engine.report.MetricsReport;
import dev.finetune.engine.report.RunInfo;
import dev.finetune.engine.sweep.spark.SparkSettings;
import dev.finetune.spec.FinetuneSpec;
import dev.finetune.spec.SpecParser;
import org.deeplearning4j.util.ModelSerializer;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * One training spread over Spark's {@code local[2]} workers by DL4J's parameter averaging: it passes the spec's
 * quality gates as the local training does, repeats itself bit for bit, and records how it was distributed. It is not
 * expected to equal the local training's parameters (an averaged step is not two sequential steps).
 */
class DataParallelTest {

    @TempDir
    static Path project;

    @BeforeAll
    static void inputs() throws Exception {
        TestBases.writeProject(project, true);
    }

    /** Dropout on, so the workers' seeding is tested too. */
    private static final String SPEC = "base: { path: mln.zip }\n" + TestBases.upperDigits(0.5, 0.2, 0.3) + """
            freeze: { upTo: hidden1 }
            head: { hidden: [24] }
            training: { learningRate: 0.03, batchSize: 16, epochs: %d, seed: 5, dropout: 0.1 }
            evaluation:
              gates: [ "accuracy >= 0.8", "macroF1 >= 0.8" ]
            """;

    private static final JobOptions LOCAL = JobOptions.DEFAULTS;

    private static JobOptions dataParallel(int averagingFrequency) {
        return JobOptions.DEFAULTS.withSpark(Optional.of(new SparkSettings("local[2]", Map.of(),
                SparkSettings.Mode.dataParallel, averagingFrequency)), 1);
    }

    private record Run(MetricsReport metrics, RunInfo run, List<JobEvent> events, double seconds, byte[] params) {
    }

    private static Run run(Path out, JobOptions options, boolean cache, int epochs) throws Exception {
        FinetuneSpec spec = new SpecParser().parse("finetune.yaml", SPEC.formatted(epochs));
        List<JobEvent> events = Collections.synchronizedList(new ArrayList<>());
        long t0 = System.nanoTime();
        JobOptions o = cache ? options : JobOptions.DEFAULTS.withFrozenFeatureCache(false).withSpark(options.spark(), 1);
        FinetuneJob job = TestBases.job(spec, project, out, EventSink.all(List.of(events::add, EventSink.toStdout())), o);
        job.train();
        double seconds = (System.nanoTime() - t0) / 1e9;
        return new Run(job.evaluate(), Json.read(out.resolve(OutputFiles.RUN), RunInfo.class), events, seconds,
                ModelSerializer.restoreMultiLayerNetwork(out.resolve(OutputFiles.MODEL).toFile()).params().data().asBytes());
    }

    private static List<Boolean> gates(Run r) {
        FinetuneSpec spec;
        try {
            spec = new SpecParser().parse("finetune.yaml", SPEC.formatted(1));
        } catch (Exception e) {
            throw new AssertionError(e);
        }
        return GateResult.check(spec.evaluation().gates(), r.metrics().test()).stream().map(GateResult::passed).toList();
    }

    @Test
    void dataParallelTrainingPassesTheLocalGatesRepeatablyAndSaysHowItRan(@TempDir Path local, @TempDir Path spark,
                                                                          @TempDir Path again) throws Exception {
        Run l = run(local, LOCAL, true, 8);
        Run s = run(spark, dataParallel(2), true, 8);
        Run s2 = run(again, dataParallel(2), true, 8);

        assertEquals(List.of(true, true), gates(l), "the local training passes the gates: " + l.metrics().test());
        assertEquals(List.of(true, true), gates(s), "so does the data-parallel one: " + s.metrics().test());
        assertTrue(Math.abs(l.metrics().test().accuracy() - s.metrics().test().accuracy()) < 0.05,
                "within 5 points of the local accuracy: " + l.metrics().test().accuracy() + " vs " + s.metrics().test().accuracy());
        assertFalse(java.util.Arrays.equals(l.params(), s.params()), "averaging is not the sequential loop");
        assertArrayEquals(s.params(), s2.params(), "the same spec and workers give the same network again");
        assertEquals(s.metrics().test().loss(), s2.metrics().test().loss());

        assertEquals(Optional.empty(), l.run().dataParallel());
        DataParallelInfo info = s.run().dataParallel().orElseThrow();
        assertEquals("spark", info.executor());
        assertEquals("local[2]", info.master());
        assertEquals(2, info.workers());
        assertEquals(2, info.averagingFrequency());
        assertEquals(16, info.batchSizePerWorker());
        assertTrue(info.sparkVersion().startsWith("3.5"), info.sparkVersion());
        assertEquals(8, s.metrics().training().epochs().size(), "every epoch validated on the driver, as locally");
        assertTrue(s.events().stream().anyMatch(e -> e instanceof JobEvent.Info i && i.message().startsWith("data-parallel: on Spark")));
        System.out.printf(Locale.ROOT, "data-parallel: train()+evaluate() local %.2f s, Spark local[2] %.2f s (again %.2f s);"
                        + " test accuracy %.4f local, %.4f data-parallel%n", l.seconds(), s.seconds(), s2.seconds(),
                l.metrics().test().accuracy(), s.metrics().test().accuracy());
    }

    @Test
    void aComputationGraphTrainsDataParallelToo(@TempDir Path spark) throws Exception {
        FinetuneSpec spec = new SpecParser().parse("finetune.yaml", SPEC.formatted(3).replace("mln.zip", "graph.zip"));
        FinetuneJob job = TestBases.job(spec, project, spark, EventSink.toStdout(), dataParallel(5));
        job.train();
        MetricsReport metrics = job.evaluate();
        assertTrue(metrics.test().accuracy() > 0.6, "SparkComputationGraph learns the digits: " + metrics.test());
        assertEquals(3, metrics.training().epochs().size());
        float[] base = ModelSerializer.restoreComputationGraph(project.resolve("graph.zip").toFile()).getLayer("hidden1").params().dup().toFloatVector();
        float[] frozen = ModelSerializer.restoreComputationGraph(spark.resolve(OutputFiles.MODEL).toFile()).getLayer("hidden1").params().dup().toFloatVector();
        assertArrayEquals(base, frozen, "the graph's frozen vertex stays the base's on the workers");
    }

    @Test
    void aSpecWithASweepIsRefusedWithItsLocationBeforeSparkStarts(@TempDir Path out) throws Exception {
        FinetuneSpec spec = new SpecParser().parse("finetune.yaml", SPEC.formatted(2) + """
                sweep:
                  parameters:
                    training.learningRate: { values: [0.01, 0.03] }
                """);
        List<JobEvent> events = Collections.synchronizedList(new ArrayList<>());
        FinetuneJob job = TestBases.job(spec, project, out, events::add, dataParallel(5));
        UserInputException e = org.junit.jupiter.api.Assertions.assertThrows(UserInputException.class, job::train);
        assertEquals("finetune.spark.mode=data-parallel spreads one training over Spark's workers, but finetune.yaml:11:3:"
                + " the spec has a sweep; run its trials on Spark with finetune.spark.mode=trials", e.getMessage());
        assertTrue(events.stream().noneMatch(ev -> ev instanceof JobEvent.Info i && i.message().startsWith("data-parallel: on Spark")));
    }

    @Test
    void withoutTheFrozenFeatureCacheTheWholeNetworkTravelsFrozenLayersIncluded(@TempDir Path spark) throws Exception {
        Run s = run(spark, dataParallel(5), false, 3);
        assertTrue(s.metrics().test().accuracy() > 0.6, "it learns without the cache too: " + s.metrics().test());
        float[] base = ModelSerializer.restoreMultiLayerNetwork(project.resolve("mln.zip").toFile()).getLayer(0).params().dup().toFloatVector();
        float[] frozen = ModelSerializer.restoreMultiLayerNetwork(spark.resolve(OutputFiles.MODEL).toFile()).getLayer(0).params().dup().toFloatVector();
        assertArrayEquals(base, frozen, "the frozen layer stays the base's on the workers too");
    }
}
