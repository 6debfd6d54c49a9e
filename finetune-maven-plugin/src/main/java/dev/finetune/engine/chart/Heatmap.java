package dev.finetune.engine.chart;

import java.util.List;
import java.util.Locale;

/**
 * The confusion matrix as a heatmap: rows are true classes, columns predicted ones, each cell's colour its share of
 * the row (so classes of different sizes compare), its text the count and that share. The diagonal (correct) is blue,
 * the rest red, so errors stand out.
 */
public final class Heatmap {

    private Heatmap() {
    }

    public static String render(String title, List<String> classes, int[][] counts) {
        int k = classes.size();
        int labelWidth = 20 + 7 * classes.stream().mapToInt(c -> Math.min(16, c.length())).max().orElse(4);
        int cell = k <= 6 ? 64 : k <= 12 ? 44 : 30;
        int left = 28 + labelWidth;
        int top = 58;
        int width = left + k * cell + 20;
        int longest = classes.stream().mapToInt(c -> Math.min(16, c.length())).max().orElse(1);
        // labels wider than a cell are written at 45 degrees so neighbours do not overlap
        boolean slanted = longest * 7 > cell - 4;
        int height = top + k * cell + 24 + (slanted ? (int) (longest * 7 * 0.75) : 10);
        Svg svg = new Svg(Math.max(width, 260), height, "chart chart-confusion", title);
        svg.text(Math.max(width, 260) / 2.0, 18, "middle", "#24292f", 13, "600", title);
        svg.text(left + k * cell / 2.0, 38, "middle", "#57606a", 11, null, "predicted class");
        svg.text(12, top + k * cell / 2.0, "middle", "#57606a", 11, null, "true class", null, -90);
        for (int i = 0; i < k; i++) {
            int rowTotal = 0;
            for (int j = 0; j < k; j++) {
                rowTotal += counts[i][j];
            }
            String truth = classes.get(i);
            svg.text(left - 6, top + i * cell + cell / 2.0 + 4, "end", "#24292f", 11, null, LineChart.ellipsis(truth, 16), "row-label", 0);
            for (int j = 0; j < k; j++) {
                double share = rowTotal == 0 ? 0 : (double) counts[i][j] / rowTotal;
                String fill = color(share, i == j);
                String tip = String.format(Locale.ROOT, "true %s, predicted %s: %d of %d (%.1f%%)", truth, classes.get(j),
                        counts[i][j], rowTotal, share * 100);
                svg.rect(left + j * cell, top + i * cell, cell - 1, cell - 1, fill, "cell", tip,
                        Svg.data("count", String.valueOf(counts[i][j])) + " " + Svg.data("row", String.valueOf(i))
                                + " " + Svg.data("col", String.valueOf(j)));
                String ink = share > 0.55 ? "#ffffff" : "#24292f";
                svg.text(left + j * cell + cell / 2.0, top + i * cell + cell / 2.0 + (cell >= 40 ? -1 : 4), "middle", ink,
                        cell >= 40 ? 12 : 10, counts[i][j] > 0 ? "600" : null, String.valueOf(counts[i][j]), "count", 0);
                if (cell >= 40) {
                    svg.text(left + j * cell + cell / 2.0, top + i * cell + cell / 2.0 + 13, "middle", ink, 9, null,
                            String.format(Locale.ROOT, "%.0f%%", share * 100), "share", 0);
                }
            }
        }
        for (int j = 0; j < k; j++) {
            double x = left + j * cell + cell / 2.0;
            double y = top + k * cell + 14;
            svg.text(x, y, slanted ? "end" : "middle", "#24292f", 11, null, LineChart.ellipsis(classes.get(j), 16), "col-label",
                    slanted ? -45 : 0);
        }
        return svg.render();
    }

    /** White to a full hue by share: blue on the diagonal, red off it. */
    private static String color(double share, boolean diagonal) {
        int[] full = diagonal ? new int[] {9, 105, 218} : new int[] {207, 34, 46};
        double t = share == 0 ? 0 : 0.12 + 0.88 * share;
        return String.format(Locale.ROOT, "#%02x%02x%02x", mix(255, full[0], t), mix(255, full[1], t), mix(255, full[2], t));
    }

    private static int mix(int a, int b, double t) {
        return (int) Math.round(a + (b - a) * t);
    }
}
