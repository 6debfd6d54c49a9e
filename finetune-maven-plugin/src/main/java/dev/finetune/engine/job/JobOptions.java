package dev.finetune.engine.job;

/**
 * Engine settings that are not part of the spec.
 *
 * @param frozenFeatureCache train on cached outputs of the frozen input layers when possible
 *                           ({@link dev.finetune.engine.train.FrozenFeatureCache}); off only to measure or debug it
 * @param threadsPerTrial    ND4J's OpenMP threads, which bound how many sweep trials run at once by default
 * @param heartbeat          the longest a training stays silent within an epoch ({@link
 *                           dev.finetune.engine.event.JobEvent.Heartbeat}); zero for no heartbeat
 */
public record JobOptions(boolean frozenFeatureCache, int threadsPerTrial, java.time.Duration heartbeat) {

    /** How often a training says where it is within an epoch, by default ({@code finetune.heartbeat}). */
    public static final java.time.Duration DEFAULT_HEARTBEAT = dev.finetune.engine.train.Trainer.DEFAULT_HEARTBEAT;

    public static final JobOptions DEFAULTS = new JobOptions(true, 1);

    public JobOptions(boolean frozenFeatureCache, int threadsPerTrial) {
        this(frozenFeatureCache, threadsPerTrial, DEFAULT_HEARTBEAT);
    }
}
