package dev.finetune.it;

import dev.finetune.it.MavenRuns.Build;
import dev.finetune.it.MavenRuns.Running;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

import java.io.IOException;
import java.nio.file.ClosedWatchServiceException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardWatchEventKinds;
import java.nio.file.WatchEvent;
import java.nio.file.WatchKey;
import java.nio.file.WatchService;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.function.UnaryOperator;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import java.util.zip.ZipEntry;
import java.util.zip.ZipFile;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The fault catalogue, with real Maven builds (the plugin from the invoker's test repository, the example's base and
 * data): the training JVM or Maven itself killed with SIGKILL mid-training, Maven killed while it writes the model zip,
 * a read-only {@code target/}, a full disk, two builds of one project at once, too small a heap, a head too large for
 * memory, a diverging training. Each asserts on what the build prints and that nothing was lost or corrupted: a resumed
 * or concurrent training ends with the network of an uninterrupted build, bit for bit; a zip that exists is complete.
 * The frozen-feature cache is off in the killing scenarios, so epochs run full forward passes and last long enough
 * (about a second on 2 idle cores) to be killed in the middle.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class FaultsIT {

    private static final Path EXAMPLE = MavenRuns.EXAMPLE;
    private static final String BASE = "mnist-lenet/mnist-lenet.zip";
    private static final Pattern EPOCH_ENDED = Pattern.compile("\"type\"\\s*:\\s*\"epochEnded\".*?\"epoch\"\\s*:\\s*(\\d+)");
    private static final Pattern CHECKPOINT = Pattern.compile("\"type\"\\s*:\\s*\"checkpointWritten\".*?\"epoch\"\\s*:\\s*(\\d+)");
    private static final List<String> COMPILE = List.of("-B", "-Dfinetune.frozenFeatureCache=false", "compile");

    private static final String TRAINING = """
            base: { path: mnist-lenet/mnist-lenet.zip }
            dataset:
              path: data/digits-5to9-28x28.csv
              normalize: image
              split: { train: %s, validation: 0.05, test: %s, seed: 7 }
            freeze: { upTo: pool2 }
            training: { updater: adam, learningRate: 0.001, batchSize: 32, epochs: %d, seed: 42, dropout: 0.2 }
            %s
            """;
    /** Four epochs: long enough to be killed after a checkpoint and before the end. */
    private static final String FOUR_EPOCHS = TRAINING.formatted(0.15, 0.8, 4, "");
    /**
     * Long enough for a kill to land mid-training: with checkpoints paced by their cost, epochs of ~0.05 s run back to
     * back after the first epoch's checkpoint, and four of them were over before the test's kill came.
     */
    private static final int EPOCHS = 24;
    private static final String KILLABLE = TRAINING.formatted(0.15, 0.8, EPOCHS, "");

    private static final String SWEEP = """
            sweep:
              parallelism: 1
              parameters:
                training.learningRate: { values: [0.001, 0.003, 0.01] }
            """;

    private MavenRuns runs;
    /** The uninterrupted four-epoch training's coefficients, built once for the scenarios that compare with it. */
    private byte[] uninterrupted;

    @BeforeAll
    void workDirectory() throws IOException {
        runs = MavenRuns.withTestRepository("faults");
    }

    private byte[] uninterrupted() throws Exception {
        if (uninterrupted == null) {
            Path whole = project("train-whole", KILLABLE, false);
            runs.start(whole, "whole", COMPILE).finish().succeeded();
            uninterrupted = coefficients(whole);
        }
        return uninterrupted;
    }

    @Test
    void aTrainingKilledMidEpochResumesFromItsCheckpointToTheSameNetwork() throws Exception {
        Path killed = project("train-killed", KILLABLE, false);
        Running build = runs.start(killed, "killed", COMPILE);
        Path eventsFile = killed.resolve("target/finetune/events.jsonl");
        // the event follows its checkpoint's files: once it is logged, a complete checkpoint is on disk
        waitUntil(build, () -> Files.isRegularFile(eventsFile) && last(CHECKPOINT, Files.readString(eventsFile)) >= 1);
        ProcessHandle fork = fork(build);
        // destroyForcibly is SIGKILL on Unix: no shutdown hook, no cleanup, as with kill -9
        fork.destroyForcibly();
        fork.onExit().get(1, TimeUnit.MINUTES);
        Build failed = build.finish().failed();
        int checkpointed = checkpointedBeforeTheEnd(eventsFile);
        assertTrue(failed.log().contains("The training JVM"), failed.log());
        assertTrue(failed.log().contains("The next build with the same inputs resumes from the last checkpoint in "
                + killed.resolve("target/finetune/checkpoints")), failed.log());

        assertResumesToTheUninterruptedNetwork(killed, checkpointed);
    }

    /**
     * kill -9 of Maven: no shutdown hook runs, so the training JVM must notice by itself (ParentWatch) that its build is
     * gone, within seconds, and the next build resumes from its checkpoint.
     */
    @Test
    void mavenKilledMidTrainingTakesItsTrainingJvmWithItAndTheRerunResumes() throws Exception {
        Path killed = project("maven-killed", KILLABLE, false);
        Running build = runs.start(killed, "killed", COMPILE);
        Path eventsFile = killed.resolve("target/finetune/events.jsonl");
        waitUntil(build, () -> Files.isRegularFile(eventsFile) && last(CHECKPOINT, Files.readString(eventsFile)) >= 1);
        ProcessHandle fork = fork(build);
        // mvn execs Maven's JVM: this is kill -9 of Maven itself
        build.process().destroyForcibly();
        build.process().waitFor();
        long killedAt = System.nanoTime();
        // polled here: onExit of a process that is not this JVM's child is itself polled, at a coarser pace
        while (fork.isAlive() && System.nanoTime() - killedAt < TimeUnit.SECONDS.toNanos(10)) {
            Thread.sleep(10);
        }
        assertFalse(fork.isAlive(), "the training JVM is still running 10 s after Maven was killed");
        double seconds = (System.nanoTime() - killedAt) / 1e9;
        assertTrue(seconds < 5, "the training JVM outlived Maven by " + seconds + " s");
        System.out.printf("FaultsIT: the training JVM ended %.2f s after Maven was killed%n", seconds);
        int checkpointed = checkpointedBeforeTheEnd(eventsFile);

        assertResumesToTheUninterruptedNetwork(killed, checkpointed);
    }

    /** The rerun says once that it resumes, from the last complete checkpoint, and ends with the uninterrupted network. */
    private void assertResumesToTheUninterruptedNetwork(Path killed, int checkpointed) throws Exception {
        Build resumed = runs.start(killed, "resumed", COMPILE).finish().succeeded();
        List<String> resumeLines = resumed.log().lines()
                .filter(l -> l.contains("fine-tune: resuming from its checkpoint after epoch")).toList();
        assertEquals(1, resumeLines.size(), resumed.log());
        // from the last complete checkpoint: the one logged, or a later one written in the moment before the kill
        Matcher after = Pattern.compile("after epoch (\\d+) of " + EPOCHS).matcher(resumeLines.get(0));
        assertTrue(after.find() && Integer.parseInt(after.group(1)) >= checkpointed && Integer.parseInt(after.group(1)) < EPOCHS,
                resumeLines.get(0));
        assertArrayEquals(uninterrupted(), coefficients(killed), "the resumed build's network equals the uninterrupted one's");
        assertFalse(Files.exists(killed.resolve("target/finetune/checkpoints")), "checkpoints are removed once training completes");
    }

    private static int checkpointedBeforeTheEnd(Path eventsFile) throws IOException {
        String events = Files.readString(eventsFile);
        int checkpointed = last(CHECKPOINT, events);
        assertTrue(checkpointed >= 1 && last(EPOCH_ENDED, events) < EPOCHS, "killed before training ended: " + events);
        return checkpointed;
    }

    @Test
    void aSweepKilledMidWayRunsOnlyTheUnfinishedTrialsAndPicksTheSameWinner() throws Exception {
        Path whole = project("sweep-whole", TRAINING.formatted(0.1, 0.85, 2, SWEEP), false);
        Path killed = project("sweep-killed", TRAINING.formatted(0.1, 0.85, 2, SWEEP), false);
        runs.start(whole, "whole", COMPILE).finish().succeeded();

        Running build = runs.start(killed, "killed", COMPILE);
        Path journal = killed.resolve("target/finetune/sweep-journal.jsonl");
        waitUntil(build, () -> Files.isRegularFile(journal) && lines(journal) >= 1);
        ProcessHandle fork = fork(build);
        fork.destroyForcibly();
        fork.onExit().get(1, TimeUnit.MINUTES);
        build.finish().failed();
        long finished = lines(journal);
        assertTrue(finished >= 1 && finished < 3, "killed mid-sweep, after " + finished + " trial(s)");

        Build resumed = runs.start(killed, "resumed", COMPILE).finish().succeeded();
        assertTrue(resumed.log().contains("sweep: resuming: " + finished + " of 3 trials finished in an earlier run"), resumed.log());
        String events = Files.readString(killed.resolve("target/finetune/events.jsonl"));
        assertEquals(3 - finished, events.lines().filter(l -> l.contains("\"type\":\"trialStarted\"") || l.contains("\"type\" : \"trialStarted\"")).count(),
                "only the unfinished trials ran: " + events);
        assertEquals(timeless(whole), timeless(killed), "the same trials' results and the same winner");
        assertArrayEquals(coefficients(whole), coefficients(killed));
    }

    /**
     * kill -9 of Maven while it writes the model zip: the zip appears whole or not at all (written beside, then moved),
     * in target/ and in the local repository; the rerun removes the half-written file and installs a complete zip.
     */
    @Test
    void mavenKilledWhilePackagingLeavesNoCorruptZipInTargetNorInTheRepository() throws Exception {
        // a wider head than the others' makes a zip of 1.5 MB, whose writing takes long enough to be caught in the middle
        Path project = project("package-killed", TRAINING.formatted(0.1, 0.85, 1, "head: { hidden: [1024] }"), true);
        Path target = project.resolve("target");
        String zipName = "package-killed-1.0.0-SNAPSHOT-model.zip";
        Path installed = runs.repo().resolve("dev/finetune/it/package-killed/1.0.0-SNAPSHOT/" + zipName);
        Files.deleteIfExists(installed);
        // the build trains first; the kill comes when the zip's temporary file appears beside its target
        Files.createDirectories(target);
        Path partial;
        try (WatchService watch = target.getFileSystem().newWatchService()) {
            target.register(watch, StandardWatchEventKinds.ENTRY_CREATE);
            Running build = runs.start(project, "killed", List.of("-B", "install"));
            partial = waitForCreated(watch, target, "." + zipName, build);
            // once the first bytes are in: a zip begun, not yet whole
            while (sizeOrGone(partial) == 0) {
                Thread.onSpinWait();
            }
            build.process().destroyForcibly();
            build.process().waitFor();
        }
        Path zip = target.resolve(zipName);
        assertTrue(!Files.exists(zip) || complete(zip), "a zip in target/ after the kill is complete: " + zip);
        assertTrue(Files.exists(partial), "killed mid-write: the temporary file " + partial + " is left");
        assertFalse(Files.exists(installed), "nothing installed before packaging ended: " + installed);

        Build rerun = runs.start(project, "rerun", List.of("-B", "install")).finish().succeeded();
        assertTrue(rerun.log().contains("Removed 1 half-written file(s) left by an interrupted earlier run"), rerun.log());
        assertFalse(Files.exists(partial));
        assertTrue(complete(zip) && complete(installed), "complete zips in target/ and in the repository");
        assertArrayEquals(Files.readAllBytes(zip), Files.readAllBytes(installed));
    }

    /**
     * A read-only target/ (where the zip goes) and then a read-only output directory too: each build fails naming the
     * path, leaves no partial file, and the earlier results are intact. As root chmod stops nothing, so there the
     * builds run in a mount namespace of their own with read-only bind mounts (unshare, as an unprivileged user
     * namespace); where neither works the test is skipped, saying so.
     */
    @Test
    void aReadOnlyTargetFailsWithThePathAndLeavesNoPartialArtifact() throws Exception {
        Path project = project("read-only", TRAINING.formatted(0.1, 0.85, 1, ""), true);
        runs.start(project, "trained", List.of("-B", "compile")).finish().succeeded();
        Path target = project.resolve("target");
        Path out = target.resolve("finetune");
        String trained = results(out);
        String zip = target.resolve("read-only-1.0.0-SNAPSHOT-model.zip").toString();

        Build zipRefused = readOnly(project, List.of("target"), List.of("target/finetune"), "ro-target");
        assertTrue(zipRefused.log().contains("[ERROR] Failed to execute goal dev.finetune:finetune-maven-plugin:"), zipRefused.log());
        assertTrue(zipRefused.log().contains("Cannot write " + zip + ": "), zipRefused.log());
        assertTrue(zipRefused.log().contains("; " + target + " must be writable (the build directory, target/, and"
                + " finetune.outputDirectory, by default target/finetune). Nothing was written there"), zipRefused.log());

        Build lockRefused = readOnly(project, List.of("target"), List.of(), "ro-all");
        assertTrue(lockRefused.log().contains("Cannot write " + out.resolve("build.lock") + ": "), lockRefused.log());
        assertTrue(lockRefused.log().contains("; " + out + " must be writable"), lockRefused.log());
        for (Build b : List.of(zipRefused, lockRefused)) {
            assertFalse(b.log().contains("\tat ") || b.log().contains("Caused by"), "no stack trace for a read-only directory:\n"
                    + b.log());
        }
        try (Stream<Path> files = Files.list(target)) {
            assertEquals(List.of(), files.filter(f -> f.getFileName().toString().endsWith(".zip")
                    || f.getFileName().toString().endsWith(".part")).toList(), "no artifact, whole or partial");
        }
        assertEquals(trained, results(out), "the training's results are intact");
    }

    /**
     * {@code mvn -B package} with {@code readOnly} paths unwritable (minus {@code writable} ones under them), then
     * writable again.
     */
    private Build readOnly(Path project, List<String> readOnly, List<String> writable, String label) throws Exception {
        List<String> args = List.of("-B", "package");
        boolean root = "root".equals(System.getProperty("user.name"));
        if (!root) {
            writable(project, readOnly, writable, false);
            try {
                return runs.start(project, label, args).finish().failed();
            } finally {
                writable(project, readOnly, List.of(), true);
            }
        }
        // root writes through any mode: read-only bind mounts in a namespace of the build's own
        List<String> mounts = new ArrayList<>();
        writable.forEach(p -> mounts.add("mount --bind " + p + " " + p));
        readOnly.forEach(p -> mounts.add("mount --rbind " + p + " " + p + " && mount -o remount,bind,ro " + p));
        String script = String.join(" && ", mounts) + " && exec \"$@\"";
        Process probe = new ProcessBuilder("unshare", "-rm", "sh", "-c", script, "sh", "true").directory(project.toFile())
                .redirectErrorStream(true).start();
        String probeOut = new String(probe.getInputStream().readAllBytes());
        Assumptions.assumeTrue(probe.waitFor() == 0, "running as root, where chmod does not stop writes, and read-only bind"
                + " mounts in an unprivileged user namespace (unshare -rm) are not allowed here: " + probeOut);
        UnaryOperator<List<String>> inNamespace = command -> {
            List<String> wrapped = new ArrayList<>(List.of("unshare", "-rm", "sh", "-c", script, "sh"));
            wrapped.addAll(command);
            return wrapped;
        };
        return runs.start(project, label, inNamespace, args).finish().failed();
    }

    /** Takes write permission from everything under {@code paths} except the {@code except} trees, or gives it back. */
    private static void writable(Path project, List<String> paths, List<String> except, boolean on) throws IOException {
        for (String p : paths) {
            try (Stream<Path> files = Files.walk(project.resolve(p))) {
                for (Path f : files.filter(f -> except.stream().noneMatch(e -> f.startsWith(project.resolve(e)))).toList()) {
                    boolean dir = Files.isDirectory(f);
                    Files.setPosixFilePermissions(f, PosixFilePermissions.fromString(
                            (on ? "rw" : "r-") + (dir ? "x" : "-") + "r" + (dir ? "-x" : "--") + "r" + (dir ? "-x" : "--")));
                }
            }
        }
    }

    /**
     * A full disk: {@code target/} on a 16 MiB tmpfs of its own ({@link SmallDisk}), filled by another file. With 512 KiB
     * left, {@code finetune:validate} cannot write the dataset's parsed rows; with 3.5 MiB (the rows' 2.7 MiB fit) the
     * training cannot write its first checkpoint. Each build fails with the file, the free space and what to do, prints
     * no stack trace and leaves no model, zip or half-written file; once the filler is gone the same command succeeds
     * and installs a complete zip.
     */
    @Test
    void aFullDiskFailsWithThePathAndTheFreeSpaceLeavesNoPartialFileAndTheRerunWithSpaceSucceeds() throws Exception {
        Path project = project("disk-full", TRAINING.formatted(0.1, 0.85, 1, ""), true);
        Path target = project.resolve("target");
        Files.createDirectories(target);
        String zipName = "disk-full-1.0.0-SNAPSHOT-model.zip";
        Path installed = runs.repo().resolve("dev/finetune/it/disk-full/1.0.0-SNAPSHOT/" + zipName);
        Files.deleteIfExists(installed);
        try (SmallDisk disk = SmallDisk.mount(target, 16)) {
            disk.fill((16L << 20) - (512L << 10));
            Build rows = runs.start(project, "512k", disk.enter(project), List.of("-B", "install")).finish().failed();
            assertTrue(rows.log().contains("[ERROR] " + project.resolve("data/digits-5to9-28x28.csv") + ": cannot write its"
                    + " parsed rows: No space left on device while writing " + target.resolve("finetune/data-cache")
                    + " (0 MiB free on its file system now): free space there, or set finetune.outputDirectory to a larger"
                    + " disk."), rows.log());
            assertTrue(rows.log().contains(":validate (default) on project disk-full: The spec finetune.yaml does not fit"
                    + " its inputs: 1 problem, listed above"), rows.log());
            assertNothingHalfWritten(disk.view(target), rows, installed);

            disk.fill((16L << 20) - (3584L << 10));
            Build training = runs.start(project, "3.5m", disk.enter(project), List.of("-B", "install")).finish().failed();
            Matcher noSpace = Pattern.compile("\\[ERROR\\] Failed to execute goal dev\\.finetune:finetune-maven-plugin:\\S+:train"
                    + " \\(default\\) on project disk-full: finetune:train failed: No space left on device while writing (\\S+)"
                    + " \\((\\d+) MiB free on its file system now\\): free space there, or set finetune.outputDirectory to a"
                    + " larger disk\\. Files are written whole or not at all, so the earlier ones are intact and no half-written"
                    + " file is left").matcher(training.log());
            assertTrue(noSpace.find(), training.log());
            assertTrue(noSpace.group(1).startsWith(target.resolve("finetune") + "/"), "names the file it could not write: "
                    + noSpace.group(1));
            assertTrue(Integer.parseInt(noSpace.group(2)) < 4, "the free space on the full disk: " + noSpace.group(2));
            assertNothingHalfWritten(disk.view(target), training, installed);

            disk.free();
            Build rerun = runs.start(project, "freed", disk.enter(project), List.of("-B", "install")).finish().succeeded();
            assertFalse(rerun.log().contains("No space left"), rerun.log());
            Path zip = disk.view(target.resolve(zipName));
            assertTrue(complete(zip) && complete(installed), "complete zips in target/ and in the repository");
            assertArrayEquals(Files.readAllBytes(zip), Files.readAllBytes(installed));
        }
    }

    /** After a failed build: no stack trace, and no model, zip, report or temporary file, here or in the repository. */
    private static void assertNothingHalfWritten(Path target, Build failed, Path installed) throws IOException {
        assertFalse(failed.log().contains("\tat ") || failed.log().contains("Caused by"), "no stack trace:\n" + failed.log());
        List<String> left = filesUnder(target);
        assertEquals(List.of(), left.stream().filter(f -> f.endsWith(".part") || f.endsWith(".zip") || f.endsWith("training.json")
                || f.endsWith("metrics.json") || f.endsWith("report.html")).toList(),
                "no model, zip, report or half-written file on the full disk: " + left);
        assertFalse(Files.exists(installed), "nothing installed: " + installed);
    }

    /** The paths of the regular files under {@code dir}, relative to it. */
    private static List<String> filesUnder(Path dir) throws IOException {
        try (Stream<Path> files = Files.walk(dir)) {
            return files.filter(Files::isRegularFile).map(f -> dir.relativize(f).toString()).sorted().toList();
        }
    }

    /**
     * Two builds of the same project started together: one waits for the other, saying for which, and both end with
     * the uninterrupted build's network (one trains, the other finds the training done).
     */
    @Test
    void twoBuildsOfOneProjectAtOnceOneWaitsAndNeitherCorruptsTheOther() throws Exception {
        Path project = project("two-builds", KILLABLE, false);
        Running first = runs.start(project, "first", COMPILE);
        Running second = runs.start(project, "second", COMPILE);
        Build a = first.finish().succeeded();
        Build b = second.finish().succeeded();
        String waiting = "Waiting for the build holding " + project.resolve("target/finetune/build.lock") + " (pid ";
        assertTrue(a.log().contains(waiting) || b.log().contains(waiting), a.log() + "\n---\n" + b.log());
        // the finetune:train goal ran once; the other build found its result
        long trained = Stream.of(a, b).filter(x -> x.log().contains("Inputs unchanged since the last training")).count();
        assertEquals(1, trained, a.log() + "\n---\n" + b.log());
        assertArrayEquals(uninterrupted(), coefficients(project));
    }

    /** Too small a heap for the training JVM: the message names the setting as written and the size. */
    @Test
    void tooSmallAHeapNamesFinetuneMaxHeapAndTheSize() throws Exception {
        Path project = project("small-heap", TRAINING.formatted(0.1, 0.85, 1, ""), false);
        Build b = runs.start(project, "16m", List.of("-B", "-Dfinetune.maxHeap=16m", "compile")).finish().failed();
        assertTrue(b.log().contains("finetune.maxHeap=16m"), b.log());
        assertTrue(b.log().contains("raise -Dfinetune.maxHeap"), b.log());
        assertFalse(Files.exists(project.resolve("target/finetune/model.zip")), "no model from a failed training");
    }

    /** A learning rate far too high: the training stops at the first non-finite loss, says where, and writes no model. */
    @Test
    void aDivergingTrainingStopsWithWhereAndWhatToLowerAndWritesNoModel() throws Exception {
        // raw 0..255 pixels and SGD at the schema's highest rate: the head's activations overflow within the first epoch
        String spec = FOUR_EPOCHS.replace("updater: adam, learningRate: 0.001", "updater: sgd, learningRate: 10")
                .replace("normalize: image", "normalize: none").replace("freeze: { upTo: pool2 }", "freeze: none");
        Path project = project("diverging", spec, true);
        Build b = runs.start(project, "diverging", List.of("-B", "install")).finish().failed();
        assertTrue(b.log().contains("[ERROR] Failed to execute goal") && b.log().contains("fine-tune diverged at epoch "), b.log());
        assertTrue(b.log().contains("; lower `training.learningRate` (now 10), or scale the features (`dataset.normalize`)"),
                b.log());
        assertFalse(b.log().contains("\tat dev.finetune."), "no stack trace for a user error: " + b.log());
        assertFalse(Files.exists(project.resolve("target/finetune/model.zip")), "no model from a diverged training");
        try (var files = Files.list(project.resolve("target"))) {
            assertTrue(files.noneMatch(p -> p.getFileName().toString().endsWith(".zip")), "no packaged model");
        }
    }

    /** A head too large for memory is refused by finetune:validate from its parameter count, before any training. */
    @Test
    void aHeadTooLargeForMemoryIsRefusedByValidateBeforeTraining() throws Exception {
        String spec = FOUR_EPOCHS.replace("freeze: { upTo: pool2 }", "freeze: { upTo: pool2 }\nhead: { hidden: [100000] }");
        Path project = project("huge-head", spec, false);
        Build b = runs.start(project, "validate", List.of("-B", "-Dfinetune.maxHeap=256m", "compile")).finish().failed();
        assertTrue(b.log().contains("[ERROR] finetune.yaml:7:"), b.log());
        // the example's fc has 200 outputs: 200 x 100000 + 100000 parameters, 16 bytes each with Adam
        assertTrue(b.log().contains(": the network needs at least 312 MiB for its parameters, gradients and adam state"
                + " (largest: layer `head_dense_0`, 20,100,000 parameters, 307 MiB), more than the training JVM may allocate,"
                + " finetune.maxHeap=256m (ND4J's off-heap limit follows the heap unless finetune.maxOffHeap is set): raise"
                + " -Dfinetune.maxHeap, or make `head_dense_0` smaller"), b.log());
        assertTrue(b.log().contains(":validate (default) on project huge-head: The spec finetune.yaml does not fit its inputs:"
                + " 1 problem, listed above"), b.log());
        assertFalse(Files.exists(project.resolve("target/finetune/events.jsonl")), "no training started");
    }

    // --- the builds

    /** The example's base and 28x28 digits with {@code spec}; {@code packaged}: also packages the model (install). */
    private Path project(String name, String spec, boolean packaged) throws IOException {
        Path dir = runs.project(EXAMPLE, name, List.of(BASE));
        Files.writeString(dir.resolve("finetune.yaml"), spec);
        Files.writeString(dir.resolve("pom.xml"), """
                <project xmlns="http://maven.apache.org/POM/4.0.0">
                  <modelVersion>4.0.0</modelVersion>
                  <groupId>dev.finetune.it</groupId>
                  <artifactId>%s</artifactId>
                  <version>1.0.0-SNAPSHOT</version>
                  <packaging>pom</packaging>
                  <properties><project.build.outputTimestamp>2026-01-01T00:00:00Z</project.build.outputTimestamp></properties>
                  <build>
                    <plugins>
                      <plugin>
                        <groupId>dev.finetune</groupId>
                        <artifactId>finetune-maven-plugin</artifactId>
                        <version>${finetune.version}</version>
                        <executions><execution><goals><goal>validate</goal><goal>train</goal>%s</goals></execution></executions>
                      </plugin>
                      <plugin><artifactId>maven-install-plugin</artifactId><version>3.1.3</version></plugin>
                    </plugins>
                  </build>
                </project>
                """.formatted(name, packaged ? "<goal>package</goal>" : ""));
        return dir;
    }

    /** Waits (up to 3 minutes) for {@code ready} while the build runs. */
    private static void waitUntil(Running build, IoCondition ready) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(3);
        while (!ready.holds()) {
            assertTrue(build.process().isAlive(), "the build ended before the moment to act:\n" + build.logSoFar());
            assertTrue(System.nanoTime() < deadline, "timed out waiting for the moment to act");
            Thread.sleep(10);
        }
    }

    /** The build's training JVM. */
    private static ProcessHandle fork(Running build) {
        Optional<ProcessHandle> fork = build.process().toHandle().descendants()
                .filter(p -> p.info().commandLine().map(c -> c.contains("dev.finetune.engine.fork.ForkMain")).orElse(false))
                .findFirst();
        assertTrue(fork.isPresent(), "the training JVM runs as a child of the build");
        return fork.get();
    }

    /** Waits (inotify, so within a millisecond or so) for a file named {@code prefix…} to be created in {@code dir}. */
    private static Path waitForCreated(WatchService watch, Path dir, String prefix, Running build) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(3);
        while (System.nanoTime() < deadline) {
            WatchKey key;
            try {
                key = watch.poll(100, TimeUnit.MILLISECONDS);
            } catch (ClosedWatchServiceException e) {
                break;
            }
            if (key == null) {
                assertTrue(build.process().isAlive(), "the build ended before writing " + prefix + "…:\n" + build.logSoFar());
                continue;
            }
            for (WatchEvent<?> event : key.pollEvents()) {
                if (event.context() instanceof Path name && name.toString().startsWith(prefix)) {
                    return dir.resolve(name);
                }
            }
            key.reset();
        }
        throw new AssertionError("no " + prefix + "… appeared in " + dir);
    }

    /** The file's size; -1 once it is gone (moved over its target). */
    private static long sizeOrGone(Path file) {
        try {
            return Files.size(file);
        } catch (IOException e) {
            return -1;
        }
    }

    @FunctionalInterface
    private interface IoCondition {
        boolean holds() throws IOException;
    }

    /** Every entry of the zip reads to its end with a matching CRC: a truncated zip fails here. */
    private static boolean complete(Path zip) {
        try (ZipFile z = new ZipFile(zip.toFile())) {
            for (ZipEntry e : java.util.Collections.list(z.entries())) {
                z.getInputStream(e).readAllBytes();
            }
            return z.size() > 0;
        } catch (IOException e) {
            return false;
        }
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

    /** The training's results in the output directory, hashed: the model, its history and the step's marker. */
    private static String results(Path out) throws Exception {
        MessageDigest sha = MessageDigest.getInstance("SHA-256");
        for (String name : List.of("model.zip", "training.json", "train.fingerprint")) {
            sha.update(Files.readAllBytes(out.resolve(name)));
        }
        return HexFormat.of().formatHex(sha.digest());
    }

    /** sweep.json without its wall-clock times. */
    private static List<String> timeless(Path project) throws IOException {
        List<String> kept = new ArrayList<>();
        for (String line : Files.readAllLines(project.resolve("target/finetune/sweep.json"))) {
            if (!line.toLowerCase(java.util.Locale.ROOT).contains("seconds")) {
                kept.add(line.replaceAll(",\\s*$", ""));
            }
        }
        return kept;
    }
}
