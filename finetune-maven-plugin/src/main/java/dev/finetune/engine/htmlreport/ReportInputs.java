package dev.finetune.engine.htmlreport;

import dev.finetune.engine.diff.DiffReport;
import dev.finetune.engine.event.EventJson;
import dev.finetune.engine.event.JobEvent;
import dev.finetune.engine.layout.OutputFiles;
import dev.finetune.engine.report.DatasetSummary;
import dev.finetune.engine.report.GateResult;
import dev.finetune.engine.report.Json;
import dev.finetune.engine.report.MetricsReport;
import dev.finetune.engine.report.SplitMetrics;
import dev.finetune.engine.report.SweepReport;
import dev.finetune.engine.report.TrainingReport;
import dev.finetune.spec.FinetuneSpec;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;

/**
 * What {@code report.html} shows, read from the build's records in {@code target/finetune}. Only reproducible
 * records are used (no wall-clock times), so the same build gives the same page.
 *
 * @param title       the project's name and version
 * @param commit      the git commit (short, with "+ uncommitted changes"), when the project is in git
 * @param base        the base model, as the spec names it (coordinates or path)
 * @param data        the dataset file(s), as the spec names them
 * @param metrics     test and validation metrics, when they belong to this build's inputs
 * @param gates       the spec's gates checked on {@code metrics}; empty without metrics
 * @param trialCurves per sweep trial, its {epoch, validation value} points, from {@code events.jsonl}
 * @param baseline    with {@code finetune:diff}: the baseline to show beside this build
 * @param stages      with {@code training.stages}: each stage's training, in order ({@code training} is the last's)
 * @param stageSpecs  the spec of each stage (its learning rate, per-layer rates), beside {@code stages}
 */
public record ReportInputs(String title, Optional<String> commit, String base, String data, TrainingReport training,
                           Optional<TrainingReport> scratch, Optional<MetricsReport> metrics, List<GateResult> gates,
                           int gatesConfigured, Optional<DatasetSummary> dataset, Optional<SweepReport> sweep,
                           Map<Integer, List<double[]>> trialCurves, Optional<Baseline> baseline,
                           List<TrainingReport> stages, List<FinetuneSpec> stageSpecs) {

    public ReportInputs {
        stages = List.copyOf(stages);
        stageSpecs = List.copyOf(stageSpecs);
    }

    /** The other side of a diff: its label, its training record and test metrics when it has them, the comparison. */
    public record Baseline(String label, Optional<TrainingReport> training, Optional<SplitMetrics> test, DiffReport diff) {
    }

    /**
     * Reads the records; empty when there is no {@code training.json} (nothing trained yet).
     *
     * @param metricsCurrent whether {@code metrics.json} belongs to the current inputs (else it is left out)
     */
    public static Optional<ReportInputs> read(Path outputDir, FinetuneSpec spec, String title, Optional<String> commit,
                                              boolean metricsCurrent, Optional<Baseline> baseline) throws IOException {
        Path training = outputDir.resolve(OutputFiles.TRAINING);
        if (!Files.isRegularFile(training)) {
            return Optional.empty();
        }
        Optional<MetricsReport> metrics = metricsCurrent ? read(outputDir.resolve(OutputFiles.METRICS), MetricsReport.class) : Optional.empty();
        List<GateResult> gates = metrics.map(m -> GateResult.check(spec.evaluation().gates(), m.test())).orElse(List.of());
        Optional<SweepReport> sweep = spec.sweep().isPresent() ? read(outputDir.resolve(OutputFiles.SWEEP), SweepReport.class) : Optional.empty();
        // with a sweep, the stages are the winner's: its values are in sweep.json, the stage reports in stages.json
        List<TrainingReport> stages = spec.training().stages().isEmpty() ? List.of()
                : read(outputDir.resolve(OutputFiles.STAGES), TrainingReport[].class).map(List::of).orElse(List.of());
        FinetuneSpec trained = sweep.map(sw -> winnerSpec(spec, sw)).orElse(spec);
        String base = spec.base().artifact().orElseGet(() -> spec.base().path().orElse("?"));
        String data = spec.dataset().path().orElseGet(() -> {
            var f = spec.dataset().files().orElseThrow();
            return f.train() + ", " + f.validation() + ", " + f.test();
        });
        return Optional.of(new ReportInputs(title, commit, base, data, Json.read(training, TrainingReport.class),
                read(outputDir.resolve(OutputFiles.SCRATCH_TRAINING), TrainingReport.class), metrics, gates,
                spec.evaluation().gates().size(), read(outputDir.resolve(OutputFiles.DATASET), DatasetSummary.class), sweep,
                sweep.isPresent() ? trialCurves(outputDir.resolve(OutputFiles.EVENTS)) : Map.of(), baseline, stages,
                stages.isEmpty() ? List.of() : dev.finetune.spec.Stages.of(trained)));
    }

    /** The sweep winner's spec: the spec with the winner's values (from sweep.json, as reports show them). */
    private static FinetuneSpec winnerSpec(FinetuneSpec spec, SweepReport sweep) {
        return dev.finetune.spec.SweepPlanner.plan(spec).stream().filter(t -> t.index() == sweep.winner()).findFirst()
                .map(dev.finetune.spec.SweepPlanner.Trial::spec).orElse(spec);
    }

    /** Each sweep trial's validation value per epoch, from its {@code epochEnded} events; unreadable lines skipped. */
    static Map<Integer, List<double[]>> trialCurves(Path events) throws IOException {
        Map<Integer, List<double[]>> curves = new TreeMap<>();
        Map<String, Integer> stageOffsets = new java.util.HashMap<>();
        if (!Files.isRegularFile(events)) {
            return curves;
        }
        for (String line : Files.readAllLines(events, StandardCharsets.UTF_8)) {
            JobEvent event;
            try {
                event = EventJson.read(line);
            } catch (IOException | RuntimeException e) {
                continue; // a line cut by a crash, or an event kind a newer plugin wrote
            }
            if (event instanceof JobEvent.EpochEnded e && e.trial().isPresent()) {
                List<double[]> curve = curves.computeIfAbsent(e.trial().get(), t -> new ArrayList<>());
                // a staged trial's later stage (run `trial N stage-K`, K > 1) goes on from its previous stage's epochs
                boolean laterStage = e.run().matches(".* stage-([2-9]|[1-9][0-9]+)");
                int offset = laterStage ? stageOffsets.getOrDefault(e.trial().get() + " " + e.run(), -1) : 0;
                if (laterStage && offset < 0) {
                    offset = curve.isEmpty() ? 0 : (int) curve.get(curve.size() - 1)[0];
                    stageOffsets.put(e.trial().get() + " " + e.run(), offset);
                }
                // a rerun of the same trial in one file starts its curve again
                if (!curve.isEmpty() && curve.get(curve.size() - 1)[0] >= offset + e.epoch()) {
                    curve.clear();
                    stageOffsets.keySet().removeIf(k -> k.startsWith(e.trial().get() + " "));
                }
                curve.add(new double[] {offset + e.epoch(), e.value()});
            }
        }
        return curves;
    }

    private static <T> Optional<T> read(Path file, Class<T> type) throws IOException {
        return Files.isRegularFile(file) ? Optional.of(Json.read(file, type)) : Optional.empty();
    }
}
