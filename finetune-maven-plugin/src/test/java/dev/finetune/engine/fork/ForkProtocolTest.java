package dev.finetune.engine.fork;

import dev.finetune.engine.event.JobEvent;
import dev.finetune.engine.event.JobEvent.JobFinished;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import dev.finetune.engine.train.Checkpoints;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The request and the framed events, both ways, without starting a JVM. */
class ForkProtocolTest {

    @Test
    void theRequestRoundTripsThroughItsFile(@TempDir Path dir) throws Exception {
        ForkRequest request = ForkRequest.of(ForkRequest.Task.evaluate, dir.resolve("finetune.yaml"), dir, dir.resolve("target/finetune"),
                dir.resolve("models/base with space.zip"), 2, 1, false, Optional.of(12345L));
        Path file = dir.resolve("request.json");
        request.write(file);
        assertEquals(request, ForkRequest.read(file));

        ForkRequest inProcess = ForkRequest.of(ForkRequest.Task.train, Path.of("finetune.yaml"), dir, dir, dir.resolve("b.zip"),
                1, 1, true, Optional.empty());
        inProcess.write(file);
        assertEquals(inProcess, ForkRequest.read(file));
        assertTrue(ForkRequest.read(file).spec().isAbsolute());

        ForkRequest checkpointing = inProcess.withCheckpoints(Optional.of(new Checkpoints.Policy("ace712507c70", 2, 5)), true);
        checkpointing.write(file);
        assertEquals(checkpointing, ForkRequest.read(file));
        assertEquals(Optional.of(new Checkpoints.Policy("ace712507c70", 2, 5)), ForkRequest.read(file).jobOptions().checkpoints());
        assertTrue(ForkRequest.read(file).jobOptions().rerunFailedTrials());
        // finetune.heartbeat reaches the engine's options; by default 30 s
        assertEquals(java.time.Duration.ofSeconds(30), ForkRequest.read(file).jobOptions().heartbeat());
        ForkRequest quick = ForkRequest.of(ForkRequest.Task.train, Path.of("finetune.yaml"), dir, dir, dir.resolve("b.zip"),
                1, 1, true, Optional.empty(), false, 7);
        quick.write(file);
        assertEquals(java.time.Duration.ofSeconds(7), ForkRequest.read(file).jobOptions().heartbeat());
    }

    @Test
    void everyKindOfEventRoundTripsThroughAFrame() throws Exception {
        List<JobEvent> events = List.of(
                new JobEvent.Info("data: 10 classes"),
                new JobEvent.Warning("careful"),
                new JobEvent.EpochEnded("trial 2", Optional.of(2), 3, 10, 0.5, 0.6, 0.9, 0.88, "accuracy", 0.9, true, 0.9, 3, 0.25, 1.75),
                new JobEvent.TrialStarted(2, 44L, Map.of("training.learningRate", 0.003)),
                new JobEvent.TrialEnded(2, Map.of("head.hidden", List.of(32)), "stopped", "accuracy", Optional.of(0.97), 3, 4,
                        Optional.of("median stop"), Optional.empty(), 1.5),
                new JobEvent.CheckpointWritten("fine-tune", 4, "checkpoints/fine-tune.json", 0.25),
                new JobEvent.Heartbeat("fine-tune", Optional.empty(), 2, 50, 120, 400, 42.0, 1870.0),
                new JobEvent.SweepProgress(3, 9, 64.0, 128.0),
                new JobFinished("train", JobFinished.Outcome.userError, List.of("a.csv: row 3: bad", "b")));
        for (JobEvent e : events) {
            assertEquals(Optional.of(e), ForkProtocol.parse(ForkProtocol.frame(e)), e.toString());
        }
    }

    /** DL4J's own ERROR lines share the fork's output: they are relayed as plain warnings, never as the job's errors. */
    @Test
    void theRelayTellsFramesFromEveryOtherLine() {
        String output = String.join("\n",
                "[ERROR] Exception in DL4J's own logging",
                ForkProtocol.frame(new JobEvent.Info("data: 3 classes")),
                "WARNING: A terminally deprecated method in java.lang.System has been called",
                "[WARN] ND4J warns",
                ForkProtocol.PREFIX + "{not json",
                ForkProtocol.frame(new JobFinished("train", JobFinished.Outcome.succeeded, List.of())),
                "");
        List<JobEvent> events = new ArrayList<>();
        List<String> warnings = new ArrayList<>();
        List<String> debug = new ArrayList<>();
        JvmFork.Relay relay = new JvmFork.Relay(new ByteArrayInputStream(output.getBytes(StandardCharsets.UTF_8)), new JvmFork.Output() {
            @Override
            public void event(JobEvent event) {
                events.add(event);
            }

            @Override
            public void plain(String line, boolean warning) {
                (warning ? warnings : debug).add(line);
            }
        });
        relay.run();
        assertEquals(List.of(new JobEvent.Info("data: 3 classes"), new JobFinished("train", JobFinished.Outcome.succeeded, List.of())), events);
        assertEquals(List.of("[ERROR] Exception in DL4J's own logging", "[WARN] ND4J warns",
                "unreadable event from the training JVM: " + ForkProtocol.PREFIX + "{not json"), warnings);
        assertEquals(List.of("WARNING: A terminally deprecated method in java.lang.System has been called"), debug);
        assertEquals(Optional.of(new JobFinished("train", JobFinished.Outcome.succeeded, List.of())), relay.finished());
        assertEquals(3, relay.lastLines().size());
    }
}
