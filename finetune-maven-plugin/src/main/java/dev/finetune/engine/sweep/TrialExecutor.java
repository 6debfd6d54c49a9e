package dev.finetune.engine.sweep;

import java.util.List;
import java.util.function.Consumer;

/**
 * Runs sweep trials: on threads of this JVM ({@link LocalTrialExecutor}) or elsewhere. Tasks and outcomes are plain
 * serialisable data, so an executor can ship them to workers in other JVMs; the sweep's logic (rounds, early
 * termination, ranking) stays in {@link SweepRunner}, which sees only outcomes.
 *
 * <p>The runner first builds every trial (tasks with {@code untilEpoch} 0), then trains them, so an executor may size
 * its training by what the built trials need ({@link #parallelism()}).
 */
public interface TrialExecutor extends AutoCloseable {

    /**
     * Runs the tasks, one per trial, and returns their outcomes in task order. A trial that throws fails alone: its
     * outcome says so and the other tasks go on.
     *
     * @param done called with each outcome as its task ends, from any thread, so the sweep can report a trial as soon
     *             as it has ended
     */
    List<TrialOutcome> run(List<TrialTask> tasks, Consumer<TrialOutcome> done);

    /** How many trials train at once; decided, if not before, when this is first asked or trials first train. */
    int parallelism();

    /**
     * The winning trial's network at its kept epoch and its run's report, brought to this JVM. The one step that is not
     * plain data: the model itself comes back.
     */
    TrainedTrial finish(TrialOutcome winner);

    /** Releases the executor's threads (or cluster); the network {@link #finish} returned stays usable. */
    @Override
    void close();
}
