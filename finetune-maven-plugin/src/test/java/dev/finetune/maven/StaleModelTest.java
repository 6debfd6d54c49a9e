package dev.finetune.maven;

import dev.finetune.engine.fingerprint.Fingerprint;
import dev.finetune.engine.fingerprint.InputRecord;
import dev.finetune.engine.layout.OutputFiles;
import org.apache.maven.api.plugin.testing.InjectMojo;
import org.apache.maven.api.plugin.testing.MojoTest;
import org.apache.maven.plugin.MojoFailureException;
import org.apache.maven.project.MavenProject;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.apache.maven.api.plugin.testing.MojoExtension.setVariableValueToObject;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Package and evaluate consume target/finetune/model.zip: they refuse one that no completed training wrote (a failed
 * retrain under a new spec leaves the old model behind), one replaced by hand, and one trained on other inputs.
 */
@MojoTest
class StaleModelTest {

    @TempDir
    Path project;

    private Path out() {
        return project.resolve("target/finetune");
    }

    private <M extends AbstractFinetuneMojo> M configure(M mojo) throws Exception {
        Files.writeString(project.resolve("pom.xml"), "<project/>");
        Files.writeString(project.resolve("finetune.yaml"), "base: { path: b.zip }\ndataset: { path: d.csv }\n");
        Files.writeString(project.resolve("b.zip"), "base");
        Files.writeString(project.resolve("d.csv"), "1,2\n");
        Files.createDirectories(out());
        Files.writeString(out().resolve(OutputFiles.MODEL), "the model finetune:train wrote");
        MavenProject mavenProject = new MavenProject();
        mavenProject.setFile(project.resolve("pom.xml").toFile());
        setVariableValueToObject(mojo, "project", mavenProject);
        setVariableValueToObject(mojo, "spec", project.resolve("finetune.yaml").toFile());
        setVariableValueToObject(mojo, "outputDirectory", out().toFile());
        return mojo;
    }

    /** A train marker as finetune:train writes it, recording the given hash for model.zip. */
    private void trainMarker(String modelSha) throws Exception {
        List<InputRecord.Input> inputs = List.of(
                new InputRecord.Input(InputRecord.Kind.settings, "0".repeat(64), "-"),
                new InputRecord.Input(InputRecord.Kind.spec, Fingerprint.sha256(project.resolve("finetune.yaml")), "finetune.yaml"),
                new InputRecord.Input(InputRecord.Kind.file, Fingerprint.sha256(project.resolve("b.zip")), "b.zip"),
                new InputRecord.Input(InputRecord.Kind.file, Fingerprint.sha256(project.resolve("d.csv")), "d.csv"),
                new InputRecord.Input(InputRecord.Kind.file, modelSha, "target/finetune/" + OutputFiles.MODEL));
        Files.writeString(out().resolve(OutputFiles.TRAIN_MARKER), new InputRecord("a".repeat(64), inputs).format());
    }

    @Test
    @InjectMojo(goal = "package")
    void aModelWithoutACompletedTrainingIsNotPackaged(PackageMojo mojo) throws Exception {
        configure(mojo);
        MojoFailureException e = assertThrows(MojoFailureException.class, mojo::execute);
        assertTrue(e.getMessage().endsWith("model.zip is not the result of a completed finetune:train (the last training failed,"
                + " was interrupted, or never ran): run the build from `compile` (e.g. `mvn package`) so that it trains"), e.getMessage());
    }

    @Test
    @InjectMojo(goal = "package")
    void aReplacedModelIsNotPackaged(PackageMojo mojo) throws Exception {
        configure(mojo);
        trainMarker(Fingerprint.sha256(out().resolve(OutputFiles.MODEL)));
        Files.writeString(out().resolve(OutputFiles.MODEL), "another valid model, put here by hand");
        MojoFailureException e = assertThrows(MojoFailureException.class, mojo::execute);
        assertTrue(e.getMessage().contains("model.zip is not the file finetune:train wrote (its SHA-256 differs"), e.getMessage());
    }

    @Test
    @InjectMojo(goal = "package")
    void aModelTrainedOnAnEarlierSpecIsNotPackaged(PackageMojo mojo) throws Exception {
        configure(mojo);
        trainMarker(Fingerprint.sha256(out().resolve(OutputFiles.MODEL)));
        Files.writeString(project.resolve("finetune.yaml"), "base: { path: b.zip }\ndataset: { path: d.csv }\ntraining: { epochs: 3 }\n");
        MojoFailureException e = assertThrows(MojoFailureException.class, mojo::execute);
        assertTrue(e.getMessage().startsWith("The spec, base or data changed since model.zip was trained"), e.getMessage());
    }

    @Test
    @InjectMojo(goal = "evaluate")
    void evaluateRefusesAModelWithoutACompletedTraining(EvaluateMojo mojo) throws Exception {
        configure(mojo);
        MojoFailureException e = assertThrows(MojoFailureException.class, mojo::execute);
        assertTrue(e.getMessage().contains("is not the result of a completed finetune:train"), e.getMessage());
    }
}
