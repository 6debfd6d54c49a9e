package dev.finetune.engine.job;

import java.nio.file.Path;
import java.util.Optional;

/**
 * Engine settings that are not part of the spec.
 *
 * @param frozenFeatureCache train on cached outputs of the frozen input layers when possible
 *                           ({@link dev.finetune.engine.train.FrozenFeatureCache}); off only to measure or debug it
 * @param threadsPerTrial    ND4J's OpenMP threads, which bound how many sweep trials run at once by default (and
 *                           ONNX Runtime's threads for an ONNX base)
 * @param tokenizer          an ONNX text encoder's tokenizer.json, resolved by the build; empty: beside the model
 */
public record JobOptions(boolean frozenFeatureCache, int threadsPerTrial, Optional<Path> tokenizer) {

    public static final JobOptions DEFAULTS = new JobOptions(true, 1);

    public JobOptions(boolean frozenFeatureCache, int threadsPerTrial) {
        this(frozenFeatureCache, threadsPerTrial, Optional.empty());
    }
}
