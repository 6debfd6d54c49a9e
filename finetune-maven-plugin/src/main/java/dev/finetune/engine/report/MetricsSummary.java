package dev.finetune.engine.report;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/** Renders metrics as the plain-text lines shown in the build log. */
public final class MetricsSummary {

    private MetricsSummary() {
    }

    public static List<String> lines(String title, SplitMetrics m) {
        List<String> out = new ArrayList<>();
        out.add(String.format(Locale.ROOT, "%s on %s (%d examples): accuracy %.4f, macro-F1 %.4f, macro-precision %.4f, macro-recall %.4f, loss %.4f",
                title, m.split(), m.examples(), m.accuracy(), m.macroF1(), m.macroPrecision(), m.macroRecall(), m.loss()));
        int width = Math.max(5, m.classes().stream().mapToInt(String::length).max().orElse(5));
        out.add(String.format(Locale.ROOT, "  %-" + width + "s  precision  recall     f1  support", "class"));
        for (ClassMetrics c : m.perClass()) {
            out.add(String.format(Locale.ROOT, "  %-" + width + "s     %.4f  %.4f  %.4f  %7d", c.label(), c.precision(), c.recall(), c.f1(), c.support()));
        }
        out.add("  confusion matrix (rows: true class, columns: predicted)");
        int cell = Math.max(width, String.valueOf(m.examples()).length());
        StringBuilder header = new StringBuilder("  ").append(" ".repeat(width));
        for (String c : m.classes()) {
            header.append(' ').append(String.format(Locale.ROOT, "%" + cell + "s", c));
        }
        out.add(header.toString());
        for (int i = 0; i < m.classes().size(); i++) {
            StringBuilder row = new StringBuilder("  ").append(String.format(Locale.ROOT, "%-" + width + "s", m.classes().get(i)));
            for (int j = 0; j < m.classes().size(); j++) {
                row.append(' ').append(String.format(Locale.ROOT, "%" + cell + "d", m.confusionMatrix()[i][j]));
            }
            out.add(row.toString());
        }
        return out;
    }
}
