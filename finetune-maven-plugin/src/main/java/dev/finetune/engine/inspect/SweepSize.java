package dev.finetune.engine.inspect;

import dev.finetune.spec.FinetuneSpec;
import dev.finetune.spec.SweepPlanner;
import dev.finetune.spec.SweepPlanner.Trial;

import java.util.List;
import java.util.Locale;
import java.util.Optional;

/**
 * How much training a spec asks for at most (trials × their epoch limits), and a warning when that is more than a CI
 * job can do: the schema allows 10,000 trials of 100,000 epochs, which is valid but would never end.
 */
public final class SweepSize {

    /** Above this many epochs in all, validation warns. */
    public static final long WARN_ABOVE_EPOCHS = 10_000;

    private SweepSize() {
    }

    /** The most epochs the spec can train: the sum over its trials (one "trial" without a sweep). */
    public static long maxEpochs(FinetuneSpec spec) {
        if (spec.sweep().isEmpty()) {
            return spec.maxEpochs();
        }
        List<Trial> trials = SweepPlanner.plan(spec);
        return trials.stream().mapToLong(t -> t.spec().maxEpochs()).sum();
    }

    public static Optional<String> warning(FinetuneSpec spec) {
        long epochs = maxEpochs(spec);
        if (epochs <= WARN_ABOVE_EPOCHS) {
            return Optional.empty();
        }
        int trials = spec.sweep().isEmpty() ? 1 : SweepPlanner.plan(spec).size();
        return Optional.of(String.format(Locale.ROOT, "%s asks for up to %,d epochs in all (%,d trial(s)); unless early "
                        + "stopping ends them sooner this may not finish within finetune.forkTimeout (default 2 hours)",
                spec.sweep().isEmpty() ? "training" : "the sweep", epochs, trials));
    }
}
