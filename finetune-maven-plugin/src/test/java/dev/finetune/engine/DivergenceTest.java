package dev.finetune.engine;

import dev.finetune.engine.event.EventSink;
import dev.finetune.engine.event.JobEvent;
import dev.finetune.engine.job.JobOptions;
import dev.finetune.engine.layout.OutputFiles;
import dev.finetune.engine.report.Json;
import dev.finetune.engine.report.SweepReport;
import dev.finetune.engine.train.Checkpoints;
import dev.finetune.engine.train.TrainingDiverged;
import dev.finetune.spec.SpecParser;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** A learning rate far too high for raw pixel counts: the loss turns NaN, training stops with where and what to lower. */
class DivergenceTest {

    @TempDir
    static Path project;

    @BeforeAll
    static void inputs() throws Exception {
        TestBases.writeProject(project, false);
        // the same digits in units 10^30 times larger, unscaled: float activations and gradients overflow
        Files.write(project.resolve("data/huge.csv"), TestBases.digitRows(true).stream().map(row -> {
            String[] cells = row.split(",");
            for (int i = 0; i < cells.length - 1; i++) {
                cells[i] = cells[i] + "e30";
            }
            return String.join(",", cells);
        }).toList());
    }

    private static final String DIVERGING = """
            base: { path: mln.zip }
            dataset: { path: data/huge.csv, normalize: none }
            training: { updater: sgd, learningRate: 10, epochs: 5 }
            """;

    @Test
    void aNanLossStopsTrainingWithAClearMessageAndNoModel(@TempDir Path out) throws Exception {
        var job = TestBases.job(new SpecParser().parse("finetune.yaml", DIVERGING), project, out, EventSink.NONE, JobOptions.DEFAULTS);
        TrainingDiverged e = assertThrows(TrainingDiverged.class, job::train);
        assertTrue(e.getMessage().matches("fine-tune diverged at epoch \\d+, batch \\d+: the loss is (NaN|-?Infinity).*; lower "
                + "`training.learningRate` \\(now 10\\), or scale the features \\(`dataset.normalize`\\)"), e.getMessage());
        assertFalse(Files.exists(out.resolve(OutputFiles.MODEL)));
    }

    @Test
    void inASweepTheDivergingTrialFailsWithTheReasonAndTheOthersGoOn(@TempDir Path out) throws Exception {
        String sweep = DIVERGING.replace("epochs: 5 }", "epochs: 3 }") + """
                sweep:
                  metric: accuracy
                  parameters:
                    # a step small enough for features of 10^30 stays finite
                    training.learningRate: { values: [10, 1e-35] }
                """;
        var job = TestBases.job(new SpecParser().parse("finetune.yaml", sweep), project, out, EventSink.NONE, JobOptions.DEFAULTS);
        job.train();
        SweepReport report = Json.read(out.resolve(OutputFiles.SWEEP), SweepReport.class);
        var failed = report.trials().stream().filter(t -> t.status().equals("failed")).toList();
        assertEquals(1, failed.size(), report.trials().toString());
        assertTrue(failed.get(0).error().orElseThrow().startsWith("trial 0 diverged at epoch "), failed.get(0).error().toString());
        assertTrue(Files.isRegularFile(out.resolve(OutputFiles.MODEL)));
    }

    @Test
    void aFailedTrialRunsAgainAloneOnlyWhenAskedTo(@TempDir Path out) throws Exception {
        String sweep = DIVERGING.replace("epochs: 5 }", "epochs: 2 }") + """
                sweep:
                  metric: accuracy
                  parameters:
                    training.learningRate: { values: [10, 1e-35, 2e-35] }
                """;
        var spec = new SpecParser().parse("finetune.yaml", sweep);
        java.util.function.Function<Boolean, JobOptions> options = rerunFailed ->
                JobOptions.DEFAULTS.withCheckpoints(Optional.of(new Checkpoints.Policy("d", 1, 0))).withRerunFailedTrials(rerunFailed);
        List<JobEvent> first = new ArrayList<>();
        TestBases.job(spec, project, out, first::add, options.apply(false)).train();
        assertEquals(3, first.stream().filter(e -> e instanceof JobEvent.TrialStarted).count());

        // the same inputs again: the journal has every trial, the failed one included (only the winner, whose network went
        // with the completed step's checkpoints, is trained again)
        List<JobEvent> again = new ArrayList<>();
        TestBases.job(spec, project, out, again::add, options.apply(false)).train();
        assertEquals(List.of(), started(again).stream().filter(t -> t == 0).toList(), "the failed trial is not run again");

        List<JobEvent> rerun = new ArrayList<>();
        TestBases.job(spec, project, out, rerun::add, options.apply(true)).train();
        assertEquals(1, started(rerun).stream().filter(t -> t == 0).count(), "rerunFailed runs the failed trial: " + started(rerun));
        int winner = report(out).winner();
        assertTrue(started(rerun).stream().allMatch(t -> t == 0 || t == winner), "and no other but the winner");
        assertEquals("failed", report(out).trials().stream().filter(t -> t.trial() == 0).findFirst().orElseThrow().status());
    }

    private static List<Integer> started(List<JobEvent> events) {
        return events.stream().filter(e -> e instanceof JobEvent.TrialStarted).map(e -> ((JobEvent.TrialStarted) e).trial()).toList();
    }

    private static SweepReport report(Path out) throws Exception {
        return Json.read(out.resolve(OutputFiles.SWEEP), SweepReport.class);
    }
}
