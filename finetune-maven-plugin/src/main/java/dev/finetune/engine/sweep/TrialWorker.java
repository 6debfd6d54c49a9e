package dev.finetune.engine.sweep;

/**
 * Trains sweep trials where the data and the base are: builds each trial's network on its first task and keeps it
 * between tasks. A {@link TrialExecutor} decides where and how many at once; the worker does the training, so a
 * remote executor can run the same worker next to the data and ship only tasks and outcomes.
 *
 * <p>Tasks for different trials may run at the same time on different threads; tasks for one trial come one at a
 * time, each after the last one's outcome.
 */
public interface TrialWorker {

    /**
     * Brings the task's trial to {@link TrialTask#untilEpoch()} epochs or to its own end, whichever comes first,
     * building its network first if this is its first task. What the trial throws fails it, and the outcome says so.
     */
    TrialOutcome advance(TrialTask task);

    /**
     * The trial's network with its kept epoch's parameters, and the report of its run: the sweep's winner. A trial
     * that {@code outcome} says early termination stopped reports itself stopped.
     */
    TrainedTrial finish(TrialOutcome outcome);
}
