package dev.finetune.engine;

import dev.finetune.engine.inspect.SweepSize;
import dev.finetune.spec.SpecParser;
import org.junit.jupiter.api.Test;

import java.util.Optional;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** A spec at the schema's limits is valid, but validation says how much training it asks for. */
class SweepSizeTest {

    private static final String BASE = "base: { path: b.zip }\ndataset: { path: d.csv }\n";

    @Test
    void aHugeRandomSweepIsWarnedAboutAndAnOrdinaryOneIsNot() throws Exception {
        var huge = new SpecParser().parse("finetune.yaml", BASE + """
                training: { epochs: 100000 }
                sweep:
                  strategy: random
                  maxTrials: 10000
                  parameters:
                    training.learningRate: { range: [0.0001, 0.1], scale: log }
                """);
        assertEquals(1_000_000_000L, SweepSize.maxEpochs(huge));
        assertEquals(Optional.of("the sweep asks for up to 1,000,000,000 epochs in all (10,000 trial(s)); unless early"
                + " stopping ends them sooner this may not finish within finetune.forkTimeout (default 2 hours)"), SweepSize.warning(huge));
        var ordinary = new SpecParser().parse("finetune.yaml", BASE + """
                training: { epochs: 20 }
                sweep:
                  parameters:
                    training.learningRate: { values: [0.001, 0.01] }
                """);
        assertEquals(40, SweepSize.maxEpochs(ordinary));
        assertEquals(Optional.empty(), SweepSize.warning(ordinary));
    }
}
