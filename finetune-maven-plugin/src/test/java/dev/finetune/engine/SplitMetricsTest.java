package dev.finetune.engine;

import dev.finetune.engine.report.GateResult;
import dev.finetune.engine.report.SplitMetrics;
import dev.finetune.spec.SpecParser;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class SplitMetricsTest {

    @Test
    void metricsFollowFromTheConfusionMatrix() {
        // rows: true a, b, c; columns: predicted
        int[][] confusion = {{8, 2, 0}, {1, 9, 0}, {0, 0, 0}};
        SplitMetrics m = SplitMetrics.of("test", List.of("a", "b", "c"), confusion, 0.3);
        assertEquals(20, m.examples());
        assertEquals(17 / 20.0, m.accuracy(), 1e-12);
        assertEquals(8 / 9.0, m.perClass().get(0).precision(), 1e-12);
        assertEquals(0.8, m.perClass().get(0).recall(), 1e-12);
        assertEquals(2 * (8 / 9.0) * 0.8 / (8 / 9.0 + 0.8), m.perClass().get(0).f1(), 1e-12);
        // a class never present nor predicted scores 0, not NaN
        assertEquals(0.0, m.perClass().get(2).f1());
        assertEquals((m.perClass().get(0).f1() + m.perClass().get(1).f1()) / 3, m.macroF1(), 1e-12);
    }

    @Test
    void gatesCompareAgainstTestMetrics() throws Exception {
        var spec = new SpecParser().parse("finetune.yaml", """
                base: { path: b.zip }
                dataset: { path: d.csv }
                evaluation:
                  gates: ["accuracy >= 0.85", "macroF1 >= 0.9", "loss < 0.3"]
                """);
        SplitMetrics m = SplitMetrics.of("test", List.of("a", "b"), new int[][] {{8, 2}, {1, 9}}, 0.3);
        List<GateResult> results = GateResult.check(spec.evaluation().gates(), m);
        assertTrue(results.get(0).passed());
        assertFalse(results.get(1).passed());
        assertFalse(results.get(2).passed(), "0.3 < 0.3 does not hold");
        assertEquals("FAILED macroF1 >= 0.9: macroF1 is 0.8496, threshold >= 0.9 (finetune.yaml:4:31)", results.get(1).describe());
    }
}
