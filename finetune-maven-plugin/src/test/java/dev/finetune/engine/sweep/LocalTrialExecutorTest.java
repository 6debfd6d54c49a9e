package dev.finetune.engine.sweep;

import dev.finetune.engine.event.EventSink;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The local executor's own rules, on a worker that trains nothing: isolation, order, pool sizes. */
class LocalTrialExecutorTest {

    /** Each epoch of trial i scores i / 10 + epoch / 100; trial {@code throwing} throws past the worker's own isolation. */
    private static final class FakeWorker implements TrialWorker {
        final int throwing;
        final Map<Integer, Integer> epochs = new ConcurrentHashMap<>();
        final AtomicInteger running = new AtomicInteger();
        final AtomicInteger mostAtOnce = new AtomicInteger();

        FakeWorker(int throwing) {
            this.throwing = throwing;
        }

        @Override
        public TrialOutcome advance(TrialTask task) {
            mostAtOnce.accumulateAndGet(running.incrementAndGet(), Math::max);
            try {
                Thread.sleep(20);
                if (task.index() == throwing && task.untilEpoch() > 0) {
                    throw new IllegalStateException("trial " + task.index() + " broke\nat some line");
                }
                int done = Math.min(task.untilEpoch(), 3);
                epochs.put(task.index(), done);
                List<Double> kept = new ArrayList<>();
                for (int e = 1; e <= done; e++) {
                    kept.add(task.index() / 10.0 + e / 100.0);
                }
                return new TrialOutcome(task.index(), done == 3 ? TrialOutcome.Status.completed : TrialOutcome.Status.running, kept,
                        done, false, null, null, 0, true, true);
            } catch (InterruptedException e) {
                throw new IllegalStateException(e);
            } finally {
                running.decrementAndGet();
            }
        }

        @Override
        public TrainedTrial finish(TrialOutcome outcome) {
            throw new UnsupportedOperationException();
        }
    }

    private static List<TrialTask> tasks(int n, int untilEpoch) {
        List<TrialTask> tasks = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            tasks.add(new TrialTask(i, 100 + i, Map.of("training.learningRate", 0.01 * (i + 1)), "base: { path: mln.zip }", untilEpoch));
        }
        return tasks;
    }

    @Test
    void aTrialThatThrowsFailsAloneAndEveryOutcomeComesBackInTaskOrder() {
        FakeWorker worker = new FakeWorker(2);
        List<Integer> done = Collections.synchronizedList(new ArrayList<>());
        try (LocalTrialExecutor executor = new LocalTrialExecutor(worker, 2, 1, EventSink.NONE)) {
            executor.run(tasks(5, 0), o -> {
            });
            List<TrialOutcome> outcomes = executor.run(tasks(5, 3), o -> done.add(o.index()));
            assertEquals(List.of(0, 1, 2, 3, 4), outcomes.stream().map(TrialOutcome::index).toList());
            TrialOutcome failed = outcomes.get(2);
            assertEquals(TrialOutcome.Status.failed, failed.status());
            assertEquals("trial 2 broke", failed.errorText().orElseThrow());
            assertTrue(failed.value().isEmpty());
            for (int i : List.of(0, 1, 3, 4)) {
                assertEquals(TrialOutcome.Status.completed, outcomes.get(i).status());
                assertEquals(i / 10.0 + 0.03, outcomes.get(i).value().orElseThrow(), 1e-12);
                assertEquals(3, worker.epochs.get(i));
            }
            assertEquals(List.of(0, 1, 2, 3, 4), done.stream().sorted().toList(), "each outcome reported once as its task ends");
        }
    }

    @Test
    void trainingRunsTheRequestedNumberOfTrialsAtOnce() {
        for (int parallelism : List.of(1, 2)) {
            FakeWorker worker = new FakeWorker(-1);
            try (LocalTrialExecutor executor = new LocalTrialExecutor(worker, parallelism, 1, EventSink.NONE)) {
                executor.run(tasks(4, 0), o -> {
                });
                worker.mostAtOnce.set(0);
                List<TrialOutcome> outcomes = executor.run(tasks(4, 2), o -> {
                });
                assertEquals(parallelism, executor.parallelism());
                assertEquals(parallelism, worker.mostAtOnce.get());
                assertTrue(outcomes.stream().allMatch(o -> o.status() == TrialOutcome.Status.running && o.epochsRun() == 2));
            }
        }
    }

    @Test
    void byDefaultTrialsOnCachedFeaturesTakeOneCoreEach() {
        try (LocalTrialExecutor executor = new LocalTrialExecutor(new FakeWorker(-1), 0, 4, EventSink.NONE)) {
            executor.run(tasks(64, 0), o -> {
            });
            assertEquals(LocalTrialExecutor.autoParallelism(64, 1), executor.parallelism());
        }
    }
}
