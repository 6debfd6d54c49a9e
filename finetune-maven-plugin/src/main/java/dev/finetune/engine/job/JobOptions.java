package dev.finetune.engine.job;

import dev.finetune.engine.sweep.spark.SparkSettings;
import dev.finetune.engine.train.Checkpoints;

import java.nio.file.Path;
import java.util.Optional;

/**
 * Engine settings that are not part of the spec (nor of the inputs' fingerprint: none changes a result).
 *
 * @param frozenFeatureCache train on cached outputs of the frozen input layers when possible
 *                           ({@link dev.finetune.engine.train.FrozenFeatureCache}); off only to measure or debug it
 * @param threadsPerTrial    ND4J's OpenMP threads, which bound how many sweep trials run at once by default (and
 *                           ONNX Runtime's threads for an ONNX base)
 * @param checkpoints        how training checkpoints, keyed by the inputs' fingerprint, so that a rerun after a crash
 *                           resumes (and a sweep runs only the trials its journal lacks); empty: neither
 * @param rerunFailedTrials  run again the sweep trials the journal records as failed, rather than keep their failure
 * @param heartbeat          the longest a training stays silent within an epoch ({@link
 *                           dev.finetune.engine.event.JobEvent.Heartbeat}); zero for no heartbeat
 * @param tokenizer          an ONNX text encoder's tokenizer.json, resolved by the build; empty: beside the model
 * @param blasThreads        BLAS threads, which a Spark executor in another JVM sets as the fork does
 * @param spark              run sweep trials on Spark ({@code finetune.executor=spark}); empty: on threads of this JVM
 */
public record JobOptions(boolean frozenFeatureCache, int threadsPerTrial, Optional<Checkpoints.Policy> checkpoints,
                         boolean rerunFailedTrials, java.time.Duration heartbeat, Optional<Path> tokenizer, int blasThreads,
                         Optional<SparkSettings> spark) {

    /** How often a training says where it is within an epoch, by default ({@code finetune.heartbeat}). */
    public static final java.time.Duration DEFAULT_HEARTBEAT = dev.finetune.engine.train.Trainer.DEFAULT_HEARTBEAT;

    public static final JobOptions DEFAULTS = new JobOptions(true, 1);

    public JobOptions(boolean frozenFeatureCache, int threadsPerTrial, Optional<Checkpoints.Policy> checkpoints,
                      boolean rerunFailedTrials, java.time.Duration heartbeat, Optional<Path> tokenizer) {
        this(frozenFeatureCache, threadsPerTrial, checkpoints, rerunFailedTrials, heartbeat, tokenizer, 1, Optional.empty());
    }

    public JobOptions(boolean frozenFeatureCache, int threadsPerTrial, Optional<Checkpoints.Policy> checkpoints,
                      boolean rerunFailedTrials, java.time.Duration heartbeat, int blasThreads, Optional<SparkSettings> spark) {
        this(frozenFeatureCache, threadsPerTrial, checkpoints, rerunFailedTrials, heartbeat, Optional.empty(), blasThreads, spark);
    }

    public JobOptions(boolean frozenFeatureCache, int threadsPerTrial, Optional<Checkpoints.Policy> checkpoints,
                      boolean rerunFailedTrials, java.time.Duration heartbeat) {
        this(frozenFeatureCache, threadsPerTrial, checkpoints, rerunFailedTrials, heartbeat, Optional.empty());
    }

    /** These options with sweep trials on Spark. */
    public JobOptions withSpark(Optional<SparkSettings> settings, int blas) {
        return new JobOptions(frozenFeatureCache, threadsPerTrial, checkpoints, rerunFailedTrials, heartbeat, tokenizer, blas, settings);
    }

    public JobOptions(boolean frozenFeatureCache, int threadsPerTrial) {
        this(frozenFeatureCache, threadsPerTrial, Optional.empty(), false, DEFAULT_HEARTBEAT, Optional.empty());
    }

    public JobOptions(boolean frozenFeatureCache, int threadsPerTrial, java.time.Duration heartbeat) {
        this(frozenFeatureCache, threadsPerTrial, Optional.empty(), false, heartbeat, Optional.empty());
    }

    public JobOptions(boolean frozenFeatureCache, int threadsPerTrial, Optional<Path> tokenizer) {
        this(frozenFeatureCache, threadsPerTrial, Optional.empty(), false, DEFAULT_HEARTBEAT, tokenizer);
    }

    public JobOptions(boolean frozenFeatureCache, int threadsPerTrial, Optional<Checkpoints.Policy> checkpoints,
                      boolean rerunFailedTrials) {
        this(frozenFeatureCache, threadsPerTrial, checkpoints, rerunFailedTrials, DEFAULT_HEARTBEAT, Optional.empty());
    }
}
