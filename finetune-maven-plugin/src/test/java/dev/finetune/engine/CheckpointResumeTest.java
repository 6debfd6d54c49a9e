package dev.finetune.engine;

import dev.finetune.engine.event.EventSink;
import dev.finetune.engine.event.EventText;
import dev.finetune.engine.event.JobEvent;
import dev.finetune.engine.job.FinetuneJob;
import dev.finetune.engine.job.JobOptions;
import dev.finetune.engine.layout.OutputFiles;
import dev.finetune.engine.report.Json;
import dev.finetune.engine.report.SweepReport;
import dev.finetune.engine.report.TrainingReport;
import dev.finetune.engine.report.TrialResult;
import dev.finetune.engine.train.Checkpoints;
import dev.finetune.spec.FinetuneSpec;
import dev.finetune.spec.SpecParser;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Optional;
import java.util.function.Predicate;
import java.util.zip.ZipFile;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A training stopped mid-way (here: an exception out of the event sink right after an epoch, before its checkpoint is
 * written, as a kill would leave it) and run again with the same inputs resumes from its last checkpoint and ends with
 * the same parameters, bit for bit, as a run never stopped; checkpointing itself changes nothing. Sweeps: a rerun
 * runs only the trials the journal lacks and picks the same winner. The kill -9 of a real fork is the `it` module's
 * FaultsIT.
 */
class CheckpointResumeTest {

    @TempDir
    static Path project;

    @BeforeAll
    static void inputs() throws Exception {
        TestBases.writeProject(project, true);
    }

    /** Adam (updater state), dropout (ND4J's generator), early stopping's bookkeeping and a from-scratch second run. */
    private static final String SPEC = "base: { path: %s }\n" + TestBases.UPPER_DIGITS + """
            freeze: { upTo: hidden1 }
            head: { hidden: [12] }
            training: { updater: adam, learningRate: 0.01, batchSize: 16, epochs: 6, seed: 5, dropout: 0.2 }
            earlyStopping: { metric: accuracy, patience: 3 }
            evaluation: { compareWithScratch: true }
            """;

    private static final String SWEEP = "base: { path: mln.zip }\n" + TestBases.UPPER_DIGITS + """
            freeze: { upTo: hidden1 }
            head: { hidden: [12] }
            training: { learningRate: 0.01, batchSize: 16, epochs: 4, seed: 5 }
            sweep:
              parallelism: 2
              earlyTermination: { policy: %s, gracePeriod: 1, reductionFactor: 2 }
              parameters:
                head.hidden: { values: [[], [8], [24]] }
                training.learningRate: { values: [0.001, 0.02] }
            """;

    /** Stands for a kill: thrown by the sink, it ends the job where a SIGKILL could have. */
    private static final class Killed extends RuntimeException {
        Killed() {
            super("killed for the test");
        }
    }

    private record Run(List<JobEvent> events, List<String> lines) {
        long count(Predicate<JobEvent> p) {
            return events.stream().filter(p).count();
        }
    }

    private static JobOptions options(boolean cache, String key) {
        return JobOptions.DEFAULTS.withFrozenFeatureCache(cache).withCheckpoints(Optional.of(new Checkpoints.Policy(key, 1, 0)));
    }

    private static Run train(FinetuneSpec spec, Path out, JobOptions options, Predicate<JobEvent> killAt) throws IOException {
        List<JobEvent> events = Collections.synchronizedList(new ArrayList<>());
        List<String> lines = Collections.synchronizedList(new ArrayList<>());
        EventSink sink = e -> {
            events.add(e);
            EventText.line(e).ifPresent(l -> lines.add(l.text()));
            if (killAt.test(e)) {
                throw new Killed();
            }
        };
        FinetuneJob job = TestBases.job(spec, project, out, sink, options);
        job.train();
        return new Run(events, lines);
    }

    private static byte[] coefficients(Path zip) throws IOException {
        try (ZipFile z = new ZipFile(zip.toFile())) {
            return z.getInputStream(z.getEntry("coefficients.bin")).readAllBytes();
        }
    }

    private static Predicate<JobEvent> epoch(String run, int epoch) {
        return e -> e instanceof JobEvent.EpochEnded x && x.run().equals(run) && x.epoch() == epoch;
    }

    @ParameterizedTest(name = "{0}, frozen-feature cache {1}, stopped in {2} epoch {3}")
    @CsvSource({"mln.zip, true, fine-tune, 4", "mln.zip, false, fine-tune, 2", "mln.zip, true, from-scratch, 3", "graph.zip, false, fine-tune, 3"})
    void aResumedRunEndsWithTheParametersOfOneNeverStopped(String base, boolean cache, String run, int epoch, @TempDir Path tmp) throws Exception {
        FinetuneSpec spec = new SpecParser().parse("finetune.yaml", SPEC.formatted(base));
        Path plain = tmp.resolve("plain");
        Path whole = tmp.resolve("whole");
        Path resumed = tmp.resolve("resumed");
        train(spec, plain, JobOptions.DEFAULTS.withFrozenFeatureCache(cache), e -> false);
        train(spec, whole, options(cache, "k1"), e -> false);
        assertThrows(Killed.class, () -> train(spec, resumed, options(cache, "k1"), epoch(run, epoch)));
        // the epoch that was running when it stopped has no checkpoint; the one before it has
        assertTrue(Files.isRegularFile(resumed.resolve(OutputFiles.CHECKPOINTS).resolve(run + ".json")));

        Run again = train(spec, resumed, options(cache, "k1"), e -> false);
        List<String> resumeLines = again.lines().stream().filter(l -> l.startsWith(run + ": resuming from its checkpoint after epoch " + (epoch - 1) + " of ")).toList();
        assertEquals(1, resumeLines.size(), String.join("\n", again.lines()));
        assertEquals(0, again.count(e -> e instanceof JobEvent.EpochEnded x && x.run().equals(run) && x.epoch() < epoch),
                "epochs before the checkpoint are not trained again");

        for (String model : List.of(OutputFiles.MODEL, OutputFiles.SCRATCH_MODEL)) {
            byte[] expected = coefficients(plain.resolve(model));
            assertArrayEquals(expected, coefficients(whole.resolve(model)), "checkpointing changes nothing: " + model);
            assertArrayEquals(expected, coefficients(resumed.resolve(model)), "resumed, bit for bit: " + model);
        }
        for (String report : List.of(OutputFiles.TRAINING, OutputFiles.SCRATCH_TRAINING)) {
            assertEquals(Json.read(plain.resolve(report), TrainingReport.class), Json.read(resumed.resolve(report), TrainingReport.class));
        }
        assertFalse(Files.exists(resumed.resolve(OutputFiles.CHECKPOINTS)), "checkpoints are removed when the step completes");
        assertTrue(again.count(e -> e instanceof JobEvent.CheckpointWritten) > 0);
    }

    /**
     * The default pacing by cost: after the first epoch (no checkpoint timed yet), then only once the training since the
     * last one took its cost over {@code maxOverhead}; at 0.001 these millisecond epochs never get there, so the run
     * checkpoints after epoch 1 and when it finishes, and a run stopped in epoch 4 resumes from epoch 1 to the same bits.
     */
    @Test
    void pacedCheckpointsComeAfterTheFirstEpochAndAtTheEndAndResumeToTheSameBits(@TempDir Path tmp) throws Exception {
        FinetuneSpec spec = new SpecParser().parse("finetune.yaml", SPEC.formatted("mln.zip"));
        JobOptions paced = JobOptions.DEFAULTS.withCheckpoints(Optional.of(new Checkpoints.Policy("p", 0, 0, 0.001)));
        Run whole = train(spec, tmp.resolve("whole"), paced, e -> false);
        List<Integer> written = whole.events().stream().filter(e -> e instanceof JobEvent.CheckpointWritten c && c.run().equals("fine-tune"))
                .map(e -> ((JobEvent.CheckpointWritten) e).epoch()).toList();
        long epochs = whole.count(e -> e instanceof JobEvent.EpochEnded x && x.run().equals("fine-tune"));
        assertTrue(epochs >= 4, "the fine-tune ran " + epochs + " epochs");
        assertEquals(List.of(1, (int) epochs), written, "checkpoints of the fine-tune after epochs");

        Path resumed = tmp.resolve("resumed");
        assertThrows(Killed.class, () -> train(spec, resumed, paced, epoch("fine-tune", 4)));
        Run again = train(spec, resumed, paced, e -> false);
        assertEquals(1, again.lines().stream().filter(l -> l.startsWith("fine-tune: resuming from its checkpoint after epoch 1 of ")).count(),
                String.join("\n", again.lines()));
        for (String model : List.of(OutputFiles.MODEL, OutputFiles.SCRATCH_MODEL)) {
            assertArrayEquals(coefficients(tmp.resolve("whole").resolve(model)), coefficients(resumed.resolve(model)), model);
        }
    }

    @Test
    void thePolicyRefusesShareOutsideZeroToOneAndSaysWhatItDoes() {
        assertThrows(IllegalArgumentException.class, () -> new Checkpoints.Policy("k", 0, 0, 1));
        assertThrows(IllegalArgumentException.class, () -> new Checkpoints.Policy("k", -1, 0, 0));
        assertEquals("paced to at most 5% of training time", new Checkpoints.Policy("k", 0, 0, 0.05).describe());
        assertEquals("every epoch, every 10 minutes", new Checkpoints.Policy("k", 1, 10).describe());
        assertFalse(new Checkpoints.Policy("k", 0, 0, 0).enabled());
    }

    @Test
    void checkpointsOfOtherInputsAreNotResumed(@TempDir Path out) throws Exception {
        FinetuneSpec spec = new SpecParser().parse("finetune.yaml", SPEC.formatted("mln.zip"));
        assertThrows(Killed.class, () -> train(spec, out, options(true, "old"), epoch("fine-tune", 3)));
        Run again = train(spec, out, options(true, "new"), e -> false);
        assertTrue(again.lines().stream().noneMatch(l -> l.contains("resuming")), String.join("\n", again.lines()));
        assertTrue(again.lines().stream().anyMatch(l -> l.contains("were made from other inputs")));
        assertEquals(1, again.count(epoch("fine-tune", 1)));
    }

    /** The report without wall-clock times and the executor's parallelism. */
    private static List<String> timeless(SweepReport r) {
        List<String> rows = new ArrayList<>();
        rows.add(r.winner() + " " + r.winnerParameters() + " " + r.earlyTermination());
        for (TrialResult t : r.trials()) {
            rows.add(t.trial() + " " + t.seed() + " " + t.parameters() + " " + t.status() + " " + t.value() + " " + t.epochsRun()
                    + " " + t.bestEpoch() + " " + t.stoppedEarly() + " " + t.stopReason() + " " + t.error() + " " + t.winner());
        }
        return rows;
    }

    @ParameterizedTest(name = "early termination {0}, stopped after {1} trial(s) ended")
    @CsvSource({"none, 2", "successiveHalving, 3", "medianStop, 4"})
    void aResumedSweepRunsOnlyTheTrialsItsJournalLacksAndPicksTheSameWinner(String policy, int endedBeforeKill, @TempDir Path tmp) throws Exception {
        FinetuneSpec spec = new SpecParser().parse("finetune.yaml", SWEEP.formatted(policy));
        Path whole = tmp.resolve("whole");
        Path resumed = tmp.resolve("resumed");
        train(spec, whole, options(true, "s"), e -> false);
        int[] ended = {0};
        assertThrows(RuntimeException.class, () -> train(spec, resumed, options(true, "s"),
                e -> e instanceof JobEvent.TrialEnded && ++ended[0] == endedBeforeKill));
        long journaled = Files.readAllLines(resumed.resolve(OutputFiles.SWEEP_JOURNAL)).size();
        assertTrue(journaled >= endedBeforeKill, "journaled " + journaled);

        Run again = train(spec, resumed, options(true, "s"), e -> false);
        assertEquals(6 - journaled, again.count(e -> e instanceof JobEvent.TrialStarted), "only the trials the journal lacks run");
        assertEquals(1, again.lines().stream().filter(l -> l.startsWith("sweep: resuming: " + journaled + " of 6 trials finished")).count(),
                String.join("\n", again.lines()));
        assertEquals(timeless(Json.read(whole.resolve(OutputFiles.SWEEP), SweepReport.class)),
                timeless(Json.read(resumed.resolve(OutputFiles.SWEEP), SweepReport.class)));
        assertArrayEquals(coefficients(whole.resolve(OutputFiles.MODEL)), coefficients(resumed.resolve(OutputFiles.MODEL)));
        assertEquals(6, Files.readAllLines(resumed.resolve(OutputFiles.SWEEP_JOURNAL)).size(), "every trial journaled once");

        // a third run (as -Dfinetune.sweep.rerunFailed would, after the step completed): nothing to train but the
        // winner, whose saved network went with the checkpoints; the same network again
        Run third = train(spec, resumed, options(true, "s"), e -> false);
        assertEquals(1, third.count(e -> e instanceof JobEvent.TrialStarted), String.join("\n", third.lines()));
        assertArrayEquals(coefficients(whole.resolve(OutputFiles.MODEL)), coefficients(resumed.resolve(OutputFiles.MODEL)));
    }
}
