package dev.finetune.engine.chart;

import dev.finetune.engine.report.Html;

import java.math.BigDecimal;
import java.math.RoundingMode;
import java.util.List;

/**
 * A small SVG writer: elements appended in order, coordinates with at most two decimals, no ids, no timestamps, so
 * the same chart always gives the same bytes (the SVGs are packaged in the model zip, which must be reproducible).
 * Styling is by presentation attributes, not CSS, so a file renders the same inline in HTML, as an image in Markdown
 * and on its own. Every text and attribute value that is not the writer's own goes through {@link Html#text}.
 */
public final class Svg {

    /** A font stack every browser and GitHub's image renderer have. */
    static final String FONT = "system-ui, -apple-system, 'Segoe UI', Helvetica, Arial, sans-serif";

    private final StringBuilder out = new StringBuilder(4096);
    private final int width;
    private final int height;

    /**
     * @param cssClass the root element's class, for pages and tests to find the chart
     * @param title    the chart's accessible name ({@code <title>}), from data: escaped
     */
    public Svg(int width, int height, String cssClass, String title) {
        this.width = width;
        this.height = height;
        out.append("<svg xmlns=\"http://www.w3.org/2000/svg\" class=\"").append(cssClass).append("\" width=\"").append(width)
                .append("\" height=\"").append(height).append("\" viewBox=\"0 0 ").append(width).append(' ').append(height)
                .append("\" font-family=\"").append(FONT).append("\" font-size=\"12\" role=\"img\">\n");
        out.append("<title>").append(Html.text(title)).append("</title>\n");
        rect(0, 0, width, height, "#ffffff", null, "background");
    }

    public int width() {
        return width;
    }

    public int height() {
        return height;
    }

    /** {@code 12.5}, {@code 3}, {@code -0.25}: two decimals at most, never an exponent, the same on every machine. */
    static String n(double v) {
        if (!Double.isFinite(v)) {
            return "0";
        }
        String s = BigDecimal.valueOf(v).setScale(2, RoundingMode.HALF_EVEN).stripTrailingZeros().toPlainString();
        return s.equals("-0") ? "0" : s;
    }

    public Svg line(double x1, double y1, double x2, double y2, String stroke, double strokeWidth, String dash, String cssClass) {
        out.append("<line x1=\"").append(n(x1)).append("\" y1=\"").append(n(y1)).append("\" x2=\"").append(n(x2))
                .append("\" y2=\"").append(n(y2)).append("\" stroke=\"").append(stroke).append("\" stroke-width=\"")
                .append(n(strokeWidth)).append('"');
        if (dash != null) {
            out.append(" stroke-dasharray=\"").append(dash).append('"');
        }
        cls(cssClass).append("/>\n");
        return this;
    }

    public Svg rect(double x, double y, double w, double h, String fill, String stroke, String cssClass) {
        out.append("<rect x=\"").append(n(x)).append("\" y=\"").append(n(y)).append("\" width=\"").append(n(Math.max(0, w)))
                .append("\" height=\"").append(n(Math.max(0, h))).append("\" fill=\"").append(fill).append('"');
        if (stroke != null) {
            out.append(" stroke=\"").append(stroke).append('"');
        }
        cls(cssClass).append("/>\n");
        return this;
    }

    /** A rectangle with a tooltip ({@code <title>} child), e.g. a heatmap cell or a bar. */
    public Svg rect(double x, double y, double w, double h, String fill, String cssClass, String tooltip, String dataAttrs) {
        out.append("<rect x=\"").append(n(x)).append("\" y=\"").append(n(y)).append("\" width=\"").append(n(Math.max(0, w)))
                .append("\" height=\"").append(n(Math.max(0, h))).append("\" fill=\"").append(fill).append('"');
        cls(cssClass);
        if (dataAttrs != null) {
            out.append(' ').append(dataAttrs);
        }
        out.append("><title>").append(Html.text(tooltip)).append("</title></rect>\n");
        return this;
    }

    public Svg circle(double cx, double cy, double r, String fill, String cssClass, String tooltip) {
        out.append("<circle cx=\"").append(n(cx)).append("\" cy=\"").append(n(cy)).append("\" r=\"").append(n(r))
                .append("\" fill=\"").append(fill).append('"');
        cls(cssClass);
        if (tooltip == null) {
            out.append("/>\n");
        } else {
            out.append("><title>").append(Html.text(tooltip)).append("</title></circle>\n");
        }
        return this;
    }

    /** A polyline through {@code points} ({x, y} pairs, already in pixels). */
    public Svg polyline(List<double[]> points, String stroke, double strokeWidth, String dash, String cssClass, String name) {
        out.append("<polyline fill=\"none\" stroke=\"").append(stroke).append("\" stroke-width=\"").append(n(strokeWidth))
                .append("\" stroke-linejoin=\"round\"");
        if (dash != null) {
            out.append(" stroke-dasharray=\"").append(dash).append('"');
        }
        cls(cssClass);
        out.append(" data-series=\"").append(Html.text(name)).append("\" points=\"");
        for (int i = 0; i < points.size(); i++) {
            out.append(i == 0 ? "" : " ").append(n(points.get(i)[0])).append(',').append(n(points.get(i)[1]));
        }
        out.append("\"><title>").append(Html.text(name)).append("</title></polyline>\n");
        return this;
    }

    /**
     * @param anchor {@code start}, {@code middle} or {@code end}
     * @param text   from data or the plugin: escaped
     */
    public Svg text(double x, double y, String anchor, String fill, double size, String weight, String text) {
        return text(x, y, anchor, fill, size, weight, text, null, 0);
    }

    /** Text rotated by {@code rotate} degrees about its anchor point (a vertical axis label: -90). */
    public Svg text(double x, double y, String anchor, String fill, double size, String weight, String text, String cssClass,
                    double rotate) {
        out.append("<text x=\"").append(n(x)).append("\" y=\"").append(n(y)).append("\" text-anchor=\"").append(anchor)
                .append("\" fill=\"").append(fill).append('"');
        if (size != 12) {
            out.append(" font-size=\"").append(n(size)).append('"');
        }
        if (weight != null) {
            out.append(" font-weight=\"").append(weight).append('"');
        }
        if (rotate != 0) {
            out.append(" transform=\"rotate(").append(n(rotate)).append(' ').append(n(x)).append(' ').append(n(y)).append(")\"");
        }
        cls(cssClass).append('>').append(Html.text(text)).append("</text>\n");
        return this;
    }

    /** Opens a group with a class (and optional data attribute already escaped by the caller); close with {@link #end}. */
    public Svg group(String cssClass, String dataAttrs) {
        out.append("<g");
        cls(cssClass);
        if (dataAttrs != null) {
            out.append(' ').append(dataAttrs);
        }
        out.append(">\n");
        return this;
    }

    public Svg end() {
        out.append("</g>\n");
        return this;
    }

    private StringBuilder cls(String cssClass) {
        if (cssClass != null) {
            out.append(" class=\"").append(cssClass).append('"');
        }
        return out;
    }

    /** The finished document (without an XML declaration: it is valid inline in HTML and as a file). */
    public String render() {
        return out + "</svg>\n";
    }

    /** A data attribute {@code name="value"} with the value escaped. */
    public static String data(String name, String value) {
        return "data-" + name + "=\"" + Html.text(value) + "\"";
    }
}
