package dev.finetune.engine.packaging;

import dev.finetune.engine.layout.OutputFiles;
import dev.finetune.engine.report.ClassMetrics;
import dev.finetune.engine.report.DatasetSummary;
import dev.finetune.engine.report.Markdown;
import dev.finetune.engine.report.MetricsReport;
import dev.finetune.engine.report.SplitMetrics;
import dev.finetune.engine.report.TrainingReport;
import dev.finetune.spec.FinetuneSpec;

import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.stream.Collectors;

/**
 * {@code finetune/model-card.md}: the model for people reviewing it — what it is, what it was built from, how it
 * was trained, how well it does per class, whether its gates passed, and what it is fit for. Built only from the
 * build's own records, so it never claims more than was measured. Names, labels, paths and values in it are escaped
 * for where they go ({@link Markdown}): they come from the project, its data and its spec, which anyone may write.
 */
public final class ModelCard {

    private ModelCard() {
    }

    /**
     * @param name        the project's name
     * @param description the project's description; may be empty
     * @param spec        the spec the model was trained with: with a sweep, the winning trial's
     */
    public static String render(String name, String description, FinetuneSpec spec, Lineage lineage,
                                TrainingReport training, Optional<MetricsReport> metrics) {
        return render(name, description, spec, lineage, training, metrics, List.of());
    }

    /** @param stages with {@code training.stages}: each stage's training, in order ({@code training} is the last's) */
    public static String render(String name, String description, FinetuneSpec spec, Lineage lineage,
                                TrainingReport training, Optional<MetricsReport> metrics, List<TrainingReport> stages) {
        StringBuilder md = new StringBuilder();
        Lineage.Model m = lineage.model();
        md.append("# ").append(Markdown.text(name)).append(' ').append(Markdown.text(m.version())).append("\n\n");
        if (!description.isBlank()) {
            md.append(Markdown.paragraph(description)).append("\n\n");
        }
        List<String> classes = lineage.dataset().map(DatasetSummary::classes).orElse(List.of());
        md.append("| | |\n|---|---|\n");
        row(md, "Artifact", Markdown.cellCode(m.groupId() + ":" + m.artifactId() + ":" + m.version()));
        row(md, "Base model", baseName(lineage.base(), true) + " (SHA-256 "
                + Markdown.cellCode(lineage.base().sha256().substring(0, 12) + "…") + ")");
        row(md, "Task", "classification into " + classes.size() + " classes: "
                + classes.stream().map(Markdown::cell).collect(Collectors.joining(", ")));
        metrics.ifPresentOrElse(r -> {
            row(md, "Test accuracy", pct(r.test().accuracy()) + " on " + r.test().examples() + " held-out rows");
            row(md, "Test macro-F1", f4(r.test().macroF1()));
        }, () -> row(md, "Test metrics", "not measured: evaluation was skipped in this build"));
        long passed = lineage.gates().stream().filter(Lineage.Gate::passed).count();
        row(md, "Quality gates", gatesSummary(spec, lineage, passed));
        lineage.sweep().ifPresent(sw -> row(md, "Chosen by", "a " + sw.trials() + "-trial " + Markdown.cell(sw.strategy())
                + " sweep on validation " + Markdown.cell(sw.metric()) + ": trial " + sw.winner() + " "
                + Markdown.value(sw.winnerParameters())));
        row(md, "Built from", lineage.git()
                .map(g -> "git " + Markdown.cellCode(g.commit().substring(0, Math.min(12, g.commit().length())))
                + (g.dirty() ? " with uncommitted changes" : "")).orElse("not a git checkout"));

        md.append("\n## Intended use\n\n");
        boolean images = spec.dataset().type() == FinetuneSpec.DatasetSpec.Type.images;
        md.append(images ? "Classifies images (each decoded to " : "Classifies rows of ")
                .append(lineage.dataset().map(DatasetSummary::featureCount).orElse(0))
                .append(images ? " values: resized to the base's input, R, G, B, 0..255, in its channel order), like those in "
                        : " features, like those of ")
                .append(Markdown.code(spec.dataset().path().orElseGet(() -> spec.dataset().files().orElseThrow().train())))
                .append(", into the classes above. It was evaluated only on held-out rows of that dataset; inputs from another ")
                .append("source, scale or class set are outside what was measured. Feed raw features: the normaliser fitted on the ")
                .append("training split (").append(Markdown.code(spec.dataset().normalize().toString()))
                .append(") is stored in the model zip and must be applied first.\n");

        md.append("\n## Data\n\n| split | rows | rows per class | SHA-256 of rows |\n|---|---:|---|---|\n");
        lineage.dataset().ifPresent(d -> List.of("train", "validation", "test").stream().filter(d.splits()::containsKey)
                .forEach(split -> dataRow(md, split, d.splits().get(split))));
        spec.dataset().path().ifPresent(p -> md.append(images ? "\nOne folder, " : "\nOne file, ").append(Markdown.code(p)).append(", split ")
                .append(ratio(spec.dataset().split().train())).append(" / ").append(ratio(spec.dataset().split().validation()))
                .append(" / ").append(ratio(spec.dataset().split().test())).append(spec.dataset().split().stratify() ? " stratified" : "")
                .append(" with seed ").append(spec.dataset().split().seed()).append(". The test split was used only for the final metrics.\n"));

        md.append("\n## Model\n\n");
        md.append("- Starts from ").append(baseName(lineage.base(), false)).append(".\n");
        md.append("- Frozen layers (parameters kept from the base): ")
                .append(training.frozenLayers().isEmpty() ? "none (every layer trained)"
                        : String.join(", ", training.frozenLayers().stream().map(Markdown::code).toList()))
                .append(".\n");
        if (lineage.encoder().isPresent()) {
            var e = lineage.encoder().get();
            md.append("- The base is a frozen ONNX text encoder (").append(Markdown.code(e.entry().orElse("model"))).append(", SHA-256 ")
                    .append(Markdown.code(e.sha256().substring(0, 12) + "…")).append("): texts are tokenised with ")
                    .append(Markdown.code(e.tokenizer())).append(" (SHA-256 ").append(Markdown.code(e.tokenizerSha256().substring(0, 12) + "…"))
                    .append("), cut to ").append(e.maxSequenceLength()).append(" tokens, run through it one at a time and ")
                    .append(e.pooling()).append("-pooled into ").append(e.dimension()).append(" features.\n");
            md.append("- **At inference** this artifact holds the head only (a DL4J model zip with its normaliser): run the same")
                    .append(" encoder and tokenizer first (")
                    .append(e.coordinates().map(c -> "the artifact " + Markdown.code(c)).orElse("the project's file"))
                    .append("; `finetune/lineage.json` names them with their hashes), normalise, then apply the head.\n");
        }
        if (lineage.imageEncoder().isPresent()) {
            var e = lineage.imageEncoder().get();
            md.append("- The base is a frozen ONNX image model (").append(Markdown.code(e.entry().orElse("model"))).append(", SHA-256 ")
                    .append(Markdown.code(e.sha256().substring(0, 12) + "…")).append("): images are resized to ")
                    .append(e.height()).append("x").append(e.width()).append("x").append(e.channels()).append(", scaled (")
                    .append(Markdown.text(e.scaling())).append("), fed to its input ").append(Markdown.code(e.input()))
                    .append(" as ").append(e.layout()).append(" one at a time, and its output ").append(Markdown.code(e.output()))
                    .append(e.pooling().equals("mean") ? " (averaged over its positions)" : "").append(" gives ")
                    .append(e.dimension()).append(" features.\n");
            md.append("- **At inference** this artifact holds the head only (a DL4J model zip): run the same ONNX model on")
                    .append(" the same-sized, same-scaled image first (")
                    .append(e.coordinates().map(c -> "the artifact " + Markdown.code(c)).orElse("the project's file"))
                    .append("; `finetune/lineage.json` names it with its hash), then apply the head.\n");
        }
        md.append("- Head: ").append(lineage.encoder().isPresent() || lineage.imageEncoder().isPresent() ? "on the encoder's output, "
                        : spec.head().removedText() + " of the base replaced by ")
                .append(spec.head().hidden().isEmpty() ? "" : spec.head().hidden().stream()
                        .map(h -> h.units() + "-unit " + h.activation()).collect(Collectors.joining(", ")) + " dense layer(s) and ")
                .append("a softmax output for ").append(classes.size()).append(" classes.\n");
        md.append(String.format(Locale.ROOT, "- %,d trainable parameters of %,d.%n", training.trainableParams(), training.totalParams()));

        var t = spec.training();
        md.append("\n## Training\n\n| setting | value |\n|---|---|\n");
        row(md, "updater", t.updater().name());
        row(md, "learning rate", String.valueOf(t.learningRate()));
        row(md, "batch size", String.valueOf(t.batchSize()));
        row(md, "epochs", training.epochsRun() + " run of at most " + spec.maxEpochs()
                + (training.stoppedEarly() ? ", stopped early" : ""));
        spec.earlyStopping().ifPresent(e -> row(md, "early stopping", "on validation " + e.metric() + ", patience " + e.patience()));
        row(md, "selected epoch", training.bestEpoch() + " (validation " + Markdown.cell(training.selectionMetric()) + " "
                + f4(training.bestValue()) + ")");
        row(md, "L2 / dropout", t.l2() + " / " + t.dropout());
        if (t.l2sp() > 0) {
            row(md, "L2-SP", t.l2sp() + " (the base's trainable layers pulled toward their pretrained weights)");
        }
        if (!t.layerLearningRates().isEmpty()) {
            row(md, "layer learning rates", Markdown.cell(t.layerLearningRates().stream()
                    .map(r -> r.layers() + ": " + r.learningRate()).collect(Collectors.joining(", "))));
        }
        if (t.layerLearningRateDecay() != FinetuneSpec.TrainingSpec.NO_DECAY) {
            row(md, "layer learning rate decay", t.layerLearningRateDecay() + " (the k-th base layer below the head at "
                    + t.learningRate() + " × " + t.layerLearningRateDecay() + "^k)");
        }
        row(md, "seeds", "training " + t.seed() + spec.dataset().path().map(p -> ", split " + spec.dataset().split().seed()).orElse(""));
        Lineage.Tools tools = lineage.tools();
        row(md, "software", "finetune-maven-plugin " + Markdown.cell(tools.plugin()) + ", DL4J " + Markdown.cell(tools.dl4j()) + ", "
                + Markdown.cell(tools.backend()) + tools.backendChosenBy().map(b -> " [" + Markdown.cell(b) + "]").orElse("")
                + " (" + tools.ompThreads() + " OpenMP threads, " + Markdown.cell(tools.threadsChosenBy()) + "; "
                + tools.blasThreads() + " BLAS threads; OpenMP wait policy "
                + Markdown.cell(String.valueOf(tools.ompWaitPolicy())) + "), Java "
                + Markdown.cell(tools.java()));
        tools.dataParallel().ifPresent(d -> row(md, "data-parallel", Markdown.cell(d.executor() + " " + d.sparkVersion() + ", master "
                + d.master() + ", " + d.workers() + " workers, averaging every " + d.averagingFrequency() + " minibatches of "
                + d.batchSizePerWorker() + " per worker: " + d.method() + "; not bit-identical to a training in one JVM")));

        if (!stages.isEmpty()) {
            md.append("\n### Stages\n\nEach stage starts from the previous one's selected epoch; the model is the last stage's.\n\n"
                    + "| stage | frozen layers | learning rate | epochs run | selected epoch | validation " + Markdown.cell(training.selectionMetric())
                    + " |\n|---:|---|---:|---:|---:|---:|\n");
            List<FinetuneSpec> stageSpecs = dev.finetune.spec.Stages.of(spec);
            for (int i = 0; i < stages.size(); i++) {
                TrainingReport st = stages.get(i);
                String rate = i < stageSpecs.size() ? String.valueOf(stageSpecs.get(i).training().learningRate())
                        + layerRates(stageSpecs.get(i).training()) : "?";
                md.append("| ").append(i + 1).append(" | ").append(st.frozenLayers().isEmpty() ? "none"
                                : Markdown.cell(String.join(", ", st.frozenLayers()))).append(" | ").append(rate).append(" | ")
                        .append(st.epochsRun()).append(" | ").append(st.bestEpoch()).append(" | ").append(f4(st.bestValue()))
                        .append(" |\n");
            }
        }

        md.append("\n![Learning curves: loss and validation ").append(Markdown.text(training.selectionMetric()))
                .append(" per epoch, the selected epoch marked](").append(OutputFiles.LEARNING_CURVE_SVG).append(")\n");

        metrics.ifPresent(r -> {
            md.append("\n## Evaluation on the test split\n\n");
            md.append("| class | precision | recall | F1 | support |\n|---|---:|---:|---:|---:|\n");
            for (ClassMetrics c : r.test().perClass()) {
                md.append("| ").append(Markdown.cell(c.label())).append(" | ").append(f4(c.precision())).append(" | ").append(f4(c.recall()))
                        .append(" | ").append(f4(c.f1())).append(" | ").append(c.support()).append(" |\n");
            }
            md.append("| **macro** | ").append(f4(r.test().macroPrecision())).append(" | ").append(f4(r.test().macroRecall()))
                    .append(" | ").append(f4(r.test().macroF1())).append(" | ").append(r.test().examples()).append(" |\n");
            md.append("\nAccuracy ").append(pct(r.test().accuracy())).append("; validation accuracy ")
                    .append(pct(r.validation().accuracy())).append(".\n");
            r.scratchTest().ifPresent(s -> md.append(comparison(r.test(), s)));
            confusion(md, r.test());
            r.retention().ifPresent(kept -> md.append(retention(kept)));
        });

        md.append("\n## Quality gates\n\n");
        if (lineage.gates().isEmpty()) {
            md.append(spec.evaluation().gates().isEmpty() ? "None configured.\n" : notChecked(spec, false) + "\n");
        }
        lineage.gates().forEach(g -> md.append("- ").append(g.passed() ? "passed" : "**FAILED**").append(": ")
                .append(Markdown.code(g.expression())).append(" (measured ").append(f4(g.value())).append(")\n"));

        md.append("\n## Reproduce\n\n`finetune/lineage.json` in this artifact records the spec and data hashes, base, seeds and ")
                .append("software versions. Building the same commit with the same backend and thread settings gives the same parameters:\n\n")
                .append("```\nmvn -Dfinetune.force package\n```\n");
        return md.toString();
    }

    /** The test confusion matrix as a table (rows: true class) and as the heatmap beside the card. */
    private static void confusion(StringBuilder md, SplitMetrics m) {
        md.append("\n### Confusion matrix\n\nRows are true classes, columns predicted ones.\n\n| true / predicted |");
        m.classes().forEach(c -> md.append(' ').append(Markdown.cell(c)).append(" |"));
        md.append("\n|---|").append("---:|".repeat(m.classes().size())).append('\n');
        for (int i = 0; i < m.classes().size(); i++) {
            md.append("| ").append(Markdown.cell(m.classes().get(i))).append(" |");
            for (int j = 0; j < m.classes().size(); j++) {
                int n = m.confusionMatrix()[i][j];
                md.append(' ').append(i == j ? "**" + n + "**" : String.valueOf(n)).append(" |");
            }
            md.append('\n');
        }
        md.append("\n![Confusion matrix heatmap: counts and share of each true class](").append(OutputFiles.CONFUSION_SVG).append(")\n");
    }

    private static void dataRow(StringBuilder md, String split, DatasetSummary.Split s) {
        md.append("| ").append(split).append(" | ").append(s.rows()).append(" | ")
                .append(s.classCounts().entrySet().stream().map(e -> Markdown.cell(e.getKey()) + ": " + e.getValue())
                        .collect(Collectors.joining(", ")))
                .append(" | ").append(Markdown.cellCode(s.sha256().substring(0, 12) + "…")).append(" |\n");
    }

    private static String comparison(SplitMetrics tuned, SplitMetrics scratch) {
        double gain = tuned.accuracy() - scratch.accuracy();
        return String.format(Locale.ROOT, "%nThe same architecture trained from scratch on the same data reaches %s accuracy "
                + "(macro-F1 %s): fine-tuning the base is %s by %.2f points.%n", pct(scratch.accuracy()), f4(scratch.macroF1()),
                gain >= 0 ? "better" : "worse", Math.abs(gain) * 100);
    }

    private static String gatesSummary(FinetuneSpec spec, Lineage lineage, long passed) {
        if (!lineage.gates().isEmpty()) {
            return passed + " of " + lineage.gates().size() + " passed";
        }
        return spec.evaluation().gates().isEmpty() ? "none configured" : notChecked(spec, true);
    }

    /** Gates configured but no test metrics to check them on: evaluation was skipped (-DskipTests and the like). */
    private static String notChecked(FinetuneSpec spec, boolean inCell) {
        return spec.evaluation().gates().size() + " configured, **not checked**: evaluation was skipped, so there are no "
                + "test metrics (" + spec.evaluation().gates().stream().map(g -> code(g.expression(), inCell))
                .collect(Collectors.joining(", ")) + ")";
    }

    private static String baseName(Lineage.Base base, boolean inCell) {
        return code(base.coordinates().orElseGet(() -> base.path().orElse("?")), inCell)
                + base.tunedFrom().map(m -> ", itself fine-tuned by this plugin as "
                + code(m.groupId() + ":" + m.artifactId() + ":" + m.version(), inCell)).orElse("");
    }

    /** A code span in a table cell or in running text: they differ in how a {@code |} is written. */
    private static String code(String s, boolean inCell) {
        return inCell ? Markdown.cellCode(s) : Markdown.code(s);
    }

    private static void row(StringBuilder md, String key, String value) {
        md.append("| ").append(key).append(" | ").append(value).append(" |\n");
    }

    /** How much of the base's own task survived fine-tuning: the catastrophic-forgetting check. */
    private static String retention(dev.finetune.engine.report.RetentionReport t) {
        StringBuilder md = new StringBuilder("\n## Retention of the base's task\n\n");
        md.append("The base's original task data, ").append(Markdown.code(t.data())).append(" (").append(t.before().examples())
                .append(" rows, ").append(t.before().classes().size()).append(" classes of the base), scored by the base as it was")
                .append(" (before) and by this model's fine-tuned layers under the base's own top layers with their original")
                .append(" weights (after): what fine-tuning the body cost the base's task. It does not measure the new head.\n\n");
        md.append("| metric | before | after | drop | most allowed |\n|---|---:|---:|---:|---|\n");
        for (dev.finetune.spec.Metric m : dev.finetune.spec.Metric.values()) {
            String allowed = t.checks().stream().filter(c -> c.metric() == m).findFirst()
                    .map(c -> f4(c.maxDrop()) + (c.passed() ? " (passed)" : " (**FAILED**)")).orElse("");
            md.append("| ").append(m.name()).append(m == dev.finetune.spec.Metric.loss ? " (drop: rise)" : "").append(" | ")
                    .append(f4(t.before().value(m))).append(" | ").append(f4(t.after().value(m))).append(" | ")
                    .append(f4(t.drop().get(m))).append(" | ").append(allowed).append(" |\n");
        }
        return md.toString();
    }

    private static String pct(double v) {
        return String.format(Locale.ROOT, "%.2f%%", v * 100);
    }

    private static String f4(double v) {
        return String.format(Locale.ROOT, "%.4f", v);
    }

    private static String ratio(double v) {
        return String.format(Locale.ROOT, "%.2f", v);
    }

    /** A stage's own per-layer rates, in a few words: named layers and the decay. */
    private static String layerRates(FinetuneSpec.TrainingSpec t) {
        List<String> parts = new java.util.ArrayList<>();
        if (!t.layerLearningRates().isEmpty()) {
            parts.add(Markdown.cell(t.layerLearningRates().stream().map(r -> r.layers() + ": " + r.learningRate())
                    .collect(Collectors.joining(", "))));
        }
        if (t.layerLearningRateDecay() != FinetuneSpec.TrainingSpec.NO_DECAY) {
            parts.add("decay " + t.layerLearningRateDecay() + " per layer below the head");
        }
        return parts.isEmpty() ? "" : " (" + String.join("; ", parts) + ")";
    }

}
