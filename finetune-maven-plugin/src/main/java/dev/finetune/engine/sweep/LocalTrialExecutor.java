package dev.finetune.engine.sweep;

import dev.finetune.engine.event.EventSink;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;

/**
 * Runs trials on threads of this JVM, each trial with its own network (DL4J networks are not thread-safe), through
 * one {@link TrialWorker}. A forked JVM per trial would featurize the data again in every JVM, which is the cost the
 * frozen-feature cache exists to avoid.
 *
 * <p>Networks are built on one thread per core (building is light, and the first trial with a given frozen prefix
 * fills the cache for the rest). Training runs {@code sweep.parallelism} trials at once, or as many as the cores and
 * the heap allow ({@link #autoParallelism}).
 */
public final class LocalTrialExecutor implements TrialExecutor {

    private static final long MEMORY_PER_TRIAL = 512L << 20;

    private final TrialWorker worker;
    private final int requested;
    private final int threadsPerTrial;
    private final EventSink log;
    /** The outcomes of building, which size the training pool; guarded by this. */
    private final List<TrialOutcome> built = new ArrayList<>();
    private int parallelism;
    private ExecutorService training;

    /**
     * @param parallelism     trials trained at once; 0 chooses by cores and heap
     * @param threadsPerTrial ND4J's OpenMP threads, to choose a parallelism that does not oversubscribe the cores
     */
    public LocalTrialExecutor(TrialWorker worker, int parallelism, int threadsPerTrial, EventSink log) {
        this.worker = worker;
        this.requested = parallelism;
        this.threadsPerTrial = Math.max(1, threadsPerTrial);
        this.log = log;
    }

    @Override
    public List<TrialOutcome> run(List<TrialTask> tasks, Consumer<TrialOutcome> done) {
        if (tasks.isEmpty()) {
            return List.of();
        }
        if (tasks.stream().allMatch(t -> t.untilEpoch() == 0)) {
            ExecutorService setup = Executors.newFixedThreadPool(autoParallelism(tasks.size(), 1), daemonThreads());
            try {
                List<TrialOutcome> outcomes = runAll(setup, tasks, done);
                synchronized (this) {
                    built.addAll(outcomes);
                }
                return outcomes;
            } finally {
                setup.shutdownNow();
            }
        }
        return runAll(trainingPool(), tasks, done);
    }

    @Override
    public synchronized int parallelism() {
        if (parallelism == 0) {
            // a trial that failed to build takes no core; trials on cached features run mostly on one thread each
            boolean allCached = built.stream().allMatch(o -> o.status() == TrialOutcome.Status.failed || o.featuresCached());
            parallelism = requested > 0 ? requested : autoParallelism(Math.max(1, built.size()), allCached ? 1 : threadsPerTrial);
            log.info(String.format(Locale.ROOT, "sweep: %d trial(s) at a time%s", parallelism, requested > 0 ? "" : allCached
                    ? " (one per core: trials fit only small heads on cached features, mostly one thread each)"
                    : " (one per " + threadsPerTrial + " cores: trials run full forward passes on " + threadsPerTrial + " threads each)"));
        }
        return parallelism;
    }

    @Override
    public TrainedTrial finish(TrialOutcome winner) {
        return worker.finish(winner);
    }

    @Override
    public synchronized void close() {
        if (training != null) {
            training.shutdownNow();
        }
    }

    private synchronized ExecutorService trainingPool() {
        if (training == null) {
            training = Executors.newFixedThreadPool(parallelism(), daemonThreads());
        }
        return training;
    }

    private List<TrialOutcome> runAll(ExecutorService pool, List<TrialTask> tasks, Consumer<TrialOutcome> done) {
        List<Future<TrialOutcome>> futures = new ArrayList<>();
        for (TrialTask task : tasks) {
            futures.add(pool.submit(() -> {
                TrialOutcome outcome = isolated(task);
                done.accept(outcome);
                return outcome;
            }));
        }
        List<TrialOutcome> outcomes = new ArrayList<>();
        for (Future<TrialOutcome> f : futures) {
            try {
                outcomes.add(f.get());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("sweep interrupted", e);
            } catch (ExecutionException e) {
                throw new IllegalStateException("sweep worker failed", e.getCause());
            }
        }
        return outcomes;
    }

    /** The worker isolates a trial's failures itself; this is for what it lets through, so no trial takes the sweep down. */
    private TrialOutcome isolated(TrialTask task) {
        try {
            return worker.advance(task);
        } catch (RuntimeException | OutOfMemoryError | StackOverflowError e) {
            return TrialOutcome.failed(task.index(), e);
        }
    }

    /**
     * As many trials at once as the cores allow at {@code threadsPerTrial} each, and the heap at ~512 MiB each. Trials
     * on cached features count one core each: their work is many small operations that ND4J runs on one thread.
     */
    static int autoParallelism(int trials, int threadsPerTrial) {
        int byCores = Runtime.getRuntime().availableProcessors() / threadsPerTrial;
        long byMemory = Runtime.getRuntime().maxMemory() / MEMORY_PER_TRIAL;
        return (int) Math.max(1, Math.min(trials, Math.min(byCores, byMemory)));
    }

    private static ThreadFactory daemonThreads() {
        AtomicInteger n = new AtomicInteger();
        return r -> {
            Thread t = new Thread(r, "finetune-trial-" + n.incrementAndGet());
            t.setDaemon(true);
            return t;
        };
    }
}
