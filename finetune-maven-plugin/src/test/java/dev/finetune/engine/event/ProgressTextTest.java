package dev.finetune.engine.event;

import org.junit.jupiter.api.Test;

import java.util.Optional;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The heartbeat and sweep-progress lines as the README shows them, short enough for a -B log line. */
class ProgressTextTest {

    @Test
    void heartbeatSaysBatchesAndEtas() {
        assertEquals("fine-tune epoch 3/50: batch 120/400 (30%), epoch ETA 42s, run ETA 31m10s",
                EventText.line(new JobEvent.Heartbeat("fine-tune", Optional.empty(), 3, 50, 120, 400, 42.2, 1870.0)).orElseThrow().text());
        // a trial's heartbeat leaves the run's ETA to the sweep's progress line
        assertEquals("trial 12 epoch 1/10000: batch 99999/100000 (99%), epoch ETA 1m40s",
                EventText.line(new JobEvent.Heartbeat("trial 12", Optional.of(12), 1, 10000, 99999, 100000, 100, 1e6)).orElseThrow().text());
    }

    @Test
    void sweepProgressSaysTrialKOfN() {
        assertEquals("sweep: trial 3 of 9 done, 1m04s elapsed, ETA 2m08s",
                EventText.line(new JobEvent.SweepProgress(3, 9, 64, 128)).orElseThrow().text());
        assertEquals("sweep: trial 9 of 9 done, 3m12s elapsed, ETA 0s",
                EventText.line(new JobEvent.SweepProgress(9, 9, 192, 0)).orElseThrow().text());
    }

    @Test
    void largeNumbersStayUnder120CharactersWithMavensPrefix() {
        String beat = EventText.line(new JobEvent.Heartbeat("from-scratch", Optional.empty(), 10000, 10000, 9_999_999, 10_000_000,
                359_999, 3.6e9)).orElseThrow().text();
        String sweep = EventText.line(new JobEvent.SweepProgress(9999, 10000, 3.6e6, 3.6e6)).orElseThrow().text();
        assertTrue(("[INFO] " + beat).length() < 120, beat);
        assertTrue(("[INFO] " + sweep).length() < 120, sweep);
    }
}
