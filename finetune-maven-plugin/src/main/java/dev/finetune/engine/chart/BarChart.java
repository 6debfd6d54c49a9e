package dev.finetune.engine.chart;

import java.util.List;
import java.util.Locale;

/** Grouped horizontal bars on a 0..1 scale: per class (a group), one bar per measure (precision, recall, F1). */
public final class BarChart {

    /** One group: its label and one value per measure, in the order of the measures. */
    public record Group(String label, double[] values) {
    }

    private static final String[] COLORS = {"#0969da", "#8250df", "#1a7f37", "#bf8700"};

    private BarChart() {
    }

    public static String render(String cssClass, String title, List<String> measures, List<Group> groups) {
        int labelWidth = 20 + 7 * groups.stream().mapToInt(g -> Math.min(16, g.label().length())).max().orElse(4);
        int bar = 11;
        int groupHeight = measures.size() * bar + 10;
        int left = labelWidth + 8;
        int plot = 320;
        int top = 46;
        int width = left + plot + 60;
        int height = top + groups.size() * groupHeight + 30;
        Svg svg = new Svg(width, height, cssClass, title);
        svg.text(width / 2.0, 18, "middle", "#24292f", 13, "600", title);
        for (int m = 0; m < measures.size(); m++) {
            double lx = left + m * 90;
            svg.rect(lx, 28, 10, 10, COLORS[m % COLORS.length], null, "legend-swatch");
            svg.text(lx + 14, 37, "start", "#24292f", 11, null, measures.get(m));
        }
        Scale xs = Scale.fixed(0, 1, left, left + plot);
        for (double t : xs.ticks()) {
            double x = xs.px(t);
            svg.line(x, top - 4, x, top + groups.size() * groupHeight, "#eaeef2", 1, null, null);
            svg.text(x, top + groups.size() * groupHeight + 14, "middle", "#57606a", 10, null, xs.label(t));
        }
        for (int g = 0; g < groups.size(); g++) {
            Group group = groups.get(g);
            double y = top + g * groupHeight;
            svg.text(left - 6, y + groupHeight / 2.0, "end", "#24292f", 11, null, LineChart.ellipsis(group.label(), 16), "group-label", 0);
            for (int m = 0; m < measures.size(); m++) {
                double v = Math.max(0, Math.min(1, group.values()[m]));
                double by = y + m * bar;
                svg.rect(left, by, xs.px(v) - left, bar - 2, COLORS[m % COLORS.length], "bar",
                        String.format(Locale.ROOT, "%s %s %.4f", group.label(), measures.get(m), group.values()[m]),
                        Svg.data("measure", measures.get(m)) + " " + Svg.data("value", String.format(Locale.ROOT, "%.4f", group.values()[m])));
                svg.text(xs.px(v) + 4, by + bar - 3, "start", "#57606a", 9, null, String.format(Locale.ROOT, "%.2f", group.values()[m]));
            }
        }
        return svg.render();
    }
}
