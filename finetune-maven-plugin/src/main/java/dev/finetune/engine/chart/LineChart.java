package dev.finetune.engine.chart;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * One panel of lines over epochs, drawn into an {@link Svg} at a given place: axes with ticks, a line per series,
 * vertical markers (the selected epoch, where early stopping ended), and a legend below. A series whose run was
 * stopped before its epoch limit ends in a cross, so a stopped trial visibly ends.
 */
public final class LineChart {

    /**
     * @param name    legend text, from data: escaped by {@link Svg}
     * @param points  {x, y} in data units, in x order; non-finite y values are skipped
     * @param stopped whether to mark the last point as where the run was stopped
     */
    public record Series(String name, List<double[]> points, String color, boolean dashed, boolean stopped) {
    }

    /** A vertical line at {@code x} with a short label at its top. */
    public record Marker(double x, String label, String color) {
    }

    /**
     * @param yRange a fixed y range (0..1 for accuracy); empty to fit the data
     */
    public record Panel(String title, String xLabel, String yLabel, List<Series> series, List<Marker> markers,
                        Optional<double[]> yRange) {
    }

    private static final double LEFT = 52;
    private static final double RIGHT = 14;
    private static final double TOP = 28;
    private static final double BOTTOM = 40;
    private static final double LEGEND_ROW = 16;

    private LineChart() {
    }

    /** Height the legend adds below a panel of {@code width}. */
    static double legendHeight(Panel p, double width) {
        return rows(p, width) * LEGEND_ROW + 12;
    }

    private static int rows(Panel p, double width) {
        int perRow = Math.max(1, (int) ((width - LEFT) / 170));
        return (p.series().size() + perRow - 1) / perRow;
    }

    /** A standalone SVG of one or more panels side by side. */
    public static String render(String cssClass, String title, int panelWidth, int panelHeight, List<Panel> panels) {
        double legend = panels.stream().mapToDouble(p -> legendHeight(p, panelWidth)).max().orElse(0);
        Svg svg = new Svg(panelWidth * panels.size(), (int) Math.ceil(panelHeight + legend), cssClass, title);
        for (int i = 0; i < panels.size(); i++) {
            draw(svg, i * panelWidth, 0, panelWidth, panelHeight, panels.get(i));
        }
        return svg.render();
    }

    public static void draw(Svg svg, double x0, double y0, double w, double h, Panel p) {
        svg.group("panel", Svg.data("title", p.title()));
        double left = x0 + LEFT;
        double right = x0 + w - RIGHT;
        double top = y0 + TOP;
        double bottom = y0 + h - BOTTOM;
        svg.text(x0 + w / 2, y0 + 17, "middle", "#24292f", 13, "600", p.title());

        double xMax = 1;
        double yLo = Double.POSITIVE_INFINITY;
        double yHi = Double.NEGATIVE_INFINITY;
        for (Series s : p.series()) {
            for (double[] pt : s.points()) {
                xMax = Math.max(xMax, pt[0]);
                if (Double.isFinite(pt[1])) {
                    yLo = Math.min(yLo, pt[1]);
                    yHi = Math.max(yHi, pt[1]);
                }
            }
        }
        for (Marker m : p.markers()) {
            xMax = Math.max(xMax, m.x());
        }
        if (yLo > yHi) {
            yLo = 0;
            yHi = 1;
        }
        Scale xs = xMax <= 10 ? Scale.fixed(1, Math.max(2, xMax), left, right) : Scale.linear(1, xMax, left, right);
        Scale ys = p.yRange().map(r -> Scale.fixed(r[0], r[1], bottom, top)).orElse(Scale.linear(yLo, yHi, bottom, top));

        // grid and axes
        for (double t : ys.ticks()) {
            double y = ys.px(t);
            svg.line(left, y, right, y, "#eaeef2", 1, null, null);
            svg.text(left - 6, y + 4, "end", "#57606a", 11, null, ys.label(t));
        }
        List<Double> xt = xMax <= 10 ? intTicks(1, (int) Math.max(2, xMax)) : xs.ticks().stream().filter(t -> t >= 1).toList();
        for (double t : xt) {
            double x = xs.px(t);
            svg.line(x, bottom, x, bottom + 4, "#57606a", 1, null, null);
            // epochs are whole numbers
            svg.text(x, bottom + 16, "middle", "#57606a", 11, null, String.valueOf(Math.round(t)));
        }
        svg.line(left, bottom, right, bottom, "#57606a", 1, null, "axis");
        svg.line(left, top, left, bottom, "#57606a", 1, null, "axis");
        svg.text((left + right) / 2, bottom + 32, "middle", "#57606a", 11, null, p.xLabel());
        svg.text(x0 + 13, (top + bottom) / 2, "middle", "#57606a", 11, null, p.yLabel(), null, -90);

        for (Marker m : p.markers()) {
            double x = xs.px(m.x());
            svg.line(x, top, x, bottom, m.color(), 1.5, "4 3", "marker");
            svg.text(x + 3, top + 10, "start", m.color(), 10, null, m.label(), "marker-label", 0);
        }
        for (Series s : p.series()) {
            List<double[]> px = new ArrayList<>();
            for (double[] pt : s.points()) {
                if (Double.isFinite(pt[1])) {
                    px.add(new double[] {xs.px(pt[0]), ys.px(clamp(pt[1], ys))});
                }
            }
            if (px.isEmpty()) {
                continue;
            }
            svg.polyline(px, s.color(), 2, s.dashed() ? "6 4" : null, "series", s.name());
            if (px.size() == 1) {
                svg.circle(px.get(0)[0], px.get(0)[1], 3, s.color(), "point", s.name());
            }
            if (s.stopped()) {
                double[] end = px.get(px.size() - 1);
                svg.line(end[0] - 4, end[1] - 4, end[0] + 4, end[1] + 4, s.color(), 2, null, "stop");
                svg.line(end[0] - 4, end[1] + 4, end[0] + 4, end[1] - 4, s.color(), 2, null, "stop");
            }
        }
        // legend
        int perRow = Math.max(1, (int) ((w - LEFT) / 170));
        for (int i = 0; i < p.series().size(); i++) {
            Series s = p.series().get(i);
            double lx = left + (i % perRow) * 170;
            double ly = y0 + h + 8 + (i / perRow) * LEGEND_ROW;
            svg.line(lx, ly - 4, lx + 18, ly - 4, s.color(), 2, s.dashed() ? "6 4" : null, "legend-line");
            svg.text(lx + 22, ly, "start", "#24292f", 11, null, ellipsis(s.name() + (s.stopped() ? " ×" : ""), 26), "legend", 0);
        }
        svg.end();
    }

    private static double clamp(double v, Scale ys) {
        return Math.max(Math.min(v, ys.max()), ys.min());
    }

    private static List<Double> intTicks(int from, int to) {
        List<Double> out = new ArrayList<>();
        for (int i = from; i <= to; i++) {
            out.add((double) i);
        }
        return out;
    }

    static String ellipsis(String s, int max) {
        return s.length() <= max ? s : s.substring(0, max - 1) + "…";
    }
}
