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

    /** The cache on, one thread per trial, no checkpoints, the default heartbeat, no tokenizer, one BLAS thread, no Spark. */
    public static final JobOptions DEFAULTS = new JobOptions(true, 1, Optional.empty(), false, DEFAULT_HEARTBEAT,
            Optional.empty(), 1, Optional.empty());

    // one `with` a setting instead of a constructor for each combination that some caller needed

    public JobOptions withFrozenFeatureCache(boolean on) {
        return new JobOptions(on, threadsPerTrial, checkpoints, rerunFailedTrials, heartbeat, tokenizer, blasThreads, spark);
    }

    public JobOptions withThreadsPerTrial(int threads) {
        return new JobOptions(frozenFeatureCache, threads, checkpoints, rerunFailedTrials, heartbeat, tokenizer, blasThreads, spark);
    }

    public JobOptions withCheckpoints(Optional<Checkpoints.Policy> policy) {
        return new JobOptions(frozenFeatureCache, threadsPerTrial, policy, rerunFailedTrials, heartbeat, tokenizer, blasThreads, spark);
    }

    public JobOptions withRerunFailedTrials(boolean rerun) {
        return new JobOptions(frozenFeatureCache, threadsPerTrial, checkpoints, rerun, heartbeat, tokenizer, blasThreads, spark);
    }

    public JobOptions withHeartbeat(java.time.Duration every) {
        return new JobOptions(frozenFeatureCache, threadsPerTrial, checkpoints, rerunFailedTrials, every, tokenizer, blasThreads, spark);
    }

    public JobOptions withTokenizer(Optional<Path> file) {
        return new JobOptions(frozenFeatureCache, threadsPerTrial, checkpoints, rerunFailedTrials, heartbeat, file, blasThreads, spark);
    }

    /** These options with sweep trials on Spark, whose executors set {@code blas} BLAS threads as the fork does. */
    public JobOptions withSpark(Optional<SparkSettings> settings, int blas) {
        return new JobOptions(frozenFeatureCache, threadsPerTrial, checkpoints, rerunFailedTrials, heartbeat, tokenizer, blas, settings);
    }
}
