package dev.finetune.spec;

import java.util.Locale;

/** A quality gate such as {@code accuracy >= 0.90}, checked against test metrics. */
public record Gate(Metric metric, Comparison comparison, double threshold, Location location) {

    public enum Comparison {
        AT_LEAST(">="), ABOVE(">"), AT_MOST("<="), BELOW("<");

        private final String symbol;

        Comparison(String symbol) {
            this.symbol = symbol;
        }

        public String symbol() {
            return symbol;
        }

        public boolean holds(double value, double threshold) {
            return switch (this) {
                case AT_LEAST -> value >= threshold;
                case ABOVE -> value > threshold;
                case AT_MOST -> value <= threshold;
                case BELOW -> value < threshold;
            };
        }

        static Comparison ofSymbol(String symbol) {
            for (Comparison c : values()) {
                if (c.symbol.equals(symbol)) {
                    return c;
                }
            }
            throw new IllegalArgumentException(symbol);
        }
    }

    public boolean passes(double value) {
        return comparison.holds(value, threshold);
    }

    /** The gate as written in a spec, e.g. {@code accuracy >= 0.9}. */
    public String expression() {
        return metric + " " + comparison.symbol() + " " + format(threshold);
    }

    static String format(double v) {
        return String.format(Locale.ROOT, "%s", v);
    }
}
