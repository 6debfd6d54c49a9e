package dev.finetune.it;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.UnaryOperator;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;

/**
 * Real {@code mvn} runs of a project the way a CI job runs them: with its own (at first empty) local repository, the
 * cache a pipeline would restore. The ITs' repository (the plugin, the example's models) and the outer build's are
 * read as remote repositories through file URLs, so Maven Central only serves what neither holds.
 */
final class MavenRuns {

    private static final Path IT_REPO = Path.of(System.getProperty("it.localRepository"));
    private static final Path OUTER_REPO = Path.of(System.getProperty("it.outerRepository"));
    private static final Path MVN = Path.of(System.getProperty("it.mavenHome"), "bin", "mvn");
    private static final String VERSION = System.getProperty("it.finetuneVersion");

    static final Path SOURCES = Path.of(System.getProperty("it.sources"));
    static final Path EXAMPLE = Path.of(System.getProperty("it.example"));

    private final Path work;
    private final Path repo;
    private final Path settings;

    private MavenRuns(Path work, Path repo) {
        this.work = work;
        this.repo = repo;
        this.settings = work.resolve("settings.xml");
    }

    /**
     * A fresh work directory {@code target/<name>} whose builds use the ITs' own local repository (the plugin, its
     * dependencies) with the outer build's as the only remote: quicker than {@link #fresh}, for builds that do not
     * test what a clean repository resolves.
     */
    static MavenRuns withTestRepository(String name) throws IOException {
        Path work = Path.of(System.getProperty("it.workDirectory"), name);
        MavenRuns runs = new MavenRuns(work, IT_REPO.toAbsolutePath());
        deleteTree(runs.work);
        Files.createDirectories(runs.work);
        Files.writeString(runs.settings, """
                <settings>
                  <mirrors><mirror><id>outer</id><mirrorOf>*</mirrorOf><url>%s</url></mirror></mirrors>
                </settings>
                """.formatted(OUTER_REPO.toUri()));
        return runs;
    }

    /** A fresh work directory {@code target/<name>} with an empty local repository. */
    static MavenRuns fresh(String name) throws IOException {
        MavenRuns runs = new MavenRuns(Path.of(System.getProperty("it.workDirectory"), name),
                Path.of(System.getProperty("it.workDirectory"), name, "repo"));
        deleteTree(runs.work);
        Files.createDirectories(runs.repo);
        Files.writeString(runs.settings, """
                <settings>
                  <profiles>
                    <profile>
                      <id>caches</id>
                      <activation><activeByDefault>true</activeByDefault></activation>
                      <repositories>
                        <repository><id>its</id><url>%1$s</url>%3$s</repository>
                        <repository><id>outer</id><url>%2$s</url>%3$s</repository>
                      </repositories>
                      <pluginRepositories>
                        <pluginRepository><id>its</id><url>%1$s</url>%3$s</pluginRepository>
                        <pluginRepository><id>outer</id><url>%2$s</url>%3$s</pluginRepository>
                      </pluginRepositories>
                    </profile>
                  </profiles>
                </settings>
                """.formatted(IT_REPO.toUri(), OUTER_REPO.toUri(),
                // local repositories served as remote ones carry no checksums
                "<releases><checksumPolicy>ignore</checksumPolicy></releases>"
                        + "<snapshots><checksumPolicy>ignore</checksumPolicy></snapshots>"));
        return runs;
    }

    Path work() {
        return work;
    }

    Path repo() {
        return repo;
    }

    /** Copies {@code files} of a project into the work directory, with the example's 28x28 digits as its data. */
    Path project(Path source, String name, List<String> files) throws IOException {
        Path target = work.resolve(name);
        Files.createDirectories(target.resolve("data"));
        for (String file : files) {
            Files.createDirectories(target.resolve(file).getParent());
            Files.copy(source.resolve(file), target.resolve(file), StandardCopyOption.REPLACE_EXISTING);
        }
        Files.copy(EXAMPLE.resolve("digits-5to9/data/digits-5to9-28x28.csv"),
                target.resolve("data/digits-5to9-28x28.csv"), StandardCopyOption.REPLACE_EXISTING);
        return target;
    }

    /** {@code mvn <arguments>} in {@code project}, with this work directory's repository and settings, to its end. */
    Build mvn(Path project, List<String> arguments) throws IOException, InterruptedException {
        return start(project, arguments.stream().collect(java.util.stream.Collectors.joining(" ")), arguments).finish();
    }

    Build mvn(Path project, String... arguments) throws IOException, InterruptedException {
        return mvn(project, List.of(arguments));
    }

    /**
     * Starts {@code mvn <arguments>} and returns at once, for a test that acts while it runs (kills it, starts another);
     * its output goes to {@code <project>-<label>.log} in the work directory.
     */
    Running start(Path project, String label, List<String> arguments) throws IOException {
        return start(project, label, command -> command, arguments);
    }

    /** As above, the command line passed through {@code wrap} first (e.g. to run it in a namespace of its own). */
    Running start(Path project, String label, UnaryOperator<List<String>> wrap, List<String> arguments) throws IOException {
        List<String> command = new ArrayList<>(List.of(MVN.toString(), "-s", settings.toString(),
                "-Dmaven.repo.local=" + repo, "-Dfinetune.version=" + VERSION));
        command.addAll(arguments);
        Path log = work.resolve(project.getFileName() + "-" + label.replaceAll("[^A-Za-z0-9.=-]+", "_") + ".log");
        Process process = new ProcessBuilder(wrap.apply(command)).directory(project.toFile())
                .redirectErrorStream(true).redirectOutput(log.toFile()).start();
        return new Running(process, log, String.join(" ", arguments));
    }

    /** A build that {@link #start started}: its process (Maven's JVM: {@code mvn} execs it) and its log. */
    record Running(Process process, Path log, String arguments) {

        /** Waits for the end (10 minutes at most). */
        Build finish() throws IOException, InterruptedException {
            if (!process.waitFor(10, TimeUnit.MINUTES)) {
                process.destroyForcibly();
                throw new AssertionError("mvn " + arguments + " did not finish in 10 minutes; log: " + log);
            }
            return new Build(process.exitValue(), Files.readString(log), arguments);
        }

        /** What it has logged so far. */
        String logSoFar() throws IOException {
            return Files.readString(log);
        }
    }

    record Build(int exitCode, String log, String arguments) {
        Build succeeded() {
            assertEquals(0, exitCode, "mvn " + arguments + " failed:\n" + log);
            return this;
        }

        Build failed() {
            assertNotEquals(0, exitCode, "mvn " + arguments + " should have failed:\n" + log);
            return this;
        }
    }

    private static void deleteTree(Path dir) throws IOException {
        if (!Files.exists(dir)) {
            return;
        }
        try (Stream<Path> files = Files.walk(dir)) {
            for (Path p : files.sorted(Comparator.reverseOrder()).toList()) {
                Files.delete(p);
            }
        }
    }
}
