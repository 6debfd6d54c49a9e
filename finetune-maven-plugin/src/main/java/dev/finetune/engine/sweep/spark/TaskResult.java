package dev.finetune.engine.sweep.spark;

import dev.finetune.engine.sweep.TrialOutcome;

import java.io.Serializable;
import java.util.List;

/**
 * What a Spark task sends back to the driver: the trial's outcome, the events its worker emitted meanwhile (as
 * {@code EventJson} lines; the driver re-emits them, so the build log and {@code events.jsonl} read as with local
 * trials, one task late), and for a finishing task the trained network.
 *
 * @param network the network at its kept epoch as a DL4J model zip; null unless the task finished the trial
 * @param graph   whether that network is a ComputationGraph
 * @param result  the run's {@code Trainer.Result} as JSON; null unless the task finished the trial
 */
record TaskResult(TrialOutcome outcome, List<String> events, byte[] network, boolean graph, String result)
        implements Serializable {

    TaskResult {
        events = List.copyOf(events);
    }
}
