package dev.finetune.engine.chart;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * A swept parameter against the trials' validation metric: numeric values on a linear or, when they span two
 * decades or more, a log axis; other values (a head's layer list, an updater) as evenly spaced categories. The
 * winner is drawn larger and green, failed trials are left out (they have no metric).
 */
public final class ScatterChart {

    /** One trial: its parameter value (a Number, or anything shown as text), its metric, whether it won. */
    public record Point(Object x, double y, String label, boolean winner) {
    }

    private ScatterChart() {
    }

    public static String render(String title, String xLabel, String yLabel, List<Point> points) {
        int width = 420;
        int height = 280;
        double left = 56;
        double right = width - 28;
        double top = 30;
        double bottom = height - 56;
        Svg svg = new Svg(width, height, "chart chart-scatter", title);
        svg.group("panel", Svg.data("param", xLabel));
        svg.text(width / 2.0, 18, "middle", "#24292f", 13, "600", title);
        boolean numeric = !points.isEmpty() && points.stream().allMatch(p -> p.x() instanceof Number);
        double lo = points.stream().filter(p -> numeric).mapToDouble(p -> ((Number) p.x()).doubleValue()).min().orElse(0);
        double hi = points.stream().filter(p -> numeric).mapToDouble(p -> ((Number) p.x()).doubleValue()).max().orElse(1);
        boolean log = numeric && lo > 0 && hi / lo >= 100;
        List<String> categories = new ArrayList<>();
        if (!numeric) {
            points.forEach(p -> {
                String c = String.valueOf(p.x());
                if (!categories.contains(c)) {
                    categories.add(c);
                }
            });
        }
        Scale xs = numeric ? (log ? Scale.log(lo, hi, left, right) : Scale.linear(lo, hi, left, right)) : null;
        double yLo = points.stream().mapToDouble(Point::y).min().orElse(0);
        double yHi = points.stream().mapToDouble(Point::y).max().orElse(1);
        Scale ys = Scale.linear(yLo, yHi, bottom, top);
        for (double t : ys.ticks()) {
            svg.line(left, ys.px(t), right, ys.px(t), "#eaeef2", 1, null, null);
            svg.text(left - 6, ys.px(t) + 4, "end", "#57606a", 11, null, ys.label(t));
        }
        if (numeric) {
            for (double t : xs.ticks()) {
                svg.line(xs.px(t), bottom, xs.px(t), bottom + 4, "#57606a", 1, null, null);
                svg.text(xs.px(t), bottom + 16, "middle", "#57606a", 11, null, xs.label(t));
            }
        } else {
            for (int i = 0; i < categories.size(); i++) {
                svg.text(catX(i, categories.size(), left, right), bottom + 16, "middle", "#57606a", 11, null,
                        LineChart.ellipsis(categories.get(i), 14));
            }
        }
        svg.line(left, bottom, right, bottom, "#57606a", 1, null, "axis");
        svg.line(left, top, left, bottom, "#57606a", 1, null, "axis");
        svg.text((left + right) / 2, bottom + 34, "middle", "#57606a", 11, null, xLabel + (log ? " (log scale)" : ""));
        svg.text(14, (top + bottom) / 2, "middle", "#57606a", 11, null, yLabel, null, -90);
        for (Point p : points) {
            double x = numeric ? xs.px(((Number) p.x()).doubleValue()) : catX(categories.indexOf(String.valueOf(p.x())), categories.size(), left, right);
            svg.circle(x, ys.px(p.y()), p.winner() ? 6 : 4, p.winner() ? "#1a7f37" : "#0969da", p.winner() ? "point winner" : "point",
                    String.format(Locale.ROOT, "%s: %s = %s, %s %.4f", p.label(), xLabel, p.x(), yLabel, p.y()));
        }
        svg.end();
        return svg.render();
    }

    private static double catX(int i, int n, double left, double right) {
        return left + (i + 0.5) * (right - left) / n;
    }
}
