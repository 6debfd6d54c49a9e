package dev.finetune.maven;

import dev.finetune.engine.TestBases;
import org.apache.maven.api.plugin.testing.InjectMojo;
import org.apache.maven.api.plugin.testing.MojoTest;
import org.apache.maven.plugin.MojoFailureException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.apache.maven.api.plugin.testing.MojoExtension.setVariableValueToObject;
import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** finetune:validate through Maven's plugin descriptor and parameter injection (maven-plugin-testing-harness). */
@MojoTest
class ValidateMojoTest {

    @TempDir
    Path project;

    private final MojoFixture fixture = new MojoFixture();
    private final List<String> errors = fixture.errors;

    /** Each problem is logged once, as an error; the exception's message stays one line. */
    private ValidateMojo configure(ValidateMojo mojo, String spec) throws Exception {
        return fixture.configure(mojo, project, spec);
    }

    @Test
    @InjectMojo(goal = "validate")
    void badSpecFailsTheBuildWithEveryLocatedProblem(ValidateMojo mojo) throws Exception {
        configure(mojo, "base:\n  path: b.zip\n  pth: x\ndataset:\n  path: d.csv\ntraining:\n  batchSize: 0\n");
        MojoFailureException e = assertThrows(MojoFailureException.class, mojo::execute);
        assertEquals("Invalid fine-tuning spec finetune.yaml: 2 problems, listed above", e.getMessage());
        assertEquals(List.of("finetune.yaml:3:3: unknown key `base.pth`; did you mean `path`?",
                "finetune.yaml:7:14: `training.batchSize` must be between 1 and 1000000, found 0"), errors);
    }

    @Test
    @InjectMojo(goal = "validate")
    void missingInputFilesAreNamed(ValidateMojo mojo) throws Exception {
        configure(mojo, "base:\n  path: models/b.zip\ndataset:\n  path: d.csv\n");
        MojoFailureException e = assertThrows(MojoFailureException.class, mojo::execute);
        assertEquals("The spec finetune.yaml does not fit its inputs: 2 problems, listed above", e.getMessage());
        assertEquals(List.of("finetune.yaml:2:9: `base.path` names models/b.zip, which does not exist",
                "finetune.yaml:4:9: `dataset.path` names d.csv, which does not exist"), errors);
    }

    @Test
    @InjectMojo(goal = "validate")
    void validSpecWithRealInputsPasses(ValidateMojo mojo) throws Exception {
        configure(mojo, "base:\n  path: b.zip\ndataset:\n  path: d.csv\nfreeze: { upTo: hidden1 }\n");
        TestBases.multiLayerBase(project.resolve("b.zip"));
        TestBases.writeUpperDigits(project.resolve("d.csv"));
        assertDoesNotThrow(mojo::execute);
    }

    @Test
    @InjectMojo(goal = "validate")
    void aKerasBaseIsValidatedLikeAnyOther(ValidateMojo mojo) throws Exception {
        configure(mojo, "base:\n  path: mlp.h5\ndataset:\n  path: d.csv\nfreeze: { upTo: dense_1 }\n");
        try (var in = ValidateMojoTest.class.getResourceAsStream("/keras/mlp-sequential.h5")) {
            Files.copy(in, project.resolve("mlp.h5"));
        }
        TestBases.writeUpperDigits(project.resolve("d.csv"));
        assertDoesNotThrow(mojo::execute);
        configure(mojo, "base:\n  path: mlp.h5\ndataset:\n  path: d.csv\nfreeze: { upTo: dense_2 }\n");
        // the problem itself, with the Keras layer names, is InputChecks' (KerasH5FormatTest, InputChecksTest)
        MojoFailureException e = assertThrows(MojoFailureException.class, mojo::execute);
        assertTrue(e.getMessage().startsWith("The spec finetune.yaml does not fit its inputs") && e.getMessage().contains("1 problem"),
                e.getMessage());
    }

    @Test
    @InjectMojo(goal = "validate")
    void aDataGateFailsBeforeTrainingAndANewOneChecksValidatedDataAgain(ValidateMojo mojo) throws Exception {
        try (var in = ValidateMojoTest.class.getResourceAsStream("/keras/mlp-sequential.h5")) {
            Files.copy(in, project.resolve("mlp.h5"));
        }
        TestBases.writeUpperDigits(project.resolve("d.csv"));
        List<String> rows = Files.readAllLines(project.resolve("d.csv"));
        Files.write(project.resolve("d.csv"), rows.subList(0, 3), java.nio.file.StandardOpenOption.APPEND);
        String spec = "base:\n  path: mlp.h5\ndataset:\n  path: d.csv\n";
        configure(mojo, spec);
        assertDoesNotThrow(mojo::execute); // duplicates are a warning without a gate
        // the same data, now gated: the marker of the earlier run must not let it pass unchecked
        configure(mojo, spec + "  gates: { maxDuplicates: 2 }\n");
        MojoFailureException e = assertThrows(MojoFailureException.class, mojo::execute);
        assertEquals("The spec finetune.yaml does not fit its inputs: 1 problem, listed above", e.getMessage());
        assertEquals(1, errors.size(), errors.toString());
        assertTrue(errors.get(0).startsWith("finetune.yaml:5:27: `dataset.gates.maxDuplicates` is 2, but the data check"
                + " counts 3: 3 rows repeat an earlier row exactly (label and features), e.g. row "), errors.get(0));
        errors.clear();
        configure(mojo, spec + "  gates: { maxDuplicates: 3 }\n");
        assertDoesNotThrow(mojo::execute);
    }

    @Test
    @InjectMojo(goal = "validate")
    void skipFlagSkipsEvenABrokenSpec(ValidateMojo mojo) throws Exception {
        configure(mojo, "not: a spec\n");
        setVariableValueToObject(mojo, "skip", true);
        assertDoesNotThrow(mojo::execute);
    }
}
