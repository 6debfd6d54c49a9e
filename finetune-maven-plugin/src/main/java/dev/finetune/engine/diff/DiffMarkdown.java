package dev.finetune.engine.diff;

import dev.finetune.engine.diff.DiffReport.Verdict;
import dev.finetune.engine.diff.MetricDeltas.CellDelta;
import dev.finetune.engine.diff.MetricDeltas.ClassDelta;
import dev.finetune.engine.diff.MetricDeltas.MetricDelta;
import dev.finetune.engine.report.Markdown;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.stream.Collectors;

/**
 * Renders a {@link DiffReport} as Markdown for a pull-request comment: a one-line verdict, the settings table, the
 * metrics table and regression gates, then per-class metrics, confusion cells and data facts collapsed in
 * {@code <details>} so the comment stays short. Every label, version, file name, key and value in it is escaped for
 * where it goes ({@link Markdown}): CI posts this file as a pull-request comment, and the pull request controls them.
 */
public final class DiffMarkdown {

    private DiffMarkdown() {
    }

    public static String render(DiffReport r) {
        return render(r, List.of());
    }

    /** A chart beside diff.md: the plugin's own alt text and file name (nothing from data). */
    public record Image(String alt, String file) {
    }

    /** With {@code images}: SVG charts written beside diff.md, shown in a collapsed section after the data facts. */
    public static String render(DiffReport r, List<Image> images) {
        StringBuilder md = new StringBuilder();
        String title = r.baseline().map(b -> "### finetune:diff: " + text(r.current()) + " vs " + text(b))
                .orElse("### finetune:diff: " + text(r.current()));
        md.append(title).append("\n\n");
        md.append(icon(r.verdict())).append(" **").append(text(r.summary())).append("**\n\n");
        if (r.verdict() == Verdict.noBaseline) {
            return md.toString();
        }
        md.append("Baseline: ").append(Markdown.code(r.baselineSource())).append("\n\n");
        String before = text(r.baseline().orElseThrow());
        String after = text(r.current());

        md.append("#### Settings\n\n");
        if (r.spec().settings().isEmpty()) {
            md.append("No effective change to the spec (formatting, comments and key order do not count).\n\n");
        } else {
            md.append("| setting | ").append(before).append(" | ").append(after).append(" |\n|---|---|---|\n");
            for (SettingChange c : r.spec().settings()) {
                md.append("| ").append(Markdown.cellCode(c.key())).append(" | ").append(value(c.before())).append(" | ")
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
                            Markdown.cell(c.label()), c.f1After(), c.f1Change(), c.precisionAfter(), c.precisionAfter() - c.precisionBefore(),
                            c.recallAfter(), c.recallAfter() - c.recallBefore(), c.supportBefore(), c.supportAfter()));
                }
                if (!m.onlyBefore().isEmpty() || !m.onlyAfter().isEmpty()) {
                    md.append("\nClasses only in ").append(before).append(": ").append(labels(m.onlyBefore())).append("; only in ")
                            .append(after).append(": ").append(labels(m.onlyAfter())).append('\n');
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
                    md.append(String.format(Locale.ROOT, "| %s -> %s | %d (%.1f%%) | %d (%.1f%%) | %+.1f pp |%n", Markdown.cell(c.actual()),
                            Markdown.cell(c.predicted()), c.countBefore(), 100 * c.shareBefore(), c.countAfter(), 100 * c.shareAfter(),
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
                    md.append("| ").append(Markdown.cellCode(c.key())).append(" | ").append(value(c.before())).append(" | ")
                            .append(value(c.after())).append(" |\n");
                }
            }
        });
        if (!images.isEmpty()) {
            details(md, "Charts (SVG files beside diff.md)", () -> images.forEach(i ->
                    md.append("![").append(Markdown.text(i.alt())).append("](").append(i.file()).append(")\n\n")));
        }
        if (!r.notes().isEmpty()) {
            md.append('\n');
            // the notes are the plugin's sentences, quoting commands and values in backticks; the values may be anyone's
            r.notes().forEach(n -> md.append("> ").append(Markdown.lineWithCode(n)).append('\n'));
        }
        return md.toString();
    }

    private static void details(StringBuilder md, String summary, Runnable body) {
        md.append("<details><summary>").append(Markdown.summary(summary)).append("</summary>\n\n");
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
        return v.map(Markdown::cellCode).orElse("_not set_");
    }

    /** Labels, versions, file names: anyone's text, read as itself (see {@link Markdown}). */
    private static String text(String s) {
        return Markdown.text(s);
    }

    /** {@code [a, b]}, as the list reads in the log, each class label escaped. */
    private static String labels(List<String> labels) {
        return labels.stream().map(Markdown::text).collect(Collectors.joining(", ", "[", "]"));
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
