package dev.finetune.spec;

import dev.finetune.spec.FinetuneSpec.EarlyStoppingSpec;
import dev.finetune.spec.FinetuneSpec.StageSpec;
import dev.finetune.spec.FinetuneSpec.TrainingSpec;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * {@code training.stages} as the trainings they make: one spec per stage, each the whole spec with the stage's values
 * put in (and no stages of its own), so that each stage trains, checkpoints and reports like a one-stage run.
 */
public final class Stages {

    private Stages() {
    }

    /** The spec of each stage in order; a spec without stages is its own single stage. */
    public static List<FinetuneSpec> of(FinetuneSpec spec) {
        List<StageSpec> stages = spec.training().stages();
        if (stages.isEmpty()) {
            return List.of(spec);
        }
        List<FinetuneSpec> out = new ArrayList<>();
        for (StageSpec stage : stages) {
            out.add(stage(spec, stage));
        }
        return List.copyOf(out);
    }

    /** The most epochs all stages together run (a spec without stages: its own). */
    public static int maxEpochs(FinetuneSpec spec) {
        return of(spec).stream().mapToInt(FinetuneSpec::maxEpochs).sum();
    }

    private static FinetuneSpec stage(FinetuneSpec spec, StageSpec stage) {
        TrainingSpec t = spec.training();
        int epochs = stage.epochs().orElse(spec.maxEpochs());
        TrainingSpec training = new TrainingSpec(t.updater(), stage.learningRate().orElse(t.learningRate()), t.batchSize(),
                epochs, t.l2(), t.dropout(), t.seed(), stage.layerLearningRates().orElse(t.layerLearningRates()), t.l2sp(),
                List.of(), stage.layerLearningRateDecay().orElse(t.layerLearningRateDecay()));
        Optional<EarlyStoppingSpec> earlyStopping = spec.earlyStopping().isPresent() || stage.patience().isPresent()
                ? Optional.of(new EarlyStoppingSpec(spec.earlyStopping().map(EarlyStoppingSpec::metric).orElse(Metric.loss),
                stage.patience().orElse(spec.earlyStopping().map(EarlyStoppingSpec::patience).orElse(Integer.MAX_VALUE)), epochs))
                : Optional.empty();
        return new FinetuneSpec(spec.base(), spec.dataset(), stage.freeze().orElse(spec.freeze()), spec.head(), training,
                earlyStopping, spec.evaluation(), Optional.empty(), spec.allowPathsOutsideProject(), spec.locations());
    }
}
