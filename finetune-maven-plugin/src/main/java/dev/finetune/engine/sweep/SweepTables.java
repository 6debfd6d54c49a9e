package dev.finetune.engine.sweep;

import dev.finetune.engine.report.Markdown;
import dev.finetune.engine.report.SpecValues;
import dev.finetune.engine.report.SweepReport;
import dev.finetune.engine.report.TrialResult;

import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * The sweep report as a Markdown table ({@code sweep.md}) and as short lines for the build log. Parameter names and
 * values, error messages and stop reasons are escaped for the table ({@link Markdown}); the messages keep their
 * backtick-quoted values as code.
 */
public final class SweepTables {

    private SweepTables() {
    }

    public static String markdown(SweepReport r) {
        List<String> params = parameterNames(r);
        StringBuilder md = new StringBuilder();
        md.append(String.format(Locale.ROOT, "# Sweep: %d trials ranked by validation %s (%s)%n%n", r.trials().size(),
                Markdown.text(r.metric()), Markdown.text(r.goal())));
        md.append(String.format(Locale.ROOT, "Strategy %s, seed %d, early termination %s, %d trial(s) at a time, frozen-feature cache %s, "
                        + "%.1f s in all. The winner (**★**) is the model that `evaluate` tests and `package` attaches; "
                        + "the test split played no part in choosing it.%n%n",
                Markdown.text(r.strategy()), r.seed(), Markdown.text(r.earlyTermination()), r.parallelism(), r.frozenFeatureCache() ? "on" : "off", r.seconds()));
        List<String> header = new ArrayList<>(List.of("rank", "trial"));
        params.forEach(p -> header.add(Markdown.cell(p)));
        header.addAll(List.of("validation " + Markdown.cell(r.metric()), "epochs", "best epoch", "stopped early", "time (s)"));
        md.append("| ").append(String.join(" | ", header)).append(" |\n");
        md.append("|").append("---|".repeat(header.size())).append('\n');
        int rank = 0;
        for (TrialResult t : r.trials()) {
            List<String> cells = new ArrayList<>();
            cells.add(t.value().isPresent() ? ++rank + (t.winner() ? " **★**" : "") : "–");
            cells.add(String.valueOf(t.trial()));
            params.forEach(p -> cells.add(Markdown.value(t.parameters().get(p))));
            cells.add(t.value().map(v -> String.format(Locale.ROOT, "%.4f", v)).orElse("failed: " + Markdown.cellWithCode(t.error().orElse("?"))));
            cells.add(String.valueOf(t.epochsRun()));
            cells.add(t.bestEpoch() == 0 ? "–" : String.valueOf(t.bestEpoch()));
            cells.add(t.stoppedEarly() ? "yes: " + Markdown.cellWithCode(t.stopReason().orElse("")) : "no");
            cells.add(String.format(Locale.ROOT, "%.2f", t.seconds()));
            md.append("| ").append(String.join(" | ", cells)).append(" |\n");
        }
        return md.toString();
    }

    /** A compact table for Maven's log, best first. */
    public static List<String> logLines(SweepReport r) {
        List<String> out = new ArrayList<>();
        out.add(String.format(Locale.ROOT, "sweep: %d trials by validation %s (%s); winner trial %d %s", r.trials().size(),
                r.metric(), r.goal(), r.winner(), SpecValues.render(r.winnerParameters())));
        out.add(String.format(Locale.ROOT, "  %-4s %-5s %-10s %-6s %-9s %s", "rank", "trial", r.metric(), "epochs", "time (s)", "parameters"));
        int rank = 0;
        for (TrialResult t : r.trials()) {
            String value = t.value().map(v -> String.format(Locale.ROOT, "%.4f", v)).orElse("failed");
            String mark = t.value().isPresent() ? String.valueOf(++rank) + (t.winner() ? "*" : "") : "-";
            out.add(String.format(Locale.ROOT, "  %-4s %-5d %-10s %-6s %-9.2f %s%s", mark, t.trial(), value,
                    t.epochsRun() + (t.stoppedEarly() ? "s" : ""), t.seconds(), SpecValues.render(t.parameters()),
                    t.error().map(e -> "  (" + e + ")").orElse("")));
        }
        out.add("  (* winner, s: stopped early; details in sweep.md)");
        return out;
    }

    private static List<String> parameterNames(SweepReport r) {
        Set<String> names = new LinkedHashSet<>();
        r.trials().forEach(t -> names.addAll(t.parameters().keySet()));
        return List.copyOf(names);
    }
}
