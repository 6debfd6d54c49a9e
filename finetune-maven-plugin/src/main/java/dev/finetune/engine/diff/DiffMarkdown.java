package dev.finetune.engine.diff;

import dev.finetune.engine.diff.DiffReport.Verdict;
import dev.finetune.engine.diff.MetricDeltas.CellDelta;
import dev.finetune.engine.diff.MetricDeltas.ClassDelta;
import dev.finetune.engine.diff.MetricDeltas.MetricDelta;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;

/**
 * Renders a {@link DiffReport} as Markdown for a pull-request comment: a one-line verdict, the settings table, the
 * metrics table and regression gates, then per-class metrics, confusion cells and data facts collapsed in
 * {@code <details>} so the comment stays short.
 */
public final class DiffMarkdown {

    private DiffMarkdown() {
    }

    public static String render(DiffReport r) {
        StringBuilder md = new StringBuilder();
        String title = r.baseline().map(b -> "### finetune:diff: " + r.current() + " vs " + b).orElse("### finetune:diff: " + r.current());
        md.append(title).append("\n\n");
        md.append(icon(r.verdict())).append(" **").append(escape(r.summary())).append("**\n\n");
        if (r.verdict() == Verdict.noBaseline) {
            return md.toString();
        }
        md.append("Baseline: `").append(r.baselineSource()).append("`\n\n");
        String before = escape(r.baseline().orElseThrow());
        String after = escape(r.current());

        md.append("#### Settings\n\n");
        if (r.spec().settings().isEmpty()) {
            md.append("No effective change to the spec (formatting, comments and key order do not count).\n\n");
        } else {
            md.append("| setting | ").append(before).append(" | ").append(after).append(" |\n|---|---|---|\n");
            for (SettingChange c : r.spec().settings()) {
                md.append("| `").append(escape(c.key())).append("` | ").append(value(c.before())).append(" | ")
                        .append(value(c.after())).append(" |\n");
            }
            md.append('\n');
        }

        r.metrics().ifPresent(m -> {
            md.append(String.format(Locale.ROOT, "#### Test metrics (%d -> %d examples)%n%n", m.examplesBefore(), m.examplesAfter()));
            md.append("| metric | ").append(before).append(" | ").append(after).append(" | change |\n|---|---:|---:|---:|\n");
            for (MetricDelta d : m.overall()) {
                md.append(String.format(Locale.ROOT, "| %s | %.4f | %.4f | %s |%n", d.metric(), d.before(), d.after(), change(d)));
            }
            md.append('\n');
        });

        if (!r.regression().isEmpty()) {
            md.append("#### Regression gates\n\n| gate | ").append(before).append(" | ").append(after)
                    .append(" | change | result |\n|---|---:|---:|---:|---|\n");
            for (RegressionResult g : r.regression()) {
                md.append(String.format(Locale.ROOT, "| %s may %s by at most %s | %.4f | %.4f | %+.4f | %s |%n", g.metric(),
                        g.metric().higherIsBetter() ? "drop" : "rise", SettingPaths.render("", g.allowed()), g.baseline(),
                        g.current(), g.current() - g.baseline(), g.passed() ? "passed" : ":x: **failed**"));
            }
            md.append('\n');
        }

        r.metrics().ifPresent(m -> {
            details(md, "Per-class test metrics (" + m.perClass().size() + " classes)", () -> {
                md.append("| class | F1 | change | precision | change | recall | change | support |\n")
                        .append("|---|---:|---:|---:|---:|---:|---:|---:|\n");
                for (ClassDelta c : m.perClass()) {
                    md.append(String.format(Locale.ROOT, "| %s | %.4f | %+.4f | %.4f | %+.4f | %.4f | %+.4f | %d -> %d |%n",
                            escape(c.label()), c.f1After(), c.f1Change(), c.precisionAfter(), c.precisionAfter() - c.precisionBefore(),
                            c.recallAfter(), c.recallAfter() - c.recallBefore(), c.supportBefore(), c.supportAfter()));
                }
                if (!m.onlyBefore().isEmpty() || !m.onlyAfter().isEmpty()) {
                    md.append("\nClasses only in ").append(before).append(": ").append(m.onlyBefore()).append("; only in ")
                            .append(after).append(": ").append(m.onlyAfter()).append('\n');
                }
            });
            details(md, "Confusion cells that moved most", () -> {
                if (m.movedCells().isEmpty()) {
                    md.append("No confusion cell moved.\n");
                    return;
                }
                md.append("Share of the true class predicted as another class.\n\n| true -> predicted | ").append(before)
                        .append(" | ").append(after).append(" | change |\n|---|---:|---:|---:|\n");
                for (CellDelta c : m.movedCells()) {
                    md.append(String.format(Locale.ROOT, "| %s -> %s | %d (%.1f%%) | %d (%.1f%%) | %+.1f pp |%n", escape(c.actual()),
                            escape(c.predicted()), c.countBefore(), 100 * c.shareBefore(), c.countAfter(), 100 * c.shareAfter(),
                            100 * c.shareChange()));
                }
            });
        });

        details(md, "Data and base model", () -> {
            if (r.spec().dataAndBase().isEmpty()) {
                md.append("No change in split sizes, class counts, hashes or base coordinates.\n");
            } else {
                md.append("| fact | ").append(before).append(" | ").append(after).append(" |\n|---|---|---|\n");
                for (SettingChange c : r.spec().dataAndBase()) {
                    md.append("| `").append(escape(c.key())).append("` | ").append(value(c.before())).append(" | ")
                            .append(value(c.after())).append(" |\n");
                }
            }
        });
        if (!r.notes().isEmpty()) {
            md.append('\n');
            r.notes().forEach(n -> md.append("> ").append(escape(n)).append('\n'));
        }
        return md.toString();
    }

    private static void details(StringBuilder md, String summary, Runnable body) {
        md.append("<details><summary>").append(summary).append("</summary>\n\n");
        body.run();
        md.append("\n</details>\n");
    }

    private static String icon(Verdict v) {
        return switch (v) {
            case regression -> ":x:";
            case changed -> ":memo:";
            case noEffectiveChange -> ":white_check_mark:";
            case noBaseline -> ":information_source:";
        };
    }

    static String change(MetricDelta d) {
        return d.direction() == MetricDeltas.Direction.same ? "0"
                : String.format(Locale.ROOT, "%+.4f %s", d.change(), d.direction() == MetricDeltas.Direction.better ? "better" : "**worse**");
    }

    private static String value(Optional<String> v) {
        return v.map(x -> "`" + escape(x) + "`").orElse("_not set_");
    }

    /** A pipe would end a table cell. */
    private static String escape(String s) {
        return s.replace("|", "\\|");
    }

    /** The short form for the build log. */
    public static List<String> logLines(DiffReport r) {
        List<String> out = new ArrayList<>();
        out.add(r.summary());
        r.spec().settings().forEach(c -> out.add("  " + c.describe()));
        r.spec().dataAndBase().forEach(c -> out.add("  " + c.describe()));
        r.metrics().ifPresent(m -> m.overall().forEach(d -> out.add(String.format(Locale.ROOT, "  test %s: %.4f -> %.4f (%s)",
                d.metric(), d.before(), d.after(), change(d).replace("**", "")))));
        r.regression().forEach(g -> out.add("  Regression gate " + g.describe()));
        r.notes().forEach(n -> out.add("  " + n));
        return out;
    }
}
