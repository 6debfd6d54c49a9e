package dev.finetune.engine.event;

import dev.finetune.engine.report.SpecValues;

import java.util.Locale;
import java.util.Optional;

/** How events read in a build log: one line each, at a level; events that only tools need give none. */
public final class EventText {

    public enum Level { INFO, WARN, ERROR }

    public record Line(Level level, String text) {
    }

    private EventText() {
    }

    public static Optional<Line> line(JobEvent event) {
        if (event instanceof JobEvent.Info i) {
            return Optional.of(new Line(Level.INFO, i.message()));
        }
        if (event instanceof JobEvent.Warning w) {
            return Optional.of(new Line(Level.WARN, w.message()));
        }
        // a sweep's epochs are summed up per trial (TrialEnded) and in the sweep table, not logged one by one
        if (event instanceof JobEvent.EpochEnded e && e.trial().isEmpty()) {
            return Optional.of(new Line(Level.INFO, epoch(e)));
        }
        if (event instanceof JobEvent.TrialEnded t) {
            return Optional.of(new Line(Level.INFO, trial(t)));
        }
        if (event instanceof JobEvent.Heartbeat h) {
            return Optional.of(new Line(Level.INFO, heartbeat(h)));
        }
        if (event instanceof JobEvent.SweepProgress p) {
            return Optional.of(new Line(Level.INFO, String.format(Locale.ROOT, "sweep: trial %d of %d done, %s elapsed, ETA %s",
                    p.done(), p.total(), formatEta(p.elapsedSeconds()), p.done() >= p.total() ? "0s" : formatEta(p.etaSeconds()))));
        }
        return Optional.empty();
    }

    private static String epoch(JobEvent.EpochEnded e) {
        return String.format(Locale.ROOT, "%s epoch %d/%d  loss %.4f  val %s %.4f%s  %.1fs  ETA %s",
                e.run(), e.epoch(), e.maxEpochs(), e.trainLoss(), e.metric(), e.value(),
                e.improved() ? " *" : String.format(Locale.ROOT, " (best %.4f @%d)", e.bestValue(), e.bestEpoch()),
                e.seconds(), formatEta(e.etaSeconds()));
    }

    /** Short enough for a {@code -B} log line (under 120 characters with Maven's prefix). */
    private static String heartbeat(JobEvent.Heartbeat h) {
        String line = String.format(Locale.ROOT, "%s epoch %d/%d: batch %d/%d (%d%%), epoch ETA %s",
                h.run(), h.epoch(), h.maxEpochs(), h.batches(), h.totalBatches(),
                h.totalBatches() == 0 ? 0 : 100 * h.batches() / h.totalBatches(), formatEta(h.epochEtaSeconds()));
        return h.trial().isPresent() ? line : line + ", run ETA " + formatEta(h.runEtaSeconds());
    }

    private static String trial(JobEvent.TrialEnded t) {
        String what = t.error().map(e -> "FAILED: " + e).orElseGet(() -> String.format(Locale.ROOT,
                "validation %s %.4f (epoch %d of %d%s)", t.metric(), t.value().orElse(Double.NaN), t.bestEpoch(),
                t.epochsRun(), t.stopReason().map(r -> ", stopped: " + r).orElse("")));
        return String.format(Locale.ROOT, "trial %d %s %s, %.1f s", t.trial(), SpecValues.render(t.values()), what, t.seconds());
    }

    /** {@code 42s}, {@code 3m07s}. */
    public static String formatEta(double seconds) {
        long s = Math.round(seconds);
        return s < 60 ? s + "s" : (s / 60) + "m" + String.format(Locale.ROOT, "%02d", s % 60) + "s";
    }
}
