package dev.finetune.engine.event;

import com.fasterxml.jackson.annotation.JsonSubTypes;
import com.fasterxml.jackson.annotation.JsonTypeInfo;

import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * What the engine reports while it works, as data: the Maven log renders these as lines ({@link EventText}),
 * {@link EventsFile} keeps them as JSON lines for tools (the HTML report, resume), and the fork protocol carries them
 * from the training JVM to the build. The {@code type} property names the kind in JSON.
 */
@JsonTypeInfo(use = JsonTypeInfo.Id.NAME, property = "type")
@JsonSubTypes({
        @JsonSubTypes.Type(value = JobEvent.Info.class, name = "info"),
        @JsonSubTypes.Type(value = JobEvent.Warning.class, name = "warning"),
        @JsonSubTypes.Type(value = JobEvent.EpochEnded.class, name = "epochEnded"),
        @JsonSubTypes.Type(value = JobEvent.TrialStarted.class, name = "trialStarted"),
        @JsonSubTypes.Type(value = JobEvent.TrialEnded.class, name = "trialEnded"),
        @JsonSubTypes.Type(value = JobEvent.CheckpointWritten.class, name = "checkpointWritten"),
        @JsonSubTypes.Type(value = JobEvent.Heartbeat.class, name = "heartbeat"),
        @JsonSubTypes.Type(value = JobEvent.SweepProgress.class, name = "sweepProgress"),
        @JsonSubTypes.Type(value = JobEvent.JobFinished.class, name = "jobFinished")})
public sealed interface JobEvent {

    /** Progress worth a line in the build log that has no structure of its own (data summary, cache use). */
    record Info(String message) implements JobEvent {
    }

    /** Something the user should know that does not stop the job. */
    record Warning(String message) implements JobEvent {
    }

    /**
     * One epoch of one training run ended.
     *
     * @param run        what was trained: {@code fine-tune}, {@code from-scratch}, {@code trial 3}
     * @param trial      the sweep trial's index; empty outside a sweep
     * @param trainLoss  mean minibatch loss of the epoch
     * @param metric     the early-stopping metric, which selects the kept epoch
     * @param value      this epoch's validation value of {@code metric}
     * @param improved   whether this epoch is the best so far
     * @param etaSeconds the time the remaining epochs would take at the mean pace so far
     */
    record EpochEnded(String run, Optional<Integer> trial, int epoch, int maxEpochs, double trainLoss,
                      double validationLoss, double validationAccuracy, double validationMacroF1, String metric,
                      double value, boolean improved, double bestValue, int bestEpoch, double seconds,
                      double etaSeconds) implements JobEvent {
    }

    /**
     * A training is still inside an epoch: sent every {@code finetune.heartbeat} seconds between minibatches, so a long
     * epoch never leaves the build log silent.
     *
     * @param batches         minibatches of this epoch done so far, of {@code totalBatches}
     * @param epochEtaSeconds the rest of this epoch at its pace so far (validation not counted)
     * @param runEtaSeconds   the rest of the run's epoch limit at the pace so far
     */
    record Heartbeat(String run, Optional<Integer> trial, int epoch, int maxEpochs, int batches, int totalBatches,
                     double epochEtaSeconds, double runEtaSeconds) implements JobEvent {
    }

    /**
     * A sweep trial ended: {@code done} of {@code total} trials have, and the rest would take {@code etaSeconds} at
     * the sweep's pace so far.
     */
    record SweepProgress(int done, int total, double elapsedSeconds, double etaSeconds) implements JobEvent {
    }

    /** A sweep trial's network was built; it trains next. {@code values} are the trial's swept settings. */
    record TrialStarted(int trial, long seed, Map<String, Object> values) implements JobEvent {
    }

    /**
     * A sweep trial ended: {@code completed}, {@code stopped} (early termination or patience) or {@code failed}.
     *
     * @param value the validation value of {@code metric} at the trial's kept epoch; empty when it failed
     */
    record TrialEnded(int trial, Map<String, Object> values, String status, String metric, Optional<Double> value,
                      int bestEpoch, int epochsRun, Optional<String> stopReason, Optional<String> error,
                      double seconds) implements JobEvent {
    }

    /**
     * A training run's state was written to {@code file} (relative to the output directory), so a rerun can resume
     * after {@code epoch}; writing it took {@code seconds}.
     */
    record CheckpointWritten(String run, int epoch, String file, double seconds) implements JobEvent {
    }

    /**
     * The job's last event: a training JVM that exits without sending it crashed.
     *
     * @param errors what went wrong, one line each; empty when it succeeded
     */
    record JobFinished(String task, Outcome outcome, List<String> errors) implements JobEvent {

        public enum Outcome {
            succeeded,
            /** a problem with the user's spec, data or base: the build fails without a stack trace */
            userError,
            /** a bug or an environment problem */
            internalError
        }

        public boolean succeeded() {
            return outcome == Outcome.succeeded;
        }
    }
}
