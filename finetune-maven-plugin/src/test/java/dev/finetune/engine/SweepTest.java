package dev.finetune.engine;

import dev.finetune.engine.layout.OutputFiles;
import dev.finetune.engine.job.FinetuneJob;
import dev.finetune.engine.job.JobOptions;
import dev.finetune.engine.report.Json;
import dev.finetune.engine.report.MetricsReport;
import dev.finetune.engine.report.RunInfo;
import dev.finetune.engine.report.SweepReport;
import dev.finetune.engine.report.TrialResult;
import dev.finetune.engine.event.EventSink;
import dev.finetune.spec.FinetuneSpec;
import org.deeplearning4j.util.ModelSerializer;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Sweeps end to end on real data: a dense base pretrained on digits 0-4, trials fine-tuned on digits 5-9. */
class SweepTest {

    @TempDir
    static Path project;

    @BeforeAll
    static void inputs() throws Exception {
        TestBases.writeProject(project, false);
    }

    private static MetricsReport run(String sweep, Path out) throws Exception {
        FinetuneSpec spec = SweepFixture.spec(sweep);
        FinetuneJob job = TestBases.job(spec, project, out, EventSink.toStdout(), JobOptions.DEFAULTS);
        job.train();
        return job.evaluate();
    }

    private static SweepReport report(Path out) throws Exception {
        return Json.read(out.resolve(OutputFiles.SWEEP), SweepReport.class);
    }

    @Test
    void winnerIsTheBestOnValidationItsModelIsSavedAndARerunIsIdentical(@TempDir Path a, @TempDir Path b) throws Exception {
        MetricsReport metrics = run(SweepFixture.grid(1), a);
        SweepReport r = report(a);
        assertEquals(6, r.trials().size());
        // ranked best first by validation accuracy, the winner first
        List<Double> values = r.trials().stream().map(t -> t.value().orElseThrow()).toList();
        assertEquals(values.stream().sorted(Comparator.reverseOrder()).toList(), values);
        TrialResult winner = r.trials().get(0);
        assertTrue(winner.winner());
        assertEquals(1, r.trials().stream().filter(TrialResult::winner).count());
        assertEquals(r.winner(), winner.trial());
        // the model evaluated is the winner's: its validation accuracy is the one the sweep ranked it by
        assertEquals(winner.value().orElseThrow(), metrics.validation().accuracy(), 1e-9);
        assertEquals("trial " + winner.trial(), metrics.training().model());
        assertTrue(metrics.test().accuracy() > 0.6, "test accuracy " + metrics.test().accuracy());
        String md = Files.readString(a.resolve(OutputFiles.SWEEP_TABLE));
        assertTrue(md.contains("| 1 **★** | " + winner.trial() + " |"), md);
        assertEquals(6 + 2, md.lines().filter(l -> l.startsWith("|")).count(), md);

        run(SweepFixture.grid(1), b);
        assertEquals(SweepFixture.timeless(r), SweepFixture.timeless(report(b)));
        assertArrayEquals(ModelSerializer.restoreMultiLayerNetwork(a.resolve(OutputFiles.MODEL).toFile()).params().data().asBytes(),
                ModelSerializer.restoreMultiLayerNetwork(b.resolve(OutputFiles.MODEL).toFile()).params().data().asBytes());
    }

    @Test
    void resultsDoNotDependOnParallelism(@TempDir Path one, @TempDir Path three) throws Exception {
        run(SweepFixture.grid(1), one);
        run(SweepFixture.grid(3), three);
        assertEquals(3, report(three).parallelism());
        assertEquals(SweepFixture.timeless(report(one)), SweepFixture.timeless(report(three)));
        assertArrayEquals(ModelSerializer.restoreMultiLayerNetwork(one.resolve(OutputFiles.MODEL).toFile()).params().data().asBytes(),
                ModelSerializer.restoreMultiLayerNetwork(three.resolve(OutputFiles.MODEL).toFile()).params().data().asBytes());
    }

    @Test
    void roundsOfEarlyTerminationDoNotDependOnParallelismEither(@TempDir Path one, @TempDir Path two) throws Exception {
        String halving = """
                parallelism: %d
                maxTrials: 8
                parameters:
                  head.hidden: { values: [[], [8], [16], [24]] }
                  training.learningRate: { values: [0.0005, 0.02] }
                earlyTermination: { policy: successiveHalving, gracePeriod: 1, reductionFactor: 2 }
                """;
        run(halving.formatted(1), one);
        run(halving.formatted(2), two);
        assertEquals(2, report(two).parallelism());
        assertEquals(SweepFixture.timeless(report(one)), SweepFixture.timeless(report(two)));
        assertArrayEquals(ModelSerializer.restoreMultiLayerNetwork(one.resolve(OutputFiles.MODEL).toFile()).params().data().asBytes(),
                ModelSerializer.restoreMultiLayerNetwork(two.resolve(OutputFiles.MODEL).toFile()).params().data().asBytes());
    }

    @Test
    void aFailingTrialIsReportedAndTheOthersGoOn(@TempDir Path out) throws Exception {
        // freezing `out`, which the head removes, fails that trial when its network is built
        run("""
                parallelism: 2
                parameters:
                  freeze.upTo: { values: [hidden1, out, hidden2] }
                """, out);
        SweepReport r = report(out);
        assertEquals(3, r.trials().size());
        TrialResult failed = r.trials().get(2);
        assertEquals(1, failed.trial());
        assertEquals("failed", failed.status());
        assertTrue(failed.value().isEmpty());
        assertTrue(failed.error().orElseThrow().contains("`freeze` names layer 2 (`out`), but the head removes"), failed.error().toString());
        assertTrue(r.trials().subList(0, 2).stream().allMatch(t -> t.value().isPresent() && t.epochsRun() == 4));
        assertFalse(failed.winner());
        assertTrue(Files.readString(out.resolve(OutputFiles.SWEEP_TABLE)).contains("failed: `freeze` names layer 2"));
    }

    @Test
    void successiveHalvingKeepsHalfTheTrialsAtEachRung(@TempDir Path out) throws Exception {
        run("""
                maxTrials: 8
                parameters:
                  head.hidden: { values: [[], [8], [16], [24]] }
                  training.learningRate: { values: [0.0005, 0.02] }
                earlyTermination: { policy: successiveHalving, gracePeriod: 1, reductionFactor: 2 }
                """, out);
        SweepReport r = report(out);
        Map<Integer, Long> byEpochs = new java.util.TreeMap<>();
        r.trials().forEach(t -> byEpochs.merge(t.epochsRun(), 1L, Long::sum));
        // rungs at epochs 1, 2 and 4: 8 -> 4 -> 2 -> 1 trials go on
        assertEquals(Map.of(1, 4L, 2, 2L, 4, 2L), byEpochs);
        assertTrue(r.trials().stream().filter(t -> t.epochsRun() == 1)
                .allMatch(t -> t.stopReason().orElseThrow().equals("successive halving at epoch 1 (kept 4 of 8)")));
        // the winner ran to the end: stopped trials had fewer epochs to improve and lost the ranking at a rung
        TrialResult winner = r.trials().get(0);
        assertEquals(4, winner.epochsRun());
        assertTrue(winner.winner());
    }

    @Test
    void medianStoppingStopsTrialsBelowTheMedian(@TempDir Path out) throws Exception {
        run("""
                strategy: random
                maxTrials: 5
                seed: 11
                parameters:
                  training.learningRate: { range: [1.0e-5, 3.0e-2], scale: log }
                earlyTermination: { policy: medianStop, gracePeriod: 2 }
                """, out);
        SweepReport r = report(out);
        assertEquals(5, r.trials().size());
        List<TrialResult> stopped = r.trials().stream().filter(TrialResult::stoppedEarly).toList();
        assertFalse(stopped.isEmpty(), "with learning rates from 1e-5 to 3e-2 some trials fall below the median");
        assertTrue(stopped.stream().allMatch(t -> t.stopReason().orElseThrow().startsWith("median stop at epoch ") && t.epochsRun() >= 2));
        assertFalse(r.trials().get(0).stoppedEarly(), "a trial above the median is never stopped, so the best ran on");
    }
}
