package dev.finetune.engine.sweep.spark;

import dev.finetune.spec.Metric;

import java.io.Serializable;

/**
 * What a Spark executor needs to run a sweep's trials, as plain data that travels with each task: where the inputs
 * are (paths the executors must see, as on a shared file system; in {@code local[N]} they are the fork's own) and the
 * engine settings that decide results. Each executor JVM loads the data and the base once per sweep from these
 * ({@link ExecutorSide}), so the frozen-feature cache is computed once per executor, not once per trial.
 *
 * @param sweepId      tells one sweep's workers from another's in a long-lived executor JVM
 * @param specYaml     the sweep's spec without its sweep, in canonical form: what says where the base and the data are
 * @param heartbeatMillis {@code finetune.heartbeat}
 */
public record TrialEnvironment(String sweepId, String specYaml, String projectDir, String baseModel,
                               boolean allowPathsOutsideProject, boolean frozenFeatureCache, int ompThreads,
                               int blasThreads, long heartbeatMillis, Metric metric) implements Serializable {
}
