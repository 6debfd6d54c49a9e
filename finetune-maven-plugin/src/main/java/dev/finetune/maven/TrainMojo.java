package dev.finetune.maven;

import dev.finetune.engine.fork.ForkRequest;
import dev.finetune.engine.layout.OutputFiles;

import dev.finetune.engine.fingerprint.Fingerprint;
import dev.finetune.spec.FinetuneSpec;
import org.apache.maven.plugin.MojoExecutionException;
import org.apache.maven.plugin.MojoFailureException;
import org.apache.maven.plugins.annotations.LifecyclePhase;
import org.apache.maven.plugins.annotations.Mojo;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * Fine-tunes the base model on the training split, selecting the best epoch on the validation split (early
 * stopping), and writes {@code model.zip} (DL4J model with its normaliser) and {@code training.json}. Skipped, with
 * one log line, when the inputs' fingerprint equals that of the last completed training.
 */
@Mojo(name = "train", defaultPhase = LifecyclePhase.COMPILE, threadSafe = true)
public class TrainMojo extends AbstractForkingMojo {

    @Override
    protected String goal() {
        return "train";
    }


    @Override
    protected void run() throws MojoExecutionException, MojoFailureException {
        Path marker = outputDirectory.toPath().resolve(OutputFiles.TRAIN_MARKER);
        boolean modelPresent = Files.isRegularFile(outputDirectory.toPath().resolve(OutputFiles.MODEL));
        if (modelPresent && rawInputsUnchanged(marker)) {
            logSkipped(recordedFingerprint(marker).orElseThrow());
            return;
        }
        FinetuneSpec parsed = parseSpec();
        BaseModelResolver.ResolvedBase base = resolveBase(parsed);
        Fingerprint fingerprint = fingerprint(parsed, base);
        if (modelPresent && upToDate(marker, fingerprint)) {
            writeRecord(marker, fingerprint, parsed, base, List.of(model())); // the same inputs, written differently
            logSkipped(fingerprint.value());
            return;
        }
        try {
            // an interrupted or failed run must never look complete
            Files.deleteIfExists(marker);
        } catch (IOException e) {
            throw new MojoExecutionException("Cannot delete " + marker + ": " + e.getMessage(), e);
        }
        runEngine(ForkRequest.Task.train, base);
        // the model's hash too: a model.zip replaced afterwards makes the next build retrain, and evaluate and
        // package refuse it (TrainedModel)
        writeRecord(marker, fingerprint, parsed, base, List.of(model()));
    }

    private Path model() {
        return outputDirectory.toPath().toAbsolutePath().resolve(OutputFiles.MODEL);
    }

    private void logSkipped(String fingerprint) {
        getLog().info("Inputs unchanged since the last training (fingerprint " + fingerprint.substring(0, 12)
                + "): skipping finetune:train; -Dfinetune.force retrains");
    }
}
