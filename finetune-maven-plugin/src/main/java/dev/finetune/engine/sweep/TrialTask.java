package dev.finetune.engine.sweep;

import dev.finetune.spec.CanonicalSpec;
import dev.finetune.spec.FinetuneSpec;
import dev.finetune.spec.SpecException;
import dev.finetune.spec.SpecParser;
import dev.finetune.spec.SweepPlanner.Trial;

import java.io.Serializable;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * One trial to bring to {@code untilEpoch} epochs, as plain data, so a task can travel to a worker in another JVM. The
 * trial's spec travels as its canonical YAML: {@link FinetuneSpec} holds {@code Optional}s and is not serialisable.
 *
 * @param index      the trial's 0-based index in the sweep's plan
 * @param seed       the trial's training seed (also inside the spec), for events
 * @param values     the swept values as reports show them, by spec path
 * @param specYaml   the trial's resolved spec ({@link CanonicalSpec#toYaml}): its own seed and values, no sweep
 * @param untilEpoch the epochs the trial should have run when the task ends, unless it ends first (patience, its
 *                   epoch limit); 0 only builds its network
 * @param allowPathsOutsideProject the build's path setting the sweep's spec was parsed with (not part of the YAML)
 */
public record TrialTask(int index, long seed, Map<String, Object> values, String specYaml, int untilEpoch,
                        boolean allowPathsOutsideProject) implements Serializable {

    public TrialTask(int index, long seed, Map<String, Object> values, String specYaml, int untilEpoch) {
        this(index, seed, values, specYaml, untilEpoch, false);
    }

    public TrialTask {
        // a LinkedHashMap keeps the order reports show and serialises whatever map the caller passed
        values = Collections.unmodifiableMap(new LinkedHashMap<>(values));
    }

    public static TrialTask of(Trial trial, int untilEpoch) {
        return new TrialTask(trial.index(), trial.seed(), trial.displayValues(), CanonicalSpec.toYaml(trial.spec()), untilEpoch,
                trial.spec().allowPathsOutsideProject());
    }

    public TrialTask until(int epoch) {
        return new TrialTask(index, seed, values, specYaml, epoch, allowPathsOutsideProject);
    }

    /** The trial's spec, parsed again from its YAML: equal to the planned one but for where values stood in a file. */
    public FinetuneSpec spec() {
        try {
            return new SpecParser(allowPathsOutsideProject).parse("trial " + index + ".yaml", specYaml);
        } catch (SpecException e) {
            // the YAML is the canonical form of a spec that was valid: not parsing it back is a bug
            throw new IllegalStateException("trial " + index + ": its resolved spec does not parse back: " + e.getMessage(), e);
        }
    }
}
