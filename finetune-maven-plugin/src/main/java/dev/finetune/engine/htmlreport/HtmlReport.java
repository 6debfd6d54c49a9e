package dev.finetune.engine.htmlreport;

import dev.finetune.engine.chart.ReportCharts;
import dev.finetune.engine.diff.MetricDeltas;
import dev.finetune.engine.diff.RegressionResult;
import dev.finetune.engine.diff.SettingChange;
import dev.finetune.engine.layout.OutputFiles;
import dev.finetune.engine.report.AtomicFiles;
import dev.finetune.engine.report.ClassMetrics;
import dev.finetune.engine.report.GateResult;
import dev.finetune.engine.report.Html;
import dev.finetune.engine.report.SpecValues;
import dev.finetune.engine.report.SplitMetrics;
import dev.finetune.engine.report.SweepReport;
import dev.finetune.engine.report.TrainingReport;
import dev.finetune.engine.report.TrialResult;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Locale;

/**
 * {@code target/finetune/report.html}: one self-contained page (inline CSS and SVG, one small inline script, nothing
 * loaded from anywhere) that opens from a CI artifact or a file URL. A header with the verdict, then learning curves,
 * the confusion heatmap, per-class bars, the sweep's trials and the diff against a baseline, as far as the build has
 * them. Text from data is escaped ({@link Html}); a Content-Security-Policy allows no network access and only the
 * page's own script (by its hash), so even markup that slipped through could neither load nor run anything.
 * Holds no wall-clock time: equal records give equal bytes.
 */
public final class HtmlReport {

    /**
     * Sorts the trial table by a clicked column (numbers by value, the rest as text; a second click reverses), or on
     * load by the address's {@code #sort=N} / {@code #sort=-N} (column N, 0-based, ascending / descending), so a
     * link can show the table sorted. Records script errors and Content-Security-Policy violations on the root
     * element and marks the page ready: the browser test checks all three. No other script runs on the page.
     */
    static final String SCRIPT = """
            (function () {
              var root = document.documentElement;
              window.addEventListener('error', function (e) { root.setAttribute('data-script-error', String(e.message)); });
              document.addEventListener('securitypolicyviolation', function (e) {
                root.setAttribute('data-csp-violation', String(e.violatedDirective));
              });
              function sortBy(table, col, asc) {
                var heads = table.tHead.rows[0].cells;
                Array.prototype.forEach.call(heads, function (h) { h.removeAttribute('aria-sort'); });
                heads[col].setAttribute('aria-sort', asc ? 'ascending' : 'descending');
                var body = table.tBodies[0];
                var rows = Array.prototype.slice.call(body.rows);
                rows.sort(function (a, b) {
                  var x = a.cells[col].getAttribute('data-sort'), y = b.cells[col].getAttribute('data-sort');
                  var nx = parseFloat(x), ny = parseFloat(y);
                  var c = (!isNaN(nx) && !isNaN(ny)) ? nx - ny : String(x).localeCompare(String(y));
                  return asc ? c : -c;
                });
                rows.forEach(function (r) { body.appendChild(r); });
              }
              var tables = document.querySelectorAll('table.sortable');
              Array.prototype.forEach.call(tables, function (table) {
                Array.prototype.forEach.call(table.tHead.rows[0].cells, function (th, col) {
                  th.addEventListener('click', function () {
                    sortBy(table, col, th.getAttribute('aria-sort') !== 'ascending');
                  });
                });
              });
              var m = /^#sort=(-?)(\\d+)$/.exec(window.location.hash);
              if (m && tables.length > 0 && Number(m[2]) < tables[0].tHead.rows[0].cells.length) {
                sortBy(tables[0], Number(m[2]), m[1] !== '-');
              }
              document.body.setAttribute('data-ready', 'true');
            })();
            """;

    private static final String CSS = """
            body{font-family:system-ui,-apple-system,'Segoe UI',Helvetica,Arial,sans-serif;margin:0;color:#24292f;background:#f6f8fa}
            main{max-width:1000px;margin:0 auto;padding:16px 24px 48px}
            h1{font-size:24px;margin:16px 0 4px}h2{font-size:18px;margin:32px 0 8px;border-bottom:1px solid #d0d7de;padding-bottom:4px}
            .verdict{display:inline-block;padding:4px 12px;border-radius:16px;font-weight:600;color:#fff;margin:8px 0}
            .verdict.passed{background:#1a7f37}.verdict.failed{background:#cf222e}.verdict.none{background:#6e7781}
            table{border-collapse:collapse;background:#fff;margin:8px 0}th,td{border:1px solid #d0d7de;padding:4px 10px;text-align:left}
            td.num,th.num{text-align:right;font-variant-numeric:tabular-nums}
            table.sortable th{cursor:pointer}table.sortable th[aria-sort=ascending]::after{content:' \\25B2'}
            table.sortable th[aria-sort=descending]::after{content:' \\25BC'}
            tr.winner td{background:#dafbe1}.fail{color:#cf222e;font-weight:600}.pass{color:#1a7f37}
            .charts{display:flex;flex-wrap:wrap;gap:12px;align-items:flex-start}.charts svg{background:#fff;border:1px solid #d0d7de;max-width:100%;height:auto}
            code{font-family:ui-monospace,SFMono-Regular,Menlo,monospace;font-size:90%;background:#eaeef2;padding:1px 4px;border-radius:4px}
            .note{color:#57606a}footer{color:#57606a;font-size:12px;margin-top:40px}
            """;

    private HtmlReport() {
    }

    public static Path write(Path outputDir, ReportInputs in) throws IOException {
        Path file = outputDir.resolve(OutputFiles.REPORT_HTML);
        AtomicFiles.write(file, render(in).getBytes(StandardCharsets.UTF_8));
        return file;
    }

    public static String render(ReportInputs in) {
        StringBuilder h = new StringBuilder(64 * 1024);
        h.append("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n")
                .append("<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; style-src 'unsafe-inline'; ")
                .append("img-src data:; script-src '").append(scriptHash()).append("'\">\n")
                .append("<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n")
                .append("<title>").append(Html.text(in.title())).append(" — fine-tuning report</title>\n")
                .append("<style>\n").append(CSS).append("</style>\n</head>\n<body>\n<main>\n");
        header(h, in);
        learning(h, in);
        if (!in.stages().isEmpty()) {
            stages(h, in);
        }
        in.metrics().ifPresent(m -> evaluation(h, m.test()));
        in.sweep().ifPresent(s -> sweep(h, s, in));
        in.baseline().ifPresent(b -> baseline(h, b, in));
        h.append("<footer>Written by finetune-maven-plugin from the build's records in <code>target/finetune</code>")
                .append(" (training.json, stages.json, metrics.json, dataset.json, sweep.json, events.jsonl).</footer>\n");
        h.append("</main>\n<script>\n").append(SCRIPT).append("</script>\n</body>\n</html>\n");
        return h.toString();
    }

    /** {@code sha256-…} of the script, for the Content-Security-Policy: the one script allowed to run. */
    static String scriptHash() {
        try {
            byte[] digest = MessageDigest.getInstance("SHA-256").digest(("\n" + SCRIPT).getBytes(StandardCharsets.UTF_8));
            return "sha256-" + Base64.getEncoder().encodeToString(digest);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    /** {@code passed}, {@code failed} or {@code none}, and the words for it. */
    static String[] verdict(ReportInputs in) {
        boolean regressed = in.baseline().map(b -> b.diff().regressed()).orElse(false);
        if (in.metrics().isEmpty()) {
            return new String[] {"none", "Not evaluated: no test metrics for these inputs (run finetune:evaluate)"};
        }
        long failed = in.gates().stream().filter(g -> !g.passed()).count();
        long forgot = in.metrics().flatMap(m -> m.retention()).map(r -> r.checks().stream().filter(c -> !c.passed()).count())
                .orElse(0L);
        if (failed > 0 || regressed || forgot > 0) {
            List<String> parts = new ArrayList<>();
            if (failed > 0) {
                parts.add(failed + " of " + in.gates().size() + " quality gates failed");
            }
            if (forgot > 0) {
                parts.add("retention check failed");
            }
            if (regressed) {
                parts.add("regression gate failed");
            }
            return new String[] {"failed", "FAILED: " + String.join(", ", parts)};
        }
        if (in.gates().isEmpty()) {
            return new String[] {"none", "No quality gates configured"};
        }
        return new String[] {"passed", "PASSED: " + in.gates().size() + " of " + in.gates().size() + " quality gates"
                + in.baseline().filter(b -> !b.diff().regression().isEmpty()).map(b -> ", regression gates passed").orElse("")};
    }

    private static void header(StringBuilder h, ReportInputs in) {
        String[] v = verdict(in);
        h.append("<header>\n<h1>").append(Html.text(in.title())).append("</h1>\n");
        h.append("<div class=\"verdict ").append(v[0]).append("\" id=\"verdict\" data-verdict=\"").append(v[0]).append("\">")
                .append(Html.text(v[1])).append("</div>\n");
        h.append("<table class=\"facts\">\n");
        in.metrics().ifPresent(m -> {
            SplitMetrics t = m.test();
            fact(h, "Test accuracy", pct(t.accuracy()) + " on " + t.examples() + " held-out rows");
            fact(h, "Test macro-F1", f4(t.macroF1()));
            fact(h, "Test loss", f4(t.loss()));
            m.scratchTest().ifPresent(s -> fact(h, "From scratch", "accuracy " + pct(s.accuracy()) + ", macro-F1 " + f4(s.macroF1())));
            m.retention().ifPresent(r -> fact(h, "Retention of the base's task", "accuracy " + pct(r.before().accuracy())
                    + " before, " + pct(r.after().accuracy()) + " after (drop " + String.format(Locale.ROOT, "%.2f",
                    r.drop().get(dev.finetune.spec.Metric.accuracy) * 100) + " points), loss " + f4(r.before().loss()) + " -> "
                    + f4(r.after().loss()) + ", on " + r.before().examples() + " rows of " + r.data()));
        });
        factCode(h, "Base", in.base());
        factCode(h, "Data", in.data());
        in.dataset().ifPresent(d -> fact(h, "Rows", d.splits().entrySet().stream()
                .map(e -> e.getKey() + " " + e.getValue().rows()).reduce((a, b) -> a + ", " + b).orElse("")
                + "; " + d.classes().size() + " classes, " + d.featureCount() + " features"));
        TrainingReport t = in.training();
        fact(h, "Selected epoch", t.bestEpoch() + " of " + t.epochsRun() + " run (validation " + t.selectionMetric() + " "
                + f4(t.bestValue()) + (t.stoppedEarly() ? ", stopped early" : "") + ")");
        fact(h, "Parameters", String.format(Locale.ROOT, "%,d trainable of %,d", t.trainableParams(), t.totalParams()));
        factCode(h, "Commit", in.commit().orElse("not a git checkout"));
        h.append("</table>\n");
        List<dev.finetune.engine.report.RetentionReport.Check> retentionChecks = in.metrics().flatMap(m -> m.retention())
                .map(dev.finetune.engine.report.RetentionReport::checks).orElse(List.of());
        if (!in.gates().isEmpty() || !retentionChecks.isEmpty()) {
            h.append("<ul class=\"gates\">\n");
            for (GateResult g : in.gates()) {
                h.append("<li class=\"").append(g.passed() ? "pass" : "fail").append("\">").append(g.passed() ? "passed" : "FAILED")
                        .append(": <code>").append(Html.text(g.gate().expression())).append("</code> (measured ")
                        .append(f4(g.value())).append(")</li>\n");
            }
            for (var c : retentionChecks) {
                h.append("<li class=\"").append(c.passed() ? "pass" : "fail").append("\">").append(c.passed() ? "passed" : "FAILED")
                        .append(": <code>retention maxDrop.").append(Html.text(c.metric().name())).append(" ")
                        .append(Html.text(java.math.BigDecimal.valueOf(c.maxDrop()).stripTrailingZeros().toPlainString()))
                        .append("</code> (measured drop ").append(f4(c.drop())).append(")</li>\n");
            }
            h.append("</ul>\n");
        } else if (in.gatesConfigured() > 0) {
            h.append("<p class=\"note\">").append(in.gatesConfigured()).append(" quality gate(s) configured, not checked: no test metrics.</p>\n");
        }
        h.append("</header>\n");
    }

    private static void learning(StringBuilder h, ReportInputs in) {
        List<ReportCharts.Run> runs = new ArrayList<>();
        runs.add(new ReportCharts.Run(in.sweep().isPresent() ? "winner" : "fine-tune", in.training()));
        in.scratch().ifPresent(s -> runs.add(new ReportCharts.Run("from scratch", s)));
        h.append("<section id=\"learning\">\n<h2>Learning curves</h2>\n<p class=\"note\">Per epoch: training loss (solid) and")
                .append(" validation loss (dashed); the validation metric that selects the kept epoch. The green line marks the")
                .append(" selected epoch, a red one where early stopping ended training")
                .append(in.scratch().isPresent() ? "; the same architecture trained from scratch on the same axes" : "")
                .append(".</p>\n<div class=\"charts\">\n").append(ReportCharts.learningCurves(runs)).append("</div>\n</section>\n");
    }

    /** {@code training.stages}: each stage's learning curve and what it trained. */
    private static void stages(StringBuilder h, ReportInputs in) {
        List<ReportCharts.Run> runs = new ArrayList<>();
        for (int i = 0; i < in.stages().size(); i++) {
            runs.add(new ReportCharts.Run("stage " + (i + 1), in.stages().get(i)));
        }
        h.append("<section id=\"stages\">\n<h2>Stages: ").append(in.stages().size()).append("</h2>\n<p class=\"note\">")
                .append("Each stage starts from the previous one's selected epoch; the model is the last stage's")
                .append(in.sweep().isPresent() ? " (of the sweep's winner)" : "").append(". Each stage's epochs count from 1.</p>\n")
                .append("<table class=\"stages\">\n<thead><tr><th class=\"num\">stage</th><th>frozen layers</th>")
                .append("<th>learning rate</th><th class=\"num\">epochs run</th><th class=\"num\">selected epoch</th>")
                .append("<th class=\"num\">validation ").append(Html.text(in.training().selectionMetric()))
                .append("</th></tr></thead>\n<tbody>\n");
        for (int i = 0; i < in.stages().size(); i++) {
            TrainingReport st = in.stages().get(i);
            String rate = "";
            if (i < in.stageSpecs().size()) {
                var t = in.stageSpecs().get(i).training();
                rate = String.valueOf(t.learningRate()) + (t.layerLearningRates().isEmpty() ? "" : "; per layer: "
                        + t.layerLearningRates().stream().map(r -> r.layers() + " " + r.learningRate()).reduce((a, b) -> a + ", " + b).orElse(""))
                        + (t.layerLearningRateDecay() == dev.finetune.spec.FinetuneSpec.TrainingSpec.NO_DECAY ? ""
                        : "; decay " + t.layerLearningRateDecay() + " per layer below the head");
            }
            h.append("<tr><td class=\"num\">").append(i + 1).append("</td><td>")
                    .append(Html.text(st.frozenLayers().isEmpty() ? "none" : String.join(", ", st.frozenLayers()))).append("</td><td>")
                    .append(Html.text(rate)).append("</td>").append(num(String.valueOf(st.epochsRun())))
                    .append(num(String.valueOf(st.bestEpoch()))).append(num(f4(st.bestValue()))).append("</tr>\n");
        }
        h.append("</tbody>\n</table>\n<div class=\"charts\">\n").append(ReportCharts.learningCurves(runs))
                .append("</div>\n</section>\n");
    }

    private static void evaluation(StringBuilder h, SplitMetrics test) {
        h.append("<section id=\"evaluation\">\n<h2>Test split</h2>\n<p class=\"note\">Rows are true classes, columns predicted")
                .append(" ones; each cell shows the count and its share of the row (the colour), correct predictions in blue.</p>\n")
                .append("<div class=\"charts\">\n").append(ReportCharts.confusion(test)).append(ReportCharts.perClass(test))
                .append("</div>\n");
        h.append("<table class=\"per-class\">\n<thead><tr><th>class</th><th class=\"num\">precision</th><th class=\"num\">recall</th>")
                .append("<th class=\"num\">F1</th><th class=\"num\">support</th></tr></thead>\n<tbody>\n");
        for (ClassMetrics c : test.perClass()) {
            h.append("<tr><td>").append(Html.text(c.label())).append("</td>").append(num(f4(c.precision()))).append(num(f4(c.recall())))
                    .append(num(f4(c.f1()))).append(num(String.valueOf(c.support()))).append("</tr>\n");
        }
        h.append("<tr><td><b>macro</b></td>").append(num(f4(test.macroPrecision()))).append(num(f4(test.macroRecall())))
                .append(num(f4(test.macroF1()))).append(num(String.valueOf(test.examples()))).append("</tr>\n</tbody>\n</table>\n</section>\n");
    }

    private static void sweep(StringBuilder h, SweepReport s, ReportInputs in) {
        h.append("<section id=\"sweep\">\n<h2>Sweep: ").append(s.trials().size()).append(" trials</h2>\n<p class=\"note\">")
                .append(Html.text(s.strategy())).append(" search ranked by validation ").append(Html.text(s.metric())).append(" (")
                .append(Html.text(s.goal())).append("), early termination ").append(Html.text(s.earlyTermination()))
                .append("; the winner, trial ").append(s.winner()).append(", is the model tested above. A cross marks a trial")
                .append(" stopped before its epoch limit. Click a column to sort.</p>\n<div class=\"charts\">\n")
                .append(ReportCharts.trialCurves(s, in.trialCurves()));
        ReportCharts.parameterScatters(s).forEach(h::append);
        h.append("</div>\n<table class=\"sortable trials\">\n<thead><tr><th class=\"num\">trial</th><th>parameters</th>")
                .append("<th class=\"num\">").append(Html.text(s.metric())).append("</th><th>status</th><th class=\"num\">epochs</th>")
                .append("<th class=\"num\">best epoch</th></tr></thead>\n<tbody>\n");
        for (TrialResult t : s.trials()) {
            String value = t.value().map(HtmlReport::f4).orElse("");
            h.append("<tr").append(t.winner() ? " class=\"winner\"" : "").append("><td class=\"num\" data-sort=\"").append(t.trial())
                    .append("\">").append(t.trial()).append(t.winner() ? " ★" : "").append("</td><td data-sort=\"")
                    .append(Html.text(SpecValues.render(t.parameters()))).append("\"><code>").append(Html.text(SpecValues.render(t.parameters())))
                    .append("</code></td><td class=\"num\" data-sort=\"").append(t.value().map(HtmlReport::f4).orElse("-1")).append("\">")
                    .append(value).append("</td><td data-sort=\"").append(Html.text(t.status())).append("\">").append(Html.text(t.status()))
                    .append(t.stopReason().map(r -> ": " + Html.text(r)).orElse("")).append(t.error().map(e -> ": " + Html.text(e)).orElse(""))
                    .append("</td><td class=\"num\" data-sort=\"").append(t.epochsRun()).append("\">").append(t.epochsRun())
                    .append("</td><td class=\"num\" data-sort=\"").append(t.bestEpoch()).append("\">").append(t.bestEpoch())
                    .append("</td></tr>\n");
        }
        h.append("</tbody>\n</table>\n</section>\n");
    }

    private static void baseline(StringBuilder h, ReportInputs.Baseline b, ReportInputs in) {
        h.append("<section id=\"diff\">\n<h2>Against the baseline ").append(Html.text(b.label())).append("</h2>\n<p>")
                .append(Html.text(b.diff().summary())).append("</p>\n");
        if (!b.diff().spec().settings().isEmpty()) {
            h.append("<table class=\"settings\">\n<thead><tr><th>setting</th><th>").append(Html.text(b.label())).append("</th><th>this build</th></tr></thead>\n<tbody>\n");
            for (SettingChange c : b.diff().spec().settings()) {
                h.append("<tr><td><code>").append(Html.text(c.key())).append("</code></td><td><code>").append(Html.text(c.before().orElse("not set")))
                        .append("</code></td><td><code>").append(Html.text(c.after().orElse("not set"))).append("</code></td></tr>\n");
            }
            h.append("</tbody>\n</table>\n");
        }
        b.diff().metrics().ifPresent(m -> {
            h.append("<table class=\"metrics-diff\">\n<thead><tr><th>test metric</th><th class=\"num\">").append(Html.text(b.label()))
                    .append("</th><th class=\"num\">this build</th><th class=\"num\">change</th></tr></thead>\n<tbody>\n");
            for (MetricDeltas.MetricDelta d : m.overall()) {
                h.append("<tr><td>").append(d.metric()).append("</td>").append(num(f4(d.before()))).append(num(f4(d.after())))
                        .append("<td class=\"num ").append(d.direction() == MetricDeltas.Direction.worse ? "fail" : d.direction()
                                == MetricDeltas.Direction.better ? "pass" : "").append("\">")
                        .append(String.format(Locale.ROOT, "%+.4f", d.change())).append("</td></tr>\n");
            }
            h.append("</tbody>\n</table>\n");
        });
        for (RegressionResult r : b.diff().regression()) {
            h.append("<p class=\"").append(r.passed() ? "pass" : "fail").append("\">Regression gate ").append(Html.text(r.describe())).append("</p>\n");
        }
        h.append("<div class=\"charts\">\n");
        if (b.training().isPresent()) {
            h.append(ReportCharts.learningCurves(List.of(new ReportCharts.Run("this build", in.training()),
                    new ReportCharts.Run(b.label(), b.training().get()))));
        }
        b.test().ifPresent(t -> h.append(ReportCharts.confusion(new SplitMetrics(t.split() + " (" + b.label() + ")", t.examples(),
                t.classes(), t.accuracy(), t.macroPrecision(), t.macroRecall(), t.macroF1(), t.loss(), t.perClass(), t.confusionMatrix()))));
        h.append("</div>\n");
        b.diff().notes().forEach(n -> h.append("<p class=\"note\">").append(Html.text(n)).append("</p>\n"));
        h.append("</section>\n");
    }

    private static void fact(StringBuilder h, String key, String value) {
        h.append("<tr><th>").append(key).append("</th><td>").append(Html.text(value)).append("</td></tr>\n");
    }

    private static void factCode(StringBuilder h, String key, String value) {
        h.append("<tr><th>").append(key).append("</th><td><code>").append(Html.text(value)).append("</code></td></tr>\n");
    }

    private static String num(String v) {
        return "<td class=\"num\">" + v + "</td>";
    }

    static String pct(double v) {
        return String.format(Locale.ROOT, "%.2f%%", v * 100);
    }

    static String f4(double v) {
        return String.format(Locale.ROOT, "%.4f", v);
    }
}
