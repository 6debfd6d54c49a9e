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
     * Write a checkpoint after every this many epochs of a training run; 0 for none by count. Unset (with
     * {@code everyMinutes} unset too), checkpoints are paced by {@code maxOverhead}. Not part of the inputs'
     * fingerprint: resuming changes no result. With both this and {@code everyMinutes} set to 0 there are no
     * checkpoints and no sweep journal, and a killed build starts over.
     */
    @Parameter(property = "finetune.checkpoint.everyEpochs")
    protected Integer checkpointEveryEpochs;

    /** Also write one after the first epoch that ends this many minutes after the last one; 0 for none by time. */
    @Parameter(property = "finetune.checkpoint.everyMinutes")
    protected Integer checkpointEveryMinutes;

    /**
     * With neither {@code everyEpochs} nor {@code everyMinutes} set: write a checkpoint after a run's first epoch, then
     * after the first epoch that ends once the training time since the last checkpoint is at least the last one's own
     * time over this share, so checkpoints take at most about this share of training time (on epochs longer than 50
     * checkpoints: one per epoch; at the default the plugin's epochs stayed within 6% of a plain DL4J loop's, README
     * "Speed"). Between 0 and 1; 0 for no checkpoints.
     */
    @Parameter(property = "finetune.checkpoint.maxOverhead", defaultValue = "0.02")
    protected double checkpointMaxOverhead;

    /** Run the sweep trials that the journal records as failed again, keeping the finished ones. */
    @Parameter(property = "finetune.sweep.rerunFailed", defaultValue = "false")
    protected boolean rerunFailed;

    @Override
    protected String goal() {
        return "train";
    }


    @Override
    protected void run() throws MojoExecutionException, MojoFailureException {
        Optional<Integer> everyEpochs = Optional.ofNullable(checkpointEveryEpochs);
        Optional<Integer> everyMinutes = Optional.ofNullable(checkpointEveryMinutes);
        if (everyEpochs.orElse(0) < 0 || everyMinutes.orElse(0) < 0) {
            throw new MojoFailureException("finetune.checkpoint.everyEpochs and finetune.checkpoint.everyMinutes must be 0 or more, found "
                    + everyEpochs.map(String::valueOf).orElse("unset") + " and " + everyMinutes.map(String::valueOf).orElse("unset"));
        }
        if (!(checkpointMaxOverhead >= 0 && checkpointMaxOverhead < 1)) {
            throw new MojoFailureException("finetune.checkpoint.maxOverhead must be at least 0 and below 1 (a share of training time, "
                    + "0.05 for 5%), found " + checkpointMaxOverhead);
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
        // fixed counts when either is set, as before; otherwise paced by the checkpoints' measured cost
        boolean paced = everyEpochs.isEmpty() && everyMinutes.isEmpty();
        Checkpoints.Policy policy = new Checkpoints.Policy(fingerprint.value(), everyEpochs.orElse(0), everyMinutes.orElse(0),
                paced ? checkpointMaxOverhead : 0);
        getLog().debug("checkpoints: " + policy.describe());
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
