package dev.finetune.spec;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import java.io.IOException;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The catalogue of bad specs in {@code src/test/resources/bad-specs}: each file is a spec, a line
 * {@code # ---- expected}, then every problem the parser must report, exactly, as {@code # file:line:column: message}.
 */
class BadSpecCatalogueTest {

    private static final String SEPARATOR = "# ---- expected\n";

    static Stream<Path> cases() throws IOException, URISyntaxException {
        Path dir = Path.of(BadSpecCatalogueTest.class.getResource("/bad-specs").toURI());
        try (Stream<Path> files = Files.list(dir)) {
            return files.filter(f -> f.toString().endsWith(".yaml")).sorted().toList().stream();
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("cases")
    void reportsExactlyTheExpectedProblems(Path file) throws IOException {
        String content = Files.readString(file, StandardCharsets.UTF_8);
        int at = content.indexOf(SEPARATOR);
        assertTrue(at >= 0, file + " has no `" + SEPARATOR.trim() + "` line");
        String spec = content.substring(0, at);
        List<String> expected = content.substring(at + SEPARATOR.length()).lines()
                .map(line -> line.replaceFirst("^# ", "")).toList();
        SpecException e = assertThrows(SpecException.class, () -> new SpecParser().parse("finetune.yaml", spec));
        assertEquals(expected, e.problems().stream().map(SpecProblem::toString).toList());
    }

    @Test
    void catalogueHoldsAtLeastFortyCases() throws Exception {
        assertTrue(cases().count() >= 40, "cases: " + cases().count());
    }
}
