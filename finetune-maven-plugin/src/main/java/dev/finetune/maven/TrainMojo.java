package dev.finetune.maven;

import dev.finetune.engine.fork.ForkRequest;
import dev.finetune.engine.layout.OutputFiles;

import dev.finetune.engine.fingerprint.Fingerprint;
import dev.finetune.engine.sweep.SweepJournal;
import dev.finetune.engine.train.Checkpoints;
import dev.finetune.spec.FinetuneSpec;
import org.apache.maven.plugin.MojoExecutionException;
import org.apache.maven.plugin.MojoFailureException;
import org.apache.maven.plugins.annotations.LifecyclePhase;
import org.apache.maven.plugins.annotations.Mojo;
import org.apache.maven.plugins.annotations.Parameter;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;

/**
 * Fine-tunes the base model on the training split, selecting the best epoch on the validation split (early
 * stopping), and writes {@code model.zip} (DL4J model with its normaliser) and {@code training.json}. Skipped, with
 * one log line, when the inputs' fingerprint equals that of the last completed training. Training checkpoints, keyed
 * by that fingerprint, so a build killed mid-training resumes where it stopped (and a sweep runs only the trials its
 * journal lacks); {@code -Dfinetune.force} starts over.
 */
@Mojo(name = "train", defaultPhase = LifecyclePhase.COMPILE, threadSafe = true)
public class TrainMojo extends AbstractForkingMojo {

    /**
     * Write a checkpoint after every this many epochs of a training run; 0 for none by count. Not part of the inputs'
     * fingerprint: resuming changes no result. With both this and {@code everyMinutes} at 0 there are no checkpoints
     * and no sweep journal, and a killed build starts over.
     */
    @Parameter(property = "finetune.checkpoint.everyEpochs", defaultValue = "1")
    protected int checkpointEveryEpochs;

    /** Also write one after the first epoch that ends this many minutes after the last one; 0 for none by time. */
    @Parameter(property = "finetune.checkpoint.everyMinutes", defaultValue = "0")
    protected int checkpointEveryMinutes;

    /** Run the sweep trials that the journal records as failed again, keeping the finished ones. */
    @Parameter(property = "finetune.sweep.rerunFailed", defaultValue = "false")
    protected boolean rerunFailed;

    @Override
    protected String goal() {
        return "train";
    }


    @Override
    protected void run() throws MojoExecutionException, MojoFailureException {
        if (checkpointEveryEpochs < 0 || checkpointEveryMinutes < 0) {
            throw new MojoFailureException("finetune.checkpoint.everyEpochs and finetune.checkpoint.everyMinutes must be 0 or more, found "
                    + checkpointEveryEpochs + " and " + checkpointEveryMinutes);
        }
        Path out = outputDirectory.toPath();
        Path marker = out.resolve(OutputFiles.TRAIN_MARKER);
        Path journal = out.resolve(OutputFiles.SWEEP_JOURNAL);
        if (force) {
            try {
                // starting over: nothing of an earlier run is resumed
                Checkpoints.discard(out.resolve(OutputFiles.CHECKPOINTS));
                Files.deleteIfExists(journal);
            } catch (IOException e) {
                throw new MojoExecutionException("Cannot remove the checkpoints in " + out + ": " + e.getMessage(), e);
            }
        }
        boolean modelPresent = Files.isRegularFile(out.resolve(OutputFiles.MODEL));
        // a completed sweep with failed trials is not up to date for -Dfinetune.sweep.rerunFailed
        boolean failedToRerun = rerunFailed && recordedFingerprint(marker).filter(f -> SweepJournal.hasFailedTrials(journal, f)).isPresent();
        if (rerunFailed && !failedToRerun) {
            getLog().info("finetune.sweep.rerunFailed: the sweep journal records no failed trial of these inputs");
        }
        if (modelPresent && !failedToRerun && rawInputsUnchanged(marker)) {
            logSkipped(recordedFingerprint(marker).orElseThrow());
            return;
        }
        FinetuneSpec parsed = parseSpec();
        BaseModelResolver.ResolvedBase base = resolveBase(parsed);
        Fingerprint fingerprint = fingerprint(parsed, base);
        if (modelPresent && !failedToRerun && upToDate(marker, fingerprint)) {
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
        Checkpoints.Policy policy = new Checkpoints.Policy(fingerprint.value(), checkpointEveryEpochs, checkpointEveryMinutes);
        try {
            runEngine(ForkRequest.Task.train, parsed, base, policy.enabled() ? Optional.of(policy) : Optional.empty(), rerunFailed);
        } catch (MojoExecutionException e) {
            // a crashed or killed training JVM: say what the next build will do with what it left
            if (policy.enabled() && Files.isDirectory(out.resolve(OutputFiles.CHECKPOINTS))) {
                throw new MojoExecutionException(e.getMessage() + "\nThe next build with the same inputs resumes from the last checkpoint in "
                        + out.resolve(OutputFiles.CHECKPOINTS) + " (-Dfinetune.force starts over)", e.getCause());
            }
            throw e;
        }
        // the model's hash too: a model.zip replaced afterwards makes the next build retrain, and evaluate and
        // package refuse it (TrainedModel)
        writeRecord(marker, fingerprint, parsed, base, List.of(model()));
        if (parsed.sweep().isPresent()) {
            // the sweep's charts are worth a look before (or without) evaluation; evaluate adds the test split
            writeHtmlReport(parsed, false, java.util.Optional.empty());
        }
    }

    private Path model() {
        return outputDirectory.toPath().toAbsolutePath().resolve(OutputFiles.MODEL);
    }

    private void logSkipped(String fingerprint) {
        getLog().info("Inputs unchanged since the last training (fingerprint " + fingerprint.substring(0, 12)
                + "): skipping finetune:train; -Dfinetune.force retrains");
    }
}
