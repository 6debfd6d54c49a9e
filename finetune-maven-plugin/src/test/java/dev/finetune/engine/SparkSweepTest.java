package dev.finetune.engine;

import dev.finetune.engine.event.EventSink;
import dev.finetune.engine.event.JobEvent;
import dev.finetune.engine.job.FinetuneJob;
import dev.finetune.engine.job.JobOptions;
import dev.finetune.engine.layout.OutputFiles;
import dev.finetune.engine.report.Json;
import dev.finetune.engine.report.MetricsReport;
import dev.finetune.engine.report.SweepReport;
import dev.finetune.engine.sweep.spark.SparkSettings;
import dev.finetune.engine.train.Checkpoints;
import dev.finetune.spec.FinetuneSpec;
import org.deeplearning4j.util.ModelSerializer;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Sweep trials as Spark tasks on {@code local[2]} (executors are threads of this JVM, but each loads the inputs and
 * keeps its trials as a cluster's executor would): the same trials, metrics and winner as the local executor.
 */
class SparkSweepTest {

    @TempDir
    static Path project;

    @BeforeAll
    static void inputs() throws Exception {
        TestBases.writeProject(project, false);
    }

    private static final JobOptions LOCAL = JobOptions.DEFAULTS;
    private static final JobOptions SPARK = JobOptions.DEFAULTS.withSpark(Optional.of(new SparkSettings("local[2]", Map.of())), 1);

    private record Run(MetricsReport metrics, SweepReport sweep, List<JobEvent> events, double seconds) {
    }

    private static Run run(String sweep, Path out, JobOptions options) throws Exception {
        FinetuneSpec spec = SweepFixture.spec(sweep);
        List<JobEvent> events = Collections.synchronizedList(new ArrayList<>());
        long t0 = System.nanoTime();
        FinetuneJob job = TestBases.job(spec, project, out, EventSink.all(List.of(events::add, EventSink.toStdout())), options);
        job.train();
        double seconds = (System.nanoTime() - t0) / 1e9;
        return new Run(job.evaluate(), Json.read(out.resolve(OutputFiles.SWEEP), SweepReport.class), events, seconds);
    }

    private static byte[] params(Path out) throws Exception {
        return ModelSerializer.restoreMultiLayerNetwork(out.resolve(OutputFiles.MODEL).toFile()).params().data().asBytes();
    }

    @Test
    void sixTrialsOnSparkGiveTheLocalWinnerAndEveryTrialsMetrics(@TempDir Path local, @TempDir Path spark) throws Exception {
        Run l = run(SweepFixture.grid(2), local, LOCAL);
        Run s = run(SweepFixture.grid(2), spark, SPARK);
        assertEquals(6, s.sweep().trials().size());
        assertEquals(SweepFixture.timeless(l.sweep()), SweepFixture.timeless(s.sweep()));
        assertEquals(2, s.sweep().parallelism(), "local[2]: two task slots");
        assertArrayEquals(params(local), params(spark), "the winner's network, brought back from the executor");
        assertEquals(l.metrics().test().accuracy(), s.metrics().test().accuracy());
        assertEquals(l.metrics().test().loss(), s.metrics().test().loss());
        assertEquals(java.util.Arrays.deepToString(l.metrics().test().confusionMatrix()),
                java.util.Arrays.deepToString(s.metrics().test().confusionMatrix()));
        assertEquals(l.metrics().training().bestEpoch(), s.metrics().training().bestEpoch());
        // the executors' events reach the driver's sink: every trial's start and epochs, as with local trials
        assertEquals(6, s.events().stream().filter(e -> e instanceof JobEvent.TrialStarted).count());
        assertEquals(l.events().stream().filter(e -> e instanceof JobEvent.EpochEnded).count(),
                s.events().stream().filter(e -> e instanceof JobEvent.EpochEnded).count());
        assertTrue(s.events().stream().anyMatch(e -> e instanceof JobEvent.Info i && i.message().startsWith("sweep: on Spark 3.5")));
        System.out.printf(Locale.ROOT, "6-trial sweep, train(): local executor %.2f s, Spark local[2] %.2f s%n", l.seconds(), s.seconds());
    }

    @Test
    void roundsOfEarlyTerminationAndTheJournalWorkOnSparkToo(@TempDir Path local, @TempDir Path spark) throws Exception {
        String halving = """
                parallelism: 2
                maxTrials: 6
                parameters:
                  head.hidden: { values: [[], [8], [24]] }
                  training.learningRate: { values: [0.0005, 0.02] }
                earlyTermination: { policy: successiveHalving, gracePeriod: 1, reductionFactor: 2 }
                """;
        Run l = run(halving, local, LOCAL);
        // with checkpoints the journal records each finished trial with its network, fetched from the executor
        JobOptions journaled = JobOptions.DEFAULTS.withCheckpoints(Optional.of(new Checkpoints.Policy("spark-test", 1, 0)))
                .withSpark(SPARK.spark(), 1);
        Run s = run(halving, spark, journaled);
        assertEquals(SweepFixture.timeless(l.sweep()), SweepFixture.timeless(s.sweep()));
        assertTrue(s.sweep().trials().stream().anyMatch(t -> t.stopReason().orElse("").startsWith("successive halving")));
        assertArrayEquals(params(local), params(spark));
        assertEquals(6, Files.readAllLines(spark.resolve(OutputFiles.SWEEP_JOURNAL)).size(), "one journal line per trial");
    }
}
