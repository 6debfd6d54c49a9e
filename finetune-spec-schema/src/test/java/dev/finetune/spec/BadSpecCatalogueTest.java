package dev.finetune.spec;

import org.junit.jupiter.api.Named;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import java.io.IOException;
import java.net.URISyntaxException;
import java.net.URL;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * The catalogue of bad specs in {@code src/test/resources/bad-specs}: each file is a spec, a line
 * {@code # ---- expected}, then every problem the parser must report, exactly and in order, as
 * {@code # file:line:column: message}. Line numbers count from the top of the spec part, which is the whole file
 * up to the separator line.
 */
class BadSpecCatalogueTest {

    private static final String SEPARATOR = "# ---- expected\n";
    private static final String PREFIX = "# ";

    static List<Path> files() throws IOException, URISyntaxException {
        URL dir = BadSpecCatalogueTest.class.getClassLoader().getResource("bad-specs");
        assertNotNull(dir, "bad-specs is not on the test class path");
        try (Stream<Path> files = Files.list(Path.of(dir.toURI()))) {
            return files.filter(f -> f.getFileName().toString().endsWith(".yaml")).sorted().toList();
        }
    }

    /** Each case named by its file name. */
    static Stream<Named<Path>> cases() throws IOException, URISyntaxException {
        return files().stream().map(f -> Named.of(f.getFileName().toString(), f));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("cases")
    void reportsExactlyTheExpectedProblems(Path file) throws IOException {
        String content = Files.readString(file, StandardCharsets.UTF_8);
        // the separator must be a whole line: at the very start (an empty spec) or right after a newline
        int at;
        if (content.startsWith(SEPARATOR)) {
            at = 0;
        } else {
            int newline = content.indexOf("\n" + SEPARATOR);
            if (newline < 0) {
                fail(file.getFileName() + " has no `" + SEPARATOR.trim() + "` line");
            }
            at = newline + 1;
        }
        String spec = content.substring(0, at);
        List<String> expected = content.substring(at + SEPARATOR.length()).lines().map(line -> {
            assertTrue(line.startsWith(PREFIX), file.getFileName() + ": expected lines start with `" + PREFIX + "`: " + line);
            return line.substring(PREFIX.length());
        }).toList();
        assertFalse(expected.isEmpty(), file.getFileName() + " lists no expected problem");

        SpecException e = assertThrows(SpecException.class, () -> new SpecParser().parse("finetune.yaml", spec),
                file.getFileName() + " was accepted");
        assertEquals(expected, e.problems().stream().map(SpecProblem::toString).toList(), file.getFileName().toString());
    }

    @Test
    void catalogueHoldsAtLeastFortyCases() throws Exception {
        int count = files().size();
        assertTrue(count >= 40, "cases: " + count);
    }
}
