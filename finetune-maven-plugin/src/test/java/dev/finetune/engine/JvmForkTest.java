package dev.finetune.engine;

import dev.finetune.engine.event.EventJson;
import dev.finetune.engine.event.EventText;
import dev.finetune.engine.event.JobEvent;
import dev.finetune.engine.event.JobEvent.JobFinished;
import dev.finetune.engine.fork.ForkOptions;
import dev.finetune.engine.fork.ForkRequest;
import dev.finetune.engine.fork.JvmFork;
import dev.finetune.engine.layout.OutputFiles;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.BufferedReader;
import java.io.File;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The training JVM for real: started with this test's classpath, its events relayed and its end mapped. */
class JvmForkTest {

    static List<Path> testClasspath() {
        return Arrays.stream(System.getProperty("java.class.path").split(File.pathSeparator)).map(Path::of).toList();
    }

    private static JvmFork fork(List<String> jvmArgs) {
        return fork(jvmArgs, Map.of());
    }

    private static JvmFork fork(List<String> jvmArgs, Map<String, String> environment) {
        return new JvmFork(new ForkOptions(ForkOptions.currentJava(), testClasspath(), Optional.of("512m"), Optional.empty(),
                Optional.empty(), Optional.empty(), jvmArgs, Optional.empty(), environment));
    }

    static ForkRequest request(Path project, String spec, ForkRequest.Task task) {
        return ForkRequest.of(task, project.resolve(spec), project, project.resolve("out"), project.resolve("base.zip"), 1, 1,
                true, Optional.of(ProcessHandle.current().pid()));
    }

    /** What the fork sent: events, their log lines, and the plain lines by level. */
    static final class Captured implements JvmFork.Output {
        final List<JobEvent> events = Collections.synchronizedList(new ArrayList<>());
        final List<String> info = Collections.synchronizedList(new ArrayList<>());
        final List<String> plainWarnings = Collections.synchronizedList(new ArrayList<>());
        final List<String> plainDebug = Collections.synchronizedList(new ArrayList<>());

        @Override
        public void event(JobEvent event) {
            events.add(event);
            EventText.line(event).ifPresent(l -> info.add(l.text()));
        }

        @Override
        public void plain(String line, boolean warning) {
            (warning ? plainWarnings : plainDebug).add(line);
        }
    }

    @Test
    void forkTrainsAndRelaysProgressAsEventsEndingWithFinished(@TempDir Path project) throws Exception {
        TestBases.writeUpperDigits(project.resolve("upper.csv"));
        TestBases.multiLayerBase(project.resolve("base.zip"));
        Files.writeString(project.resolve("finetune.yaml"), """
                base: { path: base.zip }
                dataset: { path: upper.csv }
                freeze: { upTo: 0 }
                training: { epochs: 2 }
                """);
        Captured out = new Captured();
        JvmFork.Result result = fork(List.of()).run(request(project, "finetune.yaml", ForkRequest.Task.train), out);
        assertTrue(result.succeeded(), "exit " + result.exitCode() + " " + result.errors() + out.info + result.lastLines());
        assertTrue(out.info.stream().anyMatch(l -> l.matches("fine-tune epoch 2/2 .* ETA 0s")), out.info.toString());
        assertTrue(Files.isRegularFile(project.resolve("out").resolve(OutputFiles.MODEL)));
        // the thread counts travel in the request, which the fork read from the output directory
        ForkRequest sent = ForkRequest.read(project.resolve("out").resolve(OutputFiles.forkRequest("train")));
        assertEquals(1, sent.ompThreads());
        // OpenMP waits passively unless environmentVariables say otherwise, and the run records it
        assertTrue(Files.readString(project.resolve("out").resolve(OutputFiles.RUN)).contains("\"ompWaitPolicy\" : \"passive\""));
        assertInstanceOf(JobFinished.class, out.events.get(out.events.size() - 1));
        assertEquals(2, out.events.stream().filter(e -> e instanceof JobEvent.EpochEnded).count());

        // the same events, as JSON lines, in events.jsonl; the last one says the job finished
        List<String> lines = Files.readAllLines(project.resolve("out").resolve(OutputFiles.EVENTS));
        List<JobEvent> fromFile = new ArrayList<>();
        for (String line : lines) {
            assertTrue(line.startsWith("{\"at\":\""), line);
            fromFile.add(EventJson.read(line));
        }
        assertEquals(out.events, fromFile);
        JobEvent.EpochEnded second = (JobEvent.EpochEnded) fromFile.stream().filter(e -> e instanceof JobEvent.EpochEnded)
                .reduce((a, b) -> b).orElseThrow();
        assertEquals("fine-tune", second.run());
        assertEquals(2, second.epoch());
        assertTrue(second.validationAccuracy() > 0 && second.trainLoss() > 0, second.toString());
    }

    @Test
    void userErrorsComeBackAsSuchWithTheirMessage(@TempDir Path project) throws Exception {
        Files.writeString(project.resolve("finetune.yaml"), "base: { path: base.zip }\ndataset: { path: nowhere.csv }\n");
        Captured out = new Captured();
        JvmFork.Result result = fork(List.of()).run(request(project, "finetune.yaml", ForkRequest.Task.train), out);
        assertTrue(result.userError(), "exit " + result.exitCode());
        assertEquals(List.of(project.resolve("nowhere.csv") + ": dataset file not found"), result.errors());
        assertTrue(!Files.exists(project.resolve("out").resolve(OutputFiles.MODEL)));
        assertTrue(out.plainWarnings.isEmpty(), out.plainWarnings.toString());
    }

    /** Too small a heap is the user's setting to raise: one message naming it, not an OutOfMemoryError. */
    @Test
    void aForkOutOfHeapNamesFinetuneMaxHeap(@TempDir Path project) throws Exception {
        TestBases.writeUpperDigits(project.resolve("upper.csv"));
        TestBases.multiLayerBase(project.resolve("base.zip"));
        Files.writeString(project.resolve("finetune.yaml"), "base: { path: base.zip }\ndataset: { path: upper.csv }\n");
        JvmFork fork = new JvmFork(new ForkOptions(ForkOptions.currentJava(), testClasspath(), Optional.of("8m"), Optional.empty(),
                Optional.empty(), Optional.empty(), List.of(), Optional.empty(), Map.of()));
        Captured out = new Captured();
        JvmFork.Result result = fork.run(request(project, "finetune.yaml", ForkRequest.Task.train), out);
        String said = result.userError() ? String.join("\n", result.errors()) : result.describeCrash();
        assertTrue(said.startsWith("The training JVM ran out of heap (finetune.maxHeap=8m): raise -Dfinetune.maxHeap"),
                said + "\n" + result.lastLines());
        assertFalse(Files.exists(project.resolve("out").resolve(OutputFiles.MODEL)));
    }

    /** Past its time budget the fork is stopped, and the result says it was the budget, not a crash. */
    @Test
    void aForkPastItsTimeBudgetIsStoppedAndSaysSo(@TempDir Path project) throws Exception {
        TestBases.writeUpperDigits(project.resolve("upper.csv"));
        TestBases.multiLayerBase(project.resolve("base.zip"));
        Files.writeString(project.resolve("finetune.yaml"), "base: { path: base.zip }\ndataset: { path: upper.csv }\n"
                + "training: { epochs: 100000 }\n");
        JvmFork fork = new JvmFork(new ForkOptions(ForkOptions.currentJava(), testClasspath(), Optional.of("512m"), Optional.empty(),
                Optional.empty(), Optional.empty(), List.of(), Optional.of(java.time.Duration.ofSeconds(6)), Map.of()));
        long started = System.nanoTime();
        JvmFork.Result result = fork.run(request(project, "finetune.yaml", ForkRequest.Task.train), new Captured());
        assertTrue(result.timedOut());
        assertTrue((System.nanoTime() - started) / 1e9 < 30);
        assertTrue(result.describeTimeout(java.time.Duration.ofSeconds(6)).startsWith("The training JVM ran past its time budget"
                + " of 6 s (finetune.forkTimeout) and was stopped; raise it with -Dfinetune.forkTimeout=SECONDS"));
        assertFalse(Files.exists(project.resolve("out").resolve(OutputFiles.MODEL)));
    }

    /** finetune's environmentVariables reach the training JVM: the JVM itself reports JAVA_TOOL_OPTIONS it picked up. */
    @Test
    void environmentVariablesReachTheTrainingJvm(@TempDir Path project) throws Exception {
        Files.writeString(project.resolve("finetune.yaml"), "base: { path: base.zip }\ndataset: { path: nowhere.csv }\n");
        Captured out = new Captured();
        fork(List.of(), Map.of("JAVA_TOOL_OPTIONS", "-Dfinetune.probe=1")).run(request(project, "finetune.yaml", ForkRequest.Task.train), out);
        assertTrue(out.plainDebug.contains("Picked up JAVA_TOOL_OPTIONS: -Dfinetune.probe=1"), out.plainDebug.toString());
    }

    @Test
    void aJvmThatEndsWithoutFinishedIsACrashWithItsLastLines(@TempDir Path project) throws Exception {
        Files.writeString(project.resolve("finetune.yaml"), "base: { path: base.zip }\ndataset: { path: d.csv }\n");
        Captured out = new Captured();
        // a heap this small stops the JVM before ForkMain runs: no JobFinished ever comes
        JvmFork.Result result = fork(List.of("-Xmx1k")).run(request(project, "finetune.yaml", ForkRequest.Task.train), out);
        assertFalse(result.succeeded());
        assertTrue(result.finished().isEmpty());
        assertTrue(result.errors().isEmpty());
        assertTrue(result.describeCrash().startsWith("The training JVM exited with code " + result.exitCode()
                + " before finishing its task (crashed or killed); its last lines:"), result.describeCrash());
        assertTrue(result.describeCrash().contains("heap"), result.describeCrash());
    }

    /**
     * A build killed with SIGKILL runs no shutdown hook: the fork must notice on its own. A parent JVM starts a long
     * training fork, the test kills the parent once training runs, and the fork must be gone within seconds.
     */
    @Test
    void theForkStopsWhenTheBuildsJvmIsKilled(@TempDir Path project) throws Exception {
        TestBases.writeUpperDigits(project.resolve("upper.csv"));
        TestBases.multiLayerBase(project.resolve("base.zip"));
        Files.writeString(project.resolve("finetune.yaml"), """
                base: { path: base.zip }
                dataset: { path: upper.csv }
                training: { epochs: 100000 }
                """);
        Process parent = new ProcessBuilder(ForkOptions.currentJava().toString(), "-cp", System.getProperty("java.class.path"),
                ForkParentMain.class.getName(), project.toString()).redirectErrorStream(true).start();
        try (BufferedReader reader = new BufferedReader(new InputStreamReader(parent.getInputStream(), StandardCharsets.UTF_8))) {
            List<String> seen = new ArrayList<>();
            String line;
            while ((line = reader.readLine()) != null && !line.contains("fine-tune epoch 1/")) {
                seen.add(line);
            }
            assertTrue(line != null, "the parent ended before training started: " + seen);
            List<ProcessHandle> forks = parent.descendants().filter(p -> p.info().command().orElse("").endsWith("java")).toList();
            assertEquals(1, forks.size(), "the training JVM among " + parent.descendants().toList());
            ProcessHandle fork = forks.get(0);
            long killedAt = System.nanoTime();
            parent.destroyForcibly();
            assertTrue(parent.waitFor(10, TimeUnit.SECONDS));
            fork.onExit().get(15, TimeUnit.SECONDS);
            double seconds = (System.nanoTime() - killedAt) / 1e9;
            assertFalse(fork.isAlive());
            assertTrue(seconds < 15, "the fork outlived its parent by " + seconds + " s");
        } finally {
            parent.descendants().forEach(ProcessHandle::destroyForcibly);
            parent.destroyForcibly();
        }
    }

    /** The build's side of {@link #theForkStopsWhenTheBuildsJvmIsKilled}: runs a fork and prints its log lines. */
    public static final class ForkParentMain {
        public static void main(String[] args) throws Exception {
            Path project = Path.of(args[0]);
            JvmFork.Result result = fork(List.of()).run(request(project, "finetune.yaml", ForkRequest.Task.train), new JvmFork.Output() {
                @Override
                public void event(JobEvent event) {
                    EventText.line(event).ifPresent(l -> System.out.println(l.text()));
                }

                @Override
                public void plain(String line, boolean warning) {
                    System.out.println(line);
                }
            });
            System.out.println("fork ended: " + result);
        }
    }
}
