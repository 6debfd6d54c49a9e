package dev.finetune.engine;

import dev.finetune.engine.inspect.InputChecks;
import dev.finetune.engine.layout.ProjectPaths;
import dev.finetune.spec.SpecParser;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** A symbolic link inside the project that points outside it counts as outside, unless the build allows it. */
class ProjectPathsTest {

    @Test
    void aLinkOutOfTheProjectIsRefusedAndOneWithinItIsNot(@TempDir Path root) throws Exception {
        Path project = Files.createDirectories(root.resolve("project"));
        Path secret = Files.writeString(Files.createDirectories(root.resolve("elsewhere")).resolve("secret.csv"), "1,2\n");
        Files.createDirectories(project.resolve("data"));
        Files.createSymbolicLink(project.resolve("data/train.csv"), secret);
        Files.writeString(project.resolve("data/real.csv"), "1,2\n");
        Files.createSymbolicLink(project.resolve("data/alias.csv"), project.resolve("data/real.csv"));
        Files.createSymbolicLink(project.resolve("models"), root.resolve("elsewhere"));

        ProjectPaths paths = new ProjectPaths(project, false);
        UserInputException e = assertThrows(UserInputException.class, () -> paths.resolve("data/train.csv"));
        assertEquals("`data/train.csv` leads outside the project through a symbolic link (to " + secret.toRealPath()
                + "); keep inputs in the project, or allow it in the POM or on the command line with"
                + " -Dfinetune.allowPathsOutsideProject", e.getMessage());
        assertThrows(UserInputException.class, () -> paths.resolve("models/secret.csv"));
        assertEquals(project.resolve("data/alias.csv"), paths.resolve("data/alias.csv"));
        assertEquals(project.resolve("data/missing.csv"), paths.resolve("data/missing.csv"));
        assertEquals(project.resolve("data/train.csv"), new ProjectPaths(project, true).resolve("data/train.csv"));
    }

    @Test
    void validationReportsTheLinkAtTheDatasetKey(@TempDir Path root) throws Exception {
        Path project = Files.createDirectories(root.resolve("project"));
        TestBases.multiLayerBase(project.resolve("mln.zip"));
        Path outside = TestBases.writeUpperDigits(root.resolve("upper.csv"));
        Files.createSymbolicLink(project.resolve("upper.csv"), outside);
        var spec = new SpecParser().parse("finetune.yaml", "base: { path: mln.zip }\ndataset: { path: upper.csv }\n");
        List<String> problems = new InputChecks(spec, new ProjectPaths(project, false)::resolve, project.resolve("mln.zip")).problems();
        assertEquals(1, problems.size(), problems.toString());
        assertTrue(problems.get(0).startsWith("finetune.yaml:2:10: `upper.csv` leads outside the project through a symbolic link"),
                problems.get(0));
        assertEquals(List.of(), new InputChecks(new SpecParser(true).parse("finetune.yaml",
                "base: { path: mln.zip }\ndataset: { path: upper.csv }\n"), new ProjectPaths(project, true)::resolve,
                project.resolve("mln.zip")).problems());
    }
}
