package dev.finetune.it;

import dev.finetune.spec.FinetuneSpec;
import dev.finetune.spec.SpecParser;
import dev.finetune.spec.SweepPlanner;
import dev.finetune.spec.SweepSpec;
import org.junit.jupiter.api.Test;

import java.nio.file.Path;
import java.util.List;
import java.util.Optional;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** The README's sweep example stays a valid spec with the trials the README describes. */
class ExampleSweepSpecTest {

    /** The example directory, relative to the it module (one line to change if the example moves). */
    static final Path EXAMPLE = Path.of("example/digits-5to9");

    @Test
    void sweepExampleParsesIntoNineTrials() throws Exception {
        FinetuneSpec spec = new SpecParser().parse(EXAMPLE.resolve("finetune-sweep.yaml"));
        SweepSpec sweep = spec.sweep().orElseThrow();
        assertEquals(SweepSpec.Policy.medianStop, sweep.earlyTermination().policy());
        List<SweepPlanner.Trial> trials = SweepPlanner.plan(spec);
        assertEquals(9, trials.size());
        assertEquals(List.of("head.hidden", "training.learningRate"), List.copyOf(trials.get(0).values().keySet()));
        // the spec's base and data are the example's own
        assertEquals(Optional.of(SweepBenchmark.BASE), spec.base().artifact());
        assertEquals(SweepBenchmark.DATA, spec.dataset().path().orElseThrow());
    }
}
