package dev.finetune.engine;

import dev.finetune.engine.packaging.GitInfo;
import dev.finetune.engine.packaging.Lineage;
import dev.finetune.engine.packaging.ModelCard;
import dev.finetune.engine.report.DatasetSummary;
import dev.finetune.engine.report.MarkdownShape;
import dev.finetune.engine.report.MetricsReport;
import dev.finetune.engine.report.RunInfo;
import dev.finetune.engine.report.SplitMetrics;
import dev.finetune.engine.report.TrainingReport;
import dev.finetune.spec.FinetuneSpec;
import dev.finetune.spec.SpecParser;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The model card ships inside the model, and what it says about classes, files, layers, the base and the project
 * comes from the project and its data: a hostile value reads as itself and adds no link, image, HTML, heading, list
 * or table row. Built from hand-made records, so no training is needed.
 */
class ModelCardEscapingTest {

    /** The values one card is built from. */
    record Data(String name, String description, List<String> classes, String dataPath, String layer, String baseCoordinates,
                String tunedFromArtifact, String groupId, String version, String commit, String tool) {
    }

    static final Data HOSTILE = new Data(
            "Digits <img src=x onerror=alert(1)> [Approve](https://evil.example)\n## ✅ all gates passed",
            "Fine-tunes digits.\n\n# Forged heading\n- forged list\n<script>alert(1)</script>\n    code\n@org/team see https://evil.example",
            List.of("[Approve now](https://evil.example) <img src=x onerror=alert(1)> @org/team",
                    "cat`|<b>x</b>\n## ✅ all gates passed",
                    "1. #123 www.evil.example ![i](https://evil.example/i.png) **bold** | x"),
            "data/evil`|<b>x</b>.csv\n## ✅ all gates passed",
            "conv1`|<i>x</i>\n# forged",
            "g:a|`x`<b>:zip:1\n# forged",
            "tuned|<b>\n## x",
            "dev.finetune <a href=x>",
            "1.0.0 @org/team",
            "0123456789ab|<b>\n#",
            "CpuBackend <img src=x> [x](https://evil.example)");

    static final Data HARMLESS = new Data("Digits", "Fine-tunes digits.", List.of("5", "6", "7"), "data/upper.csv", "hidden1",
            "g:base:zip:1.0.0", "base-tuned", "dev.finetune", "1.0.0", "0123456789abcdef", "CpuBackend");

    private static final String SHA = "a".repeat(64);

    static String card(Data d) throws Exception {
        String yaml = "base: { path: mln.zip }\n"
                + "dataset: { path: \"" + d.dataPath().replace("\n", "\\n") + "\" }\n"
                + "training: { epochs: 1 }\n"
                + "evaluation: { gates: [ accuracy >= 0.8, macroF1 >= 0.99 ] }\n";
        FinetuneSpec spec = new SpecParser().parse("finetune.yaml", yaml);
        assertEquals(Optional.of(d.dataPath()), spec.dataset().path());
        List<String> classes = d.classes();
        SplitMetrics test = SplitMetrics.of("test", classes, new int[][] {{8, 2, 0}, {1, 4, 0}, {0, 1, 4}}, 0.5);
        SplitMetrics validation = SplitMetrics.of("validation", classes, new int[][] {{3, 0, 0}, {0, 3, 0}, {0, 1, 2}}, 0.4);
        TrainingReport training = new TrainingReport("MultiLayerNetwork", "loss", 1, 1, 0.4, false, 30, 9, 100, 200,
                List.of(d.layer()), List.of());
        MetricsReport metrics = new MetricsReport(test, validation, Optional.of(validation), training, Optional.empty(),
                new RunInfo("1.0.0-M2.1", d.tool(), 1, 1, "passive", "17", "linux", classes));
        Map<String, Integer> counts = new LinkedHashMap<>();
        classes.forEach(c -> counts.put(c, 10));
        Map<String, DatasetSummary.Split> splits = new LinkedHashMap<>();
        splits.put("train", new DatasetSummary.Split(30, SHA, counts));
        splits.put("validation", new DatasetSummary.Split(9, SHA, counts));
        splits.put("test", new DatasetSummary.Split(20, SHA, counts));
        Map<String, Object> winner = new LinkedHashMap<>();
        winner.put("freeze.upTo", d.layer());
        Map<String, Object> tanh = new LinkedHashMap<>();
        tanh.put("units", 64);
        tanh.put("activation", "tanh");
        winner.put("head.hidden", List.of(32, tanh));
        winner.put("training.learningRate", 0.003);
        Lineage lineage = new Lineage(Lineage.FORMAT_VERSION, new Lineage.Model(d.groupId(), "digits", d.version()),
                new Lineage.Spec("finetune.yaml", SHA, SHA), Optional.of(new DatasetSummary(classes, 64, splits)),
                new Lineage.Base(Optional.of(d.baseCoordinates()), Optional.empty(), SHA,
                        Optional.of(new Lineage.Model("g", d.tunedFromArtifact(), "1"))),
                Map.of("training", 1L), new Lineage.Tools("0.1.0", "1.0.0-M2.1", d.tool(), 1, 1, "passive", "17", "linux"),
                Optional.of(new GitInfo(d.commit(), true)), Optional.of(new Lineage.Sweep(4, "grid", "accuracy", 2, winner)),
                Optional.of(Lineage.Metrics.of(metrics)),
                List.of(new Lineage.Gate("accuracy >= 0.8", 0.85, true), new Lineage.Gate("macroF1 >= 0.99", 0.8, false)));
        return ModelCard.render(d.name(), d.description(), spec, lineage, training, Optional.of(metrics));
    }

    @Test
    void hostileNamesLabelsPathsAndLayersAddNothingToTheCard() throws Exception {
        String hostile = card(HOSTILE);
        String harmless = card(HARMLESS);
        // the harmless card is what it always was
        assertTrue(harmless.startsWith("# Digits 1.0.0\n\nFine-tunes digits.\n\n| | |\n|---|---|\n"
                + "| Artifact | `dev.finetune:digits:1.0.0` |\n"
                + "| Base model | `g:base:zip:1.0.0`, itself fine-tuned by this plugin as `g:base-tuned:1` (SHA-256 `aaaaaaaaaaaa…`) |\n"
                + "| Task | classification into 3 classes: 5, 6, 7 |\n"), harmless);
        assertTrue(harmless.contains("| Chosen by | a 4-trial grid sweep on validation accuracy: trial 2 "
                + "{freeze.upTo: hidden1, head.hidden: [32, {units: 64, activation: tanh}], training.learningRate: 0.003} |"), harmless);
        assertTrue(harmless.contains("| Built from | git `0123456789ab` with uncommitted changes |"), harmless);
        assertTrue(harmless.contains("like those of `data/upper.csv`, into the classes above."), harmless);
        assertTrue(harmless.contains("- Frozen layers (parameters kept from the base): `hidden1`.\n"), harmless);
        assertTrue(harmless.contains("| train | 30 | 5: 10, 6: 10, 7: 10 | `aaaaaaaaaaaa…` |"), harmless);
        assertTrue(harmless.contains("| 5 | 0.8889 | 0.8000 | 0.8421 | 10 |"), harmless);
        assertTrue(harmless.contains("- **FAILED**: `macroF1 >= 0.99` (measured 0.8000)\n"), harmless);

        List<String> forged = new ArrayList<>(HOSTILE.classes());
        forged.addAll(List.of(HOSTILE.name(), HOSTILE.dataPath(), HOSTILE.layer(), HOSTILE.baseCoordinates(),
                HOSTILE.tunedFromArtifact(), HOSTILE.version(), HOSTILE.tool(), "Fine-tunes digits. # Forged heading - forged list "
                        + "<script>alert(1)</script> code @org/team see https://evil.example"));
        MarkdownShape.assertOnlyTextFromData(hostile, harmless, forged);
        assertEquals(MarkdownShape.headings(harmless).subList(1, MarkdownShape.headings(harmless).size()),
                MarkdownShape.headings(hostile).subList(1, MarkdownShape.headings(hostile).size()), "the card's own sections");
    }

    @Test
    void gatesThatWereNotCheckedNameTheirExpressionsInTheTableAndTheSection() throws Exception {
        FinetuneSpec spec = new SpecParser().parse("finetune.yaml", "base: { path: mln.zip }\ndataset: { path: \"a|b.csv\" }\n"
                + "evaluation: { gates: [ accuracy >= 0.8 ] }\n");
        Lineage lineage = new Lineage(Lineage.FORMAT_VERSION, new Lineage.Model("g", "a", "1"), new Lineage.Spec("f", SHA, SHA),
                Optional.empty(), new Lineage.Base(Optional.empty(), Optional.of("models/a|b.zip"), SHA, Optional.empty()),
                Map.of(), new Lineage.Tools("0.1.0", "1", "CpuBackend", 1, 1, "passive", "17", "linux"), Optional.empty(), Optional.empty(),
                Optional.empty(), List.of());
        TrainingReport training = new TrainingReport("MultiLayerNetwork", "loss", 1, 1, 0.4, false, 30, 9, 100, 200, List.of(), List.of());
        String card = ModelCard.render("P", "", spec, lineage, training, Optional.empty());
        assertTrue(card.contains("| Quality gates | 1 configured, **not checked**: evaluation was skipped, so there are no test "
                + "metrics (`accuracy >= 0.8`) |"), card);
        assertTrue(card.contains("| Base model | `models/a\\|b.zip` (SHA-256"), card);
        assertTrue(card.contains("- Starts from `models/a|b.zip`.\n"), card);
        assertTrue(card.contains("like those of `a|b.csv`"), card);
        assertEquals(List.of(2, 2, 2), MarkdownShape.tableRows(card).subList(0, 3), "the pipe in the path is no cell of its own");
        assertTrue(MarkdownShape.visibleText(card).contains("models/a|b.zip (SHA-256"), MarkdownShape.visibleText(card));
    }
}
