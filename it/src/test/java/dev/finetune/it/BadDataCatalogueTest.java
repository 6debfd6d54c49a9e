package dev.finetune.it;

import dev.finetune.engine.inspect.InputChecks;
import dev.finetune.engine.layout.ProjectPaths;
import dev.finetune.spec.FinetuneSpec;
import dev.finetune.spec.SpecParser;
import org.junit.jupiter.api.Named;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The catalogue of bad data in {@code it/bad-data}: each folder is a project (a {@code finetune.yaml}, its data, a
 * base from {@code bases/}) and {@code expected.txt}, the exact lines {@code finetune:validate}'s checks give for it:
 * {@code ERROR } before each problem (which fails the build), {@code WARNING } before each warning as the mojo prints
 * it (at the spec's {@code dataset}; only when there is no problem, as there), and {@code classes: [...]} when the data
 * could be read. Runs the checks the
 * mojo runs ({@link InputChecks}, plain Java, no ND4J) on a copy of the folder, twice: the second run finds the row
 * file the first one wrote and must say the same.
 */
class BadDataCatalogueTest {

    private static final Path CATALOGUE = Path.of("bad-data");

    @TempDir
    Path work;

    static Stream<Named<Path>> cases() throws IOException {
        try (Stream<Path> entries = Files.list(CATALOGUE)) {
            return entries.filter(p -> Files.isRegularFile(p.resolve("finetune.yaml"))).sorted()
                    .map(p -> Named.of(p.getFileName().toString(), p)).toList().stream();
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("cases")
    void reportsExactlyTheExpectedLines(Path dir) throws Exception {
        Path project = work.resolve(dir.getFileName().toString());
        copy(dir, project);
        copy(CATALOGUE.resolve("bases"), project.resolve("bases"));
        List<String> expected = Files.readAllLines(dir.resolve("expected.txt"), StandardCharsets.UTF_8);
        List<String> found = check(project);
        // what was found, beside the build's other outputs, for reviewing a changed message
        Path actual = Path.of("target", "bad-data-actual", dir.getFileName() + ".txt");
        Files.createDirectories(actual.getParent());
        Files.write(actual, found, StandardCharsets.UTF_8);
        assertEquals(expected, found, dir.getFileName() + " (first run)");
        assertEquals(expected, check(project), dir.getFileName() + " (second run, row files found)");
    }

    /** What validate reports, with the project's own path left out of messages. */
    private static List<String> check(Path project) throws Exception {
        String yaml = Files.readString(project.resolve("finetune.yaml"), StandardCharsets.UTF_8);
        FinetuneSpec spec = new SpecParser().parse("finetune.yaml", yaml);
        ProjectPaths paths = new ProjectPaths(project, false);
        InputChecks.Result result = new InputChecks(spec, paths::resolve, paths.resolve(spec.base().path().orElseThrow()),
                Optional.empty(), Optional.of(project.resolve("target/finetune/data-cache"))).check();
        List<String> lines = new ArrayList<>();
        result.classes().filter(c -> !c.isEmpty()).ifPresent(c -> lines.add("classes: " + c));
        result.problems().forEach(p -> lines.add("ERROR " + p));
        if (result.problems().isEmpty()) {
            // as the mojo: a build that fails prints its problems only
            result.warnings().forEach(w -> lines.add("WARNING " + spec.locate("dataset") + ": " + w));
        }
        String prefix = project.toString() + "/";
        return lines.stream().map(l -> l.replace(prefix, "")).toList();
    }

    private static void copy(Path from, Path to) throws IOException {
        try (Stream<Path> files = Files.walk(from)) {
            files.forEach(f -> {
                try {
                    Path target = to.resolve(from.relativize(f).toString());
                    if (Files.isDirectory(f)) {
                        Files.createDirectories(target);
                    } else if (!f.getFileName().toString().equals("expected.txt")) {
                        Files.copy(f, target);
                    }
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
            });
        }
    }

    @Test
    void catalogueCoversTheIssuesChecks() throws IOException {
        assertTrue(cases().count() >= 16, "cases: " + cases().count());
    }
}
