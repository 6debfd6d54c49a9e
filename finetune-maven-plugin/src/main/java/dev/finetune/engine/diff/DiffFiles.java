package dev.finetune.engine.diff;

import dev.finetune.engine.chart.ReportCharts;
import dev.finetune.engine.layout.OutputFiles;
import dev.finetune.engine.report.AtomicFiles;
import dev.finetune.engine.report.Json;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** Writes {@code diff.md} and {@code diff.json}, each atomically, so a CI step never posts half a file. */
public final class DiffFiles {


    private DiffFiles() {
    }

    public static void write(Path outputDir, DiffReport report) throws IOException {
        Json.write(outputDir.resolve(OutputFiles.DIFF_JSON), report);
        AtomicFiles.write(outputDir.resolve(OutputFiles.DIFF_MARKDOWN), DiffMarkdown.render(report).getBytes(StandardCharsets.UTF_8));
    }

    /**
     * Also writes, beside diff.md, both sides' learning curves on one chart (when both have their training record)
     * and this build's test confusion heatmap (when it has current test metrics), which diff.md then shows.
     */
    public static void write(Path outputDir, DiffReport report, Snapshot before, Snapshot after) throws IOException {
        List<DiffMarkdown.Image> images = new ArrayList<>();
        Path curves = outputDir.resolve(OutputFiles.DIFF_LEARNING_CURVE_SVG);
        Path confusion = outputDir.resolve(OutputFiles.DIFF_CONFUSION_SVG);
        if (before.training().isPresent() && after.training().isPresent()) {
            AtomicFiles.write(curves, ReportCharts.learningCurves(List.of(new ReportCharts.Run(after.label(), after.training().get()),
                    new ReportCharts.Run(before.label(), before.training().get()))).getBytes(StandardCharsets.UTF_8));
            images.add(new DiffMarkdown.Image("learning curves of this build and the baseline", OutputFiles.DIFF_LEARNING_CURVE_SVG));
        } else {
            Files.deleteIfExists(curves);
        }
        if (after.test().isPresent()) {
            AtomicFiles.write(confusion, ReportCharts.confusion(after.test().get()).getBytes(StandardCharsets.UTF_8));
            images.add(new DiffMarkdown.Image("test confusion matrix of this build", OutputFiles.DIFF_CONFUSION_SVG));
        } else {
            Files.deleteIfExists(confusion);
        }
        Json.write(outputDir.resolve(OutputFiles.DIFF_JSON), report);
        AtomicFiles.write(outputDir.resolve(OutputFiles.DIFF_MARKDOWN), DiffMarkdown.render(report, images).getBytes(StandardCharsets.UTF_8));
    }
}
