package dev.finetune.engine.job;

/**
 * Engine settings that are not part of the spec.
 *
 * @param frozenFeatureCache train on cached outputs of the frozen input layers when possible
 *                           ({@link dev.finetune.engine.train.FrozenFeatureCache}); off only to measure or debug it
 * @param threadsPerTrial    ND4J's OpenMP threads, which bound how many sweep trials run at once by default
 */
public record JobOptions(boolean frozenFeatureCache, int threadsPerTrial) {

    public static final JobOptions DEFAULTS = new JobOptions(true, 1);
}
