package dev.finetune.engine.sweep;

import dev.finetune.spec.FinetuneSpec;
import dev.finetune.spec.FinetuneSpec.FreezeSpec;
import dev.finetune.spec.FinetuneSpec.LayerRef;
import dev.finetune.spec.Location;
import dev.finetune.spec.SpecParser;
import dev.finetune.spec.SweepPlanner;
import dev.finetune.spec.SweepPlanner.Trial;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.ObjectInputStream;
import java.io.ObjectOutputStream;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Tasks and outcomes are the data a remote executor would ship: they must survive Java serialisation whole. */
class TrialRecordsTest {

    /** A sweep over every kind of display value: numbers, names, layer references, hidden layers with activations. */
    private static final String SPEC = """
            base: { path: mln.zip }
            dataset: { path: data.csv }
            freeze: { upTo: hidden1 }
            training: { learningRate: 0.01, epochs: 3, seed: 5 }
            earlyStopping: { metric: accuracy, patience: 2, maxEpochs: 6 }
            sweep:
              strategy: random
              maxTrials: 3
              parameters:
                training.learningRate: { range: [1.0e-4, 1.0e-1], scale: log }
                training.updater: { values: [adam, sgd] }
                freeze.upTo: { values: [hidden1, 0] }
                head.hidden: { values: [[], [8], [{ units: 4, activation: tanh }]] }
            """;

    private static final Location NOWHERE = new Location("finetune.yaml", 1, 1);

    private static List<Trial> trials() throws Exception {
        return SweepPlanner.plan(new SpecParser().parse("finetune.yaml", SPEC));
    }

    @SuppressWarnings("unchecked")
    private static <T> T roundTrip(T value) throws Exception {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (ObjectOutputStream out = new ObjectOutputStream(bytes)) {
            out.writeObject(value);
        }
        try (ObjectInputStream in = new ObjectInputStream(new ByteArrayInputStream(bytes.toByteArray()))) {
            return (T) in.readObject();
        }
    }

    @Test
    void tasksSurviveSerialisation() throws Exception {
        for (Trial trial : trials()) {
            TrialTask task = TrialTask.of(trial, 2);
            TrialTask back = roundTrip(task);
            assertEquals(task, back);
            assertEquals(trial.displayValues(), back.values());
            assertEquals(List.copyOf(trial.displayValues().keySet()), List.copyOf(back.values().keySet()), "the reports' order");
            assertEquals(2, back.untilEpoch());
        }
    }

    @Test
    void aTasksSpecIsThePlannedOneButForWhereValuesStood() throws Exception {
        for (Trial trial : trials()) {
            assertEquals(withoutLocations(trial.spec()), withoutLocations(roundTrip(TrialTask.of(trial, 0)).spec()));
        }
    }

    @Test
    void outcomesSurviveSerialisation() throws Exception {
        List<TrialOutcome> outcomes = List.of(
                new TrialOutcome(0, TrialOutcome.Status.running, List.of(0.5, Double.NaN, 0.75), 3, false, null, null, 1.25, true, true),
                new TrialOutcome(1, TrialOutcome.Status.running, List.of(0.5), 1, false, null, null, 0.5, true, false)
                        .stopped("successive halving at epoch 1 (kept 1 of 2)"),
                new TrialOutcome(2, TrialOutcome.Status.failed, List.of(0.25), 1, true, "failed", "out of memory", 2.0, true, true),
                TrialOutcome.failed(3, new IllegalStateException("broken\nsecond line")));
        for (TrialOutcome outcome : outcomes) {
            assertEquals(outcome, roundTrip(outcome));
        }
        TrialOutcome stopped = roundTrip(outcomes.get(1));
        assertEquals(TrialOutcome.Status.stopped, stopped.status());
        assertTrue(stopped.finished() && stopped.stoppedEarly());
        assertEquals("successive halving at epoch 1 (kept 1 of 2)", stopped.stopReasonText().orElseThrow());
        TrialOutcome failed = roundTrip(outcomes.get(3));
        assertEquals("broken", failed.errorText().orElseThrow());
        assertFalse(failed.ok() || failed.built());
        assertTrue(failed.value().isEmpty());
    }

    @Test
    void anOutcomeKeepsItsValueAfterItEnds() {
        TrialOutcome o = new TrialOutcome(0, TrialOutcome.Status.stopped, List.of(0.5, 0.75), 2, true, "patience", null, 1, true, true);
        assertEquals(0.75, o.value().orElseThrow());
        assertEquals(0.5, o.valueUpTo(1).orElseThrow());
        assertEquals(0.75, o.valueUpTo(4).orElseThrow(), "what it kept when it ended");
        assertTrue(o.valueUpTo(0).isEmpty());
        assertEquals(2, o.epochsRun());
    }

    private static FinetuneSpec withoutLocations(FinetuneSpec s) {
        FreezeSpec freeze = new FreezeSpec(s.freeze().layers().stream().map(TrialRecordsTest::withoutLocation).toList(),
                s.freeze().upTo().map(TrialRecordsTest::withoutLocation));
        return new FinetuneSpec(s.base(), s.dataset(), freeze, s.head(), s.training(), s.earlyStopping(), s.evaluation(),
                s.sweep(), s.allowPathsOutsideProject(), Map.of());
    }

    private static LayerRef withoutLocation(LayerRef ref) {
        return new LayerRef(ref.index(), ref.name(), NOWHERE);
    }
}
