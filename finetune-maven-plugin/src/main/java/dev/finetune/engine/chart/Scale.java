package dev.finetune.engine.chart;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * Maps data values to pixels along one axis, linear or logarithmic, with "nice" tick values (1, 2, 5 × 10^k steps
 * or powers of ten), so axes read like hand-drawn ones and equal data always gives equal ticks.
 */
record Scale(double min, double max, double from, double to, boolean log) {

    /** A linear scale over the data's range, widened to nice tick values; a flat range gets some room. */
    static Scale linear(double lo, double hi, double from, double to) {
        if (!(hi > lo)) {
            double pad = lo == 0 ? 1 : Math.abs(lo) * 0.1;
            lo -= pad;
            hi += pad;
        }
        double step = step(lo, hi);
        return new Scale(Math.floor(lo / step) * step, Math.ceil(hi / step) * step, from, to, false);
    }

    /** A linear scale over exactly [lo, hi] (e.g. 0..1 for metrics). */
    static Scale fixed(double lo, double hi, double from, double to) {
        return new Scale(lo, hi, from, to, false);
    }

    /** A log10 scale from the power of ten below {@code lo} to the one above {@code hi}; values must be positive. */
    static Scale log(double lo, double hi, double from, double to) {
        double a = Math.floor(Math.log10(lo));
        double b = Math.ceil(Math.log10(hi));
        if (b <= a) {
            b = a + 1;
        }
        return new Scale(Math.pow(10, a), Math.pow(10, b), from, to, true);
    }

    double px(double v) {
        double t = log ? (Math.log10(v) - Math.log10(min)) / (Math.log10(max) - Math.log10(min)) : (v - min) / (max - min);
        return from + t * (to - from);
    }

    List<Double> ticks() {
        List<Double> out = new ArrayList<>();
        if (log) {
            for (double p = Math.log10(min); p <= Math.log10(max) + 1e-9; p++) {
                out.add(Math.pow(10, p));
            }
            return out;
        }
        double step = step(min, max);
        for (double v = min; v <= max + step * 1e-6; v += step) {
            out.add(Math.abs(v) < step * 1e-9 ? 0 : v);
        }
        return out;
    }

    String label(double v) {
        if (log) {
            return String.format(Locale.ROOT, "%.0e", v).replace("e-0", "e-").replace("e+0", "e").replace("e+", "e");
        }
        double step = step(min, max);
        int decimals = Math.max(0, (int) Math.ceil(-Math.log10(step) - 1e-9));
        return String.format(Locale.ROOT, "%." + decimals + "f", v);
    }

    /** About five ticks: 1, 2 or 5 times a power of ten. */
    private static double step(double lo, double hi) {
        double raw = (hi - lo) / 5;
        double mag = Math.pow(10, Math.floor(Math.log10(raw)));
        double f = raw / mag;
        return (f < 1.5 ? 1 : f < 3.5 ? 2 : f < 7.5 ? 5 : 10) * mag;
    }
}
