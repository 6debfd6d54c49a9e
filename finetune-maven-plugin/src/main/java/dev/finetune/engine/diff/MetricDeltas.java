package dev.finetune.engine.diff;

import dev.finetune.engine.report.ClassMetrics;
import dev.finetune.engine.report.SplitMetrics;
import dev.finetune.spec.Metric;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.stream.Collectors;

/**
 * How the test metrics moved from the baseline to this build: overall, per class (matched by label), and the
 * confusion cells whose share moved most. Cells are compared as a share of their true class, since the test
 * split's size may differ between the two.
 *
 * @param onlyBefore classes the baseline had and this build does not
 * @param onlyAfter  classes new in this build
 */
public record MetricDeltas(int examplesBefore, int examplesAfter, List<MetricDelta> overall, List<ClassDelta> perClass,
                           List<CellDelta> movedCells, List<String> onlyBefore, List<String> onlyAfter) {

    static final int TOP_CELLS = 5;

    /** {@code change} is after minus before; whether that is better depends on the metric (loss: lower is). */
    public record MetricDelta(Metric metric, double before, double after, double change, Direction direction) {
    }

    public enum Direction { better, worse, same }

    public record ClassDelta(String label, double f1Before, double f1After, double precisionBefore, double precisionAfter,
                             double recallBefore, double recallAfter, int supportBefore, int supportAfter) {
        public double f1Change() {
            return f1After - f1Before;
        }
    }

    /** A cell (true class, predicted class): counts and shares of the true class. */
    public record CellDelta(String actual, String predicted, int countBefore, int countAfter, double shareBefore,
                            double shareAfter) {
        public double shareChange() {
            return shareAfter - shareBefore;
        }
    }

    public static MetricDeltas between(SplitMetrics before, SplitMetrics after) {
        List<MetricDelta> overall = new ArrayList<>();
        for (Metric m : Metric.values()) {
            double b = before.value(m);
            double a = after.value(m);
            double change = a - b;
            Direction d = change == 0 ? Direction.same : (change > 0) == m.higherIsBetter() ? Direction.better : Direction.worse;
            overall.add(new MetricDelta(m, b, a, change, d));
        }
        Map<String, ClassMetrics> b = byLabel(before);
        Map<String, ClassMetrics> a = byLabel(after);
        List<ClassDelta> perClass = new ArrayList<>();
        for (String label : after.classes()) {
            if (b.containsKey(label)) {
                ClassMetrics x = b.get(label);
                ClassMetrics y = a.get(label);
                perClass.add(new ClassDelta(label, x.f1(), y.f1(), x.precision(), y.precision(), x.recall(), y.recall(),
                        x.support(), y.support()));
            }
        }
        return new MetricDeltas(before.examples(), after.examples(), overall, perClass, movedCells(before, after),
                before.classes().stream().filter(c -> !a.containsKey(c)).toList(),
                after.classes().stream().filter(c -> !b.containsKey(c)).toList());
    }

    /** Off-diagonal cells (the confusions; the diagonal is each class's recall, listed per class). */
    private static List<CellDelta> movedCells(SplitMetrics before, SplitMetrics after) {
        List<CellDelta> cells = new ArrayList<>();
        for (int i = 0; i < after.classes().size(); i++) {
            int bi = before.classes().indexOf(after.classes().get(i));
            for (int j = 0; j < after.classes().size(); j++) {
                int bj = before.classes().indexOf(after.classes().get(j));
                if (i == j || bi < 0 || bj < 0) {
                    continue;
                }
                int countBefore = before.confusionMatrix()[bi][bj];
                int countAfter = after.confusionMatrix()[i][j];
                double shareBefore = share(countBefore, before.confusionMatrix()[bi]);
                double shareAfter = share(countAfter, after.confusionMatrix()[i]);
                if (shareBefore != shareAfter) {
                    cells.add(new CellDelta(after.classes().get(i), after.classes().get(j), countBefore, countAfter,
                            shareBefore, shareAfter));
                }
            }
        }
        // largest move first; ties in the matrix order, so the list is deterministic
        return cells.stream()
                .sorted(Comparator.comparingDouble((CellDelta c) -> -Math.abs(c.shareChange())))
                .limit(TOP_CELLS)
                .toList();
    }

    private static double share(int count, int[] row) {
        int total = 0;
        for (int x : row) {
            total += x;
        }
        return total == 0 ? 0 : (double) count / total;
    }

    private static Map<String, ClassMetrics> byLabel(SplitMetrics m) {
        return m.perClass().stream().collect(Collectors.toMap(ClassMetrics::label, Function.identity()));
    }
}
