package dev.finetune.it;

import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import java.util.zip.ZipFile;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Fault scenarios with real Maven builds (the plugin from the invoker's test repository, the example's base and data):
 * the training JVM is killed with SIGKILL mid-training, then the build runs again. Each scenario is compared with an
 * uninterrupted build of the same project: a resumed training ends with the same network bit for bit, and a resumed
 * sweep runs only the trials its journal lacks and picks the same winner. The frozen-feature cache is off, so epochs
 * run full forward passes and last long enough (about a second on 2 idle cores) to be killed in the middle. It runs
 * {@code mvn} itself: the Maven of the outer build ({@code it.mavenHome}), with the outer build's repository as the only
 * remote ({@code it.outerRepository}), so nothing is downloaded.
 */
class FaultsIT {

    private static final Path EXAMPLE = Path.of(System.getProperty("it.example"));
    private static final Path WORK = Path.of("target", "faults").toAbsolutePath();
    private static final Pattern EPOCH_ENDED = Pattern.compile("\"type\"\\s*:\\s*\"epochEnded\".*?\"epoch\"\\s*:\\s*(\\d+)");
    private static final Pattern CHECKPOINT = Pattern.compile("\"type\"\\s*:\\s*\"checkpointWritten\".*?\"epoch\"\\s*:\\s*(\\d+)");

    private static final String TRAINING = """
            base: { path: models/mnist-lenet.zip }
            dataset:
              path: data/digits-5to9-28x28.csv
              normalize: image
              split: { train: %s, validation: 0.05, test: %s, seed: 7 }
            freeze: { upTo: pool2 }
            training: { updater: adam, learningRate: 0.001, batchSize: 32, epochs: %d, seed: 42, dropout: 0.2 }
            %s
            """;

    private static final String SWEEP = """
            sweep:
              parallelism: 1
              parameters:
                training.learningRate: { values: [0.001, 0.003, 0.01] }
            """;

    @Test
    void aTrainingKilledMidEpochResumesFromItsCheckpointToTheSameNetwork() throws Exception {
        Path whole = project("train-whole", TRAINING.formatted(0.15, 0.8, 4, ""));
        Path killed = project("train-killed", TRAINING.formatted(0.15, 0.8, 4, ""));
        assertEquals(0, mvn(whole, "whole").waitFor(), log(whole, "whole"));

        Process build = mvn(killed, "killed");
        Path eventsFile = killed.resolve("target/finetune/events.jsonl");
        // the event follows its checkpoint's files: once it is logged, a complete checkpoint is on disk
        killForkWhen(build, () -> Files.isRegularFile(eventsFile) && last(CHECKPOINT, Files.readString(eventsFile)) >= 1);
        assertNotEquals(0, build.waitFor(), "a build whose training JVM was killed fails");
        String events = Files.readString(eventsFile);
        int checkpointed = last(CHECKPOINT, events);
        assertTrue(checkpointed >= 1 && last(EPOCH_ENDED, events) < 4, "killed before training ended: " + events);
        assertTrue(log(killed, "killed").contains("The training JVM"), log(killed, "killed"));

        assertEquals(0, mvn(killed, "resumed").waitFor(), log(killed, "resumed"));
        String resumed = log(killed, "resumed");
        List<String> resumeLines = resumed.lines().filter(l -> l.contains("fine-tune: resuming from its checkpoint after epoch")).toList();
        assertEquals(1, resumeLines.size(), resumed);
        // from the last complete checkpoint: the one logged, or a later one written in the moment before the kill
        Matcher after = Pattern.compile("after epoch (\\d+) of 4").matcher(resumeLines.get(0));
        assertTrue(after.find() && Integer.parseInt(after.group(1)) >= checkpointed && Integer.parseInt(after.group(1)) < 4,
                resumeLines.get(0));
        assertArrayEquals(coefficients(whole), coefficients(killed), "the resumed build's network equals the uninterrupted one's");
        assertTrue(!Files.exists(killed.resolve("target/finetune/checkpoints")), "checkpoints are removed once training completes");
    }

    @Test
    void aSweepKilledMidWayRunsOnlyTheUnfinishedTrialsAndPicksTheSameWinner() throws Exception {
        Path whole = project("sweep-whole", TRAINING.formatted(0.1, 0.85, 2, SWEEP));
        Path killed = project("sweep-killed", TRAINING.formatted(0.1, 0.85, 2, SWEEP));
        assertEquals(0, mvn(whole, "whole").waitFor(), log(whole, "whole"));

        Process build = mvn(killed, "killed");
        Path journal = killed.resolve("target/finetune/sweep-journal.jsonl");
        killForkWhen(build, () -> Files.isRegularFile(journal) && lines(journal) >= 1);
        assertNotEquals(0, build.waitFor());
        long finished = lines(journal);
        assertTrue(finished >= 1 && finished < 3, "killed mid-sweep, after " + finished + " trial(s)");

        assertEquals(0, mvn(killed, "resumed").waitFor(), log(killed, "resumed"));
        String resumed = log(killed, "resumed");
        assertTrue(resumed.contains("sweep: resuming: " + finished + " of 3 trials finished in an earlier run"), resumed);
        String events = Files.readString(killed.resolve("target/finetune/events.jsonl"));
        assertEquals(3 - finished, events.lines().filter(l -> l.contains("\"type\":\"trialStarted\"") || l.contains("\"type\" : \"trialStarted\"")).count(),
                "only the unfinished trials ran: " + events);
        assertEquals(timeless(whole), timeless(killed), "the same trials' results and the same winner");
        assertArrayEquals(coefficients(whole), coefficients(killed));
    }

    // --- the builds

    private static Path project(String name, String spec) throws IOException {
        Path dir = WORK.resolve(name);
        if (Files.exists(dir)) {
            try (Stream<Path> files = Files.walk(dir)) {
                for (Path p : files.sorted(java.util.Comparator.reverseOrder()).toList()) {
                    Files.delete(p);
                }
            }
        }
        Files.createDirectories(dir.resolve("models"));
        Files.createDirectories(dir.resolve("data"));
        Files.copy(EXAMPLE.resolve("mnist-lenet/mnist-lenet.zip"), dir.resolve("models/mnist-lenet.zip"), StandardCopyOption.REPLACE_EXISTING);
        Files.copy(EXAMPLE.resolve("digits-5to9/data/digits-5to9-28x28.csv"), dir.resolve("data/digits-5to9-28x28.csv"),
                StandardCopyOption.REPLACE_EXISTING);
        Files.writeString(dir.resolve("finetune.yaml"), spec);
        Files.writeString(dir.resolve("pom.xml"), """
                <project xmlns="http://maven.apache.org/POM/4.0.0">
                  <modelVersion>4.0.0</modelVersion>
                  <groupId>dev.finetune.it</groupId>
                  <artifactId>%s</artifactId>
                  <version>1.0.0-SNAPSHOT</version>
                  <packaging>pom</packaging>
                  <build>
                    <plugins>
                      <plugin>
                        <groupId>dev.finetune</groupId>
                        <artifactId>finetune-maven-plugin</artifactId>
                        <version>%s</version>
                        <executions><execution><goals><goal>validate</goal><goal>train</goal></goals></execution></executions>
                      </plugin>
                    </plugins>
                  </build>
                </project>
                """.formatted(name, System.getProperty("it.finetuneVersion")));
        // the outer build's repository as the only remote, so nothing is downloaded
        Files.writeString(dir.resolve("settings.xml"), """
                <settings>
                  <mirrors><mirror><id>outer</id><mirrorOf>*</mirrorOf><url>%s</url></mirror></mirrors>
                </settings>
                """.formatted(Path.of(System.getProperty("it.outerRepository")).toUri()));
        return dir;
    }

    /** {@code mvn compile} (validate and train) with the plugin from the test repository, logged to build-NAME.log. */
    private static Process mvn(Path project, String name) throws IOException {
        Path mvn = Path.of(System.getProperty("it.mavenHome"), "bin", "mvn");
        return new ProcessBuilder(mvn.toString(), "-B", "-s", "settings.xml",
                "-Dmaven.repo.local=" + Path.of(System.getProperty("it.localRepository")).toAbsolutePath(),
                "-Dfinetune.frozenFeatureCache=false", "compile")
                .directory(project.toFile())
                .redirectErrorStream(true)
                .redirectOutput(project.resolve("build-" + name + ".log").toFile())
                .start();
    }

    private static String log(Path project, String name) throws IOException {
        return Files.readString(project.resolve("build-" + name + ".log"), StandardCharsets.UTF_8);
    }

    /** Waits (up to 3 minutes) for {@code ready}, then kills the build's training JVM with SIGKILL. */
    private static void killForkWhen(Process build, IoCondition ready) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(3);
        while (!ready.holds()) {
            assertTrue(build.isAlive(), "the build ended before the moment to kill it");
            assertTrue(System.nanoTime() < deadline, "timed out waiting for the moment to kill");
            Thread.sleep(10);
        }
        Optional<ProcessHandle> fork = build.toHandle().descendants()
                .filter(p -> p.info().commandLine().map(c -> c.contains("dev.finetune.engine.fork.ForkMain")).orElse(false))
                .findFirst();
        assertTrue(fork.isPresent(), "the training JVM runs as a child of the build");
        // destroyForcibly is SIGKILL on Unix: no shutdown hook, no cleanup, as with kill -9
        fork.get().destroyForcibly();
        fork.get().onExit().get(1, TimeUnit.MINUTES);
    }

    @FunctionalInterface
    private interface IoCondition {
        boolean holds() throws IOException;
    }

    private static long lines(Path file) throws IOException {
        try (Stream<String> l = Files.lines(file)) {
            return l.filter(s -> !s.isBlank()).count();
        }
    }

    private static int last(Pattern p, String events) {
        int last = 0;
        for (String line : events.lines().toList()) {
            Matcher m = p.matcher(line);
            if (m.find()) {
                last = Integer.parseInt(m.group(1));
            }
        }
        return last;
    }

    private static byte[] coefficients(Path project) throws IOException {
        try (ZipFile z = new ZipFile(project.resolve("target/finetune/model.zip").toFile())) {
            return z.getInputStream(z.getEntry("coefficients.bin")).readAllBytes();
        }
    }

    /** sweep.json without its wall-clock times. */
    private static List<String> timeless(Path project) throws IOException {
        List<String> kept = new ArrayList<>();
        for (String line : Files.readAllLines(project.resolve("target/finetune/sweep.json"))) {
            if (!line.toLowerCase(java.util.Locale.ROOT).contains("seconds")) {
                kept.add(line.replaceAll(",\\s*$", ""));
            }
        }
        return kept.stream().collect(Collectors.toList());
    }
}
