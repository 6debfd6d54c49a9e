package dev.finetune.engine.chart;

import dev.finetune.engine.report.ClassMetrics;
import dev.finetune.engine.report.EpochRecord;
import dev.finetune.engine.report.SpecValues;
import dev.finetune.engine.report.SplitMetrics;
import dev.finetune.engine.report.SweepReport;
import dev.finetune.engine.report.TrainingReport;
import dev.finetune.engine.report.TrialResult;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.ToDoubleFunction;

/** The reports' charts, from the build's own records: the same records always give the same SVG bytes. */
public final class ReportCharts {

    /** A training run to draw: a legend name and its per-epoch record. */
    public record Run(String name, TrainingReport report) {
    }

    /** Line colours: this build, from scratch, the baseline; sweep trials cycle through the rest. */
    private static final String[] COLORS = {"#0969da", "#bc4c00", "#6e7781", "#1a7f37", "#8250df", "#cf222e", "#116329",
            "#953800", "#0550ae", "#a475f9", "#4d2d00", "#bf3989"};

    /** Trials other than the winner (green): no green among them. */
    private static final String[] TRIAL_COLORS = {"#0969da", "#bc4c00", "#8250df", "#cf222e", "#953800", "#0550ae", "#a475f9",
            "#bf3989", "#6e7781", "#4d2d00"};

    private ReportCharts() {
    }

    /**
     * Two panels over epochs: train and validation loss, and the validation value of the selection metric, each run
     * in its own colour (train loss solid, validation loss dashed), the first run's selected epoch and early stop
     * marked.
     */
    public static String learningCurves(List<Run> runs) {
        TrainingReport main = runs.get(0).report();
        String metric = main.selectionMetric();
        List<LineChart.Series> loss = new ArrayList<>();
        List<LineChart.Series> selection = new ArrayList<>();
        for (int i = 0; i < runs.size(); i++) {
            Run r = runs.get(i);
            String color = COLORS[i % COLORS.length];
            loss.add(new LineChart.Series(r.name() + " train loss", points(r.report(), EpochRecord::trainLoss), color, false, false));
            loss.add(new LineChart.Series(r.name() + " validation loss", points(r.report(), EpochRecord::validationLoss), color, true, false));
            selection.add(new LineChart.Series(r.name() + " validation " + shown(metric), points(r.report(), selector(metric)), color,
                    false, r.report().stoppedEarly()));
        }
        List<LineChart.Marker> markers = markers(main);
        Optional<double[]> unit = metric.equals("loss") ? Optional.empty() : Optional.of(new double[] {0, 1});
        return LineChart.render("chart chart-learning-curve", "Learning curves", 440, 300, List.of(
                new LineChart.Panel("Loss per epoch", "epoch", "loss", loss, markers, Optional.empty()),
                new LineChart.Panel("Validation " + shown(metric) + " (selects the epoch)", "epoch", shown(metric), selection,
                        markers, unit)));
    }

    /** The metric the curve shows: training.json has per-epoch loss, accuracy and macro-F1 only. */
    static String shown(String metric) {
        return metric.equals("loss") || metric.equals("macroF1") ? metric : "accuracy";
    }

    private static ToDoubleFunction<EpochRecord> selector(String metric) {
        return switch (shown(metric)) {
            case "loss" -> EpochRecord::validationLoss;
            case "macroF1" -> EpochRecord::validationMacroF1;
            default -> EpochRecord::validationAccuracy;
        };
    }

    private static List<LineChart.Marker> markers(TrainingReport r) {
        List<LineChart.Marker> out = new ArrayList<>();
        if (r.bestEpoch() > 0) {
            out.add(new LineChart.Marker(r.bestEpoch(), "selected " + r.bestEpoch(), "#1a7f37"));
        }
        if (r.stoppedEarly() && r.epochsRun() != r.bestEpoch()) {
            out.add(new LineChart.Marker(r.epochsRun(), "stopped " + r.epochsRun(), "#cf222e"));
        }
        return out;
    }

    private static List<double[]> points(TrainingReport r, ToDoubleFunction<EpochRecord> value) {
        return r.epochs().stream().map(e -> new double[] {e.epoch(), value.applyAsDouble(e)}).toList();
    }

    public static String confusion(SplitMetrics m) {
        return Heatmap.render("Confusion matrix, " + m.split() + " split (" + m.examples() + " rows)", m.classes(), m.confusionMatrix());
    }

    public static String perClass(SplitMetrics m) {
        List<BarChart.Group> groups = m.perClass().stream()
                .map((ClassMetrics c) -> new BarChart.Group(c.label(), new double[] {c.precision(), c.recall(), c.f1()})).toList();
        return BarChart.render("chart chart-per-class", "Per-class metrics, " + m.split() + " split", List.of("precision", "recall", "F1"), groups);
    }

    /**
     * Every trial's validation curve of the sweep metric on one chart, from the trials' epoch events
     * ({@code curves}: trial index to {epoch, value} points); stopped trials end in a cross.
     */
    public static String trialCurves(SweepReport sweep, Map<Integer, List<double[]>> curves) {
        List<LineChart.Series> series = new ArrayList<>();
        List<TrialResult> byIndex = sweep.trials().stream().sorted(java.util.Comparator.comparingInt(TrialResult::trial)).toList();
        for (TrialResult t : byIndex) {
            List<double[]> pts = curves.getOrDefault(t.trial(), List.of());
            if (pts.isEmpty()) {
                continue;
            }
            String color = t.winner() ? "#1a7f37" : TRIAL_COLORS[t.trial() % TRIAL_COLORS.length];
            series.add(new LineChart.Series("trial " + t.trial() + (t.winner() ? " (winner)" : ""), pts, color, !t.winner(),
                    t.stoppedEarly()));
        }
        Optional<double[]> unit = sweep.metric().equals("loss") ? Optional.empty() : Optional.of(new double[] {0, 1});
        return LineChart.render("chart chart-trials", "Sweep trials", 760, 320, List.of(new LineChart.Panel(
                "Validation " + sweep.metric() + " per epoch, every trial", "epoch", sweep.metric(), series, List.of(), unit)));
    }

    /** One scatter per swept parameter: its value against the trial's validation metric. */
    public static List<String> parameterScatters(SweepReport sweep) {
        List<String> names = new ArrayList<>();
        sweep.trials().forEach(t -> t.parameters().keySet().forEach(k -> {
            if (!names.contains(k)) {
                names.add(k);
            }
        }));
        List<String> out = new ArrayList<>();
        for (String name : names) {
            List<ScatterChart.Point> pts = new ArrayList<>();
            for (TrialResult t : sweep.trials()) {
                if (t.value().isPresent() && t.parameters().containsKey(name)) {
                    Object v = t.parameters().get(name);
                    Object x = v instanceof Number num ? (Object) num.doubleValue() : SpecValues.render(v);
                    pts.add(new ScatterChart.Point(x, t.value().get(), "trial " + t.trial(), t.winner()));
                }
            }
            out.add(ScatterChart.render(name + " vs validation " + sweep.metric(), name, sweep.metric(), pts));
        }
        return out;
    }
}
