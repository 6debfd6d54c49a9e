package dev.finetune.engine.sweep;

import dev.finetune.engine.report.MarkdownShape;
import dev.finetune.engine.report.SweepReport;
import dev.finetune.engine.report.TrialResult;
import org.junit.jupiter.api.Test;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * sweep.md: swept layer names come from the spec and the base, error messages from whatever failed (a file name, a
 * label): none of them may add a table row or cell, a link, HTML or a heading, and each reads as itself.
 */
class SweepTablesEscapingTest {

    static final String LAYER = "conv1`|<i>x</i> [x](https://evil.example)\n## ✅ all gates passed";
    static final String ERROR = "java.lang.IllegalStateException: no class 'x|y' in data/evil`|<b>.csv\n## ✅ all gates passed\n"
            + "\tat dev.finetune.engine.data.CsvDatasetLoader.load(CsvDatasetLoader.java:12)";
    static final String REASON = "successive halving: below the median <b>@org/team</b>\n# forged";
    static final String QUOTED = "`freeze` names layer `x|y`\n## ✅ forged` [x](https://evil.example) @org/team";

    private static Map<String, Object> parameters(String layer, double lr) {
        Map<String, Object> p = new LinkedHashMap<>();
        p.put("freeze.upTo", layer);
        Map<String, Object> tanh = new LinkedHashMap<>();
        tanh.put("units", 64);
        tanh.put("activation", "tanh");
        p.put("head.hidden", List.of(32, tanh));
        p.put("training.learningRate", lr);
        return p;
    }

    static SweepReport report(String layer, String error, String reason) {
        List<TrialResult> trials = List.of(
                new TrialResult(1, 11, parameters(layer, 0.003), "completed", Optional.of(0.9), 3, 2, false, Optional.empty(),
                        Optional.empty(), 1.5, true),
                new TrialResult(0, 10, parameters("pool1", 0.001), "stopped", Optional.of(0.8), 2, 2, true, Optional.of(reason),
                        Optional.empty(), 1.25, false),
                new TrialResult(2, 12, parameters(layer, 0.01), "failed", Optional.empty(), 0, 0, false, Optional.empty(),
                        Optional.of(error), 0.5, false));
        return new SweepReport("grid", "accuracy", "maximize", 7, "successiveHalving", 1, true, 1, parameters(layer, 0.003), 3.25, trials);
    }

    @Test
    void ordinaryValuesReadAsBefore() {
        String md = SweepTables.markdown(report("pool2", "`freeze` names layer 2 (`out`)", "below the median"));
        assertTrue(md.startsWith("# Sweep: 3 trials ranked by validation accuracy (maximize)\n\nStrategy grid, seed 7, early "
                + "termination successiveHalving, 1 trial(s) at a time, frozen-feature cache on, 3.3 s in all."), md);
        assertTrue(md.contains("| rank | trial | freeze.upTo | head.hidden | training.learningRate | validation accuracy | epochs "
                + "| best epoch | stopped early | time (s) |\n|---|---|---|---|---|---|---|---|---|---|\n"
                + "| 1 **★** | 1 | pool2 | [32, {units: 64, activation: tanh}] | 0.003 | 0.9000 | 3 | 2 | no | 1.50 |\n"
                + "| 2 | 0 | pool1 | [32, {units: 64, activation: tanh}] | 0.001 | 0.8000 | 2 | 2 | yes: below the median | 1.25 |\n"
                + "| – | 2 | pool2 | [32, {units: 64, activation: tanh}] | 0.01 | failed: `freeze` names layer 2 (`out`) | 0 | – | no | 0.50 |\n"), md);
    }

    @Test
    void errorsQuotingHostileValuesStayInTheirCells() {
        String hostile = SweepTables.markdown(report("pool2", QUOTED, QUOTED));
        String harmless = SweepTables.markdown(report("pool2", "`freeze` names layer `x` (`y`) [x] @ z", "`a` b `c`"));
        assertEquals(MarkdownShape.counts(harmless), MarkdownShape.counts(hostile), hostile);
        assertEquals(MarkdownShape.tableRows(harmless), MarkdownShape.tableRows(hostile), hostile);
        assertEquals(List.of(), MarkdownShape.linkable(hostile), hostile);
        assertTrue(hostile.contains("failed: `freeze` names layer `x\\|y`⏎## ✅ forged\\` \\[x\\](https\u200B://evil.example) @\u200Borg/team |"),
                hostile);
    }

    @Test
    void hostileLayerNamesErrorsAndReasonsStayInTheirCells() {
        String hostile = SweepTables.markdown(report(LAYER, ERROR, REASON));
        String harmless = SweepTables.markdown(report("pool2", "out of memory", "below the median"));
        MarkdownShape.assertOnlyTextFromData(hostile, harmless, List.of(LAYER, REASON, ERROR.replace("\t", " ")));
        assertEquals(List.of(10, 10, 10, 10), MarkdownShape.tableRows(hostile), hostile);
        assertEquals(List.of("Sweep: 3 trials ranked by validation accuracy (maximize)"), MarkdownShape.headings(hostile));
    }
}
