package dev.finetune.engine.sweep.spark;

import dev.finetune.engine.event.EventJson;
import dev.finetune.engine.event.EventSink;
import dev.finetune.engine.model.Net;
import dev.finetune.engine.sweep.TrainedTrial;
import dev.finetune.engine.sweep.TrialExecutor;
import dev.finetune.engine.sweep.TrialOutcome;
import dev.finetune.engine.sweep.TrialTask;
import dev.finetune.engine.train.Trainer;
import org.apache.spark.api.java.JavaSparkContext;
import org.deeplearning4j.util.ModelSerializer;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.function.Consumer;

/**
 * Runs sweep trials as Spark tasks, one Spark job per task, so each outcome comes back (and is reported) as its trial
 * ends. The driver is the training JVM; the executors run {@link ExecutorSide}'s worker, which loads the inputs named
 * by the {@link TrialEnvironment}. The sweep's logic (rounds, early termination, ranking, the journal) stays in the
 * runner, which sees only outcomes, so results equal the local executor's.
 *
 * <p>Only tasks and outcomes travel, and for {@link #finish} the trial's network (a model zip's bytes): the winner's,
 * and with checkpoints every finished trial's, for the journal.
 */
public final class SparkTrialExecutor implements TrialExecutor {

    private final JavaSparkContext spark;
    private final TrialEnvironment env;
    private final EventSink log;
    /** Each trial's latest task, to train it again on an executor that has no state for it. */
    private final Map<Integer, TrialTask> tasks = new ConcurrentHashMap<>();
    /** Driver threads that wait on the Spark jobs (one per running task). */
    private final ExecutorService submitters = Executors.newCachedThreadPool(r -> {
        Thread t = new Thread(r, "finetune-spark-submit");
        t.setDaemon(true);
        return t;
    });

    private final Overhead overhead = new Overhead();

    /**
     * What running trials as Spark jobs costs beyond the trials' own time (which the executors measure): scheduling,
     * (de)serialisation, the executors' loading of the inputs, fetching networks. Said once per sweep, so a user can
     * tell whether a cluster pays off for their trials.
     */
    private static final class Overhead {
        private final Map<Integer, Double> trialSeconds = new ConcurrentHashMap<>();
        private long tasks;
        private double wallSeconds;
        private double trainedSeconds;
        private long finishes;
        private double finishSeconds;

        synchronized void wall(long nanos) {
            wallSeconds += nanos / 1e9;
        }

        synchronized void task(TrialOutcome outcome) {
            tasks++;
            // an outcome's seconds add up over its trial's tasks (on one executor)
            Double before = trialSeconds.put(outcome.index(), outcome.seconds());
            trainedSeconds += Math.max(0, outcome.seconds() - (before == null ? 0 : before));
        }

        synchronized void finish(long nanos) {
            finishes++;
            finishSeconds += nanos / 1e9;
        }

        /** @param slots the task slots: the time they offered is the wall time times their number */
        synchronized java.util.Optional<String> line(int slots) {
            if (tasks == 0) {
                return java.util.Optional.empty();
            }
            return java.util.Optional.of(String.format(Locale.ROOT, "sweep: %d Spark task(s) in %.2f s on %d slot(s), %.2f s of"
                    + " slot time in the trials: %.3f s overhead per task (scheduling, serialisation, the executors' loading"
                    + " of the inputs, idle slots)%s", tasks, wallSeconds, slots, trainedSeconds,
                    (wallSeconds * slots - trainedSeconds) / tasks, finishes == 0 ? ""
                            : String.format(Locale.ROOT, "; %d network(s) fetched in %.2f s", finishes, finishSeconds)));
        }
    }

    private SparkTrialExecutor(JavaSparkContext spark, TrialEnvironment env, EventSink log) {
        this.spark = spark;
        this.env = env;
        this.log = log;
    }

    /** Starts a Spark application for one sweep (its executors live as long as the sweep). */
    public static SparkTrialExecutor start(SparkSettings settings, TrialEnvironment env, EventSink log) {
        long t0 = System.nanoTime();
        JavaSparkContext context = SparkContexts.start(settings, "finetune sweep");
        log.info(String.format(Locale.ROOT, "sweep: on Spark %s (%s, %d task slots), started in %.1f s", context.version(),
                settings.master(), context.defaultParallelism(), (System.nanoTime() - t0) / 1e9));
        return new SparkTrialExecutor(context, env, log);
    }

    @Override
    public List<TrialOutcome> run(List<TrialTask> batch, Consumer<TrialOutcome> done) {
        long t0 = System.nanoTime();
        List<Future<TrialOutcome>> futures = new ArrayList<>();
        for (TrialTask task : batch) {
            tasks.put(task.index(), task);
            futures.add(submitters.submit(() -> {
                TrialOutcome outcome = advance(task);
                done.accept(outcome);
                return outcome;
            }));
        }
        List<TrialOutcome> outcomes = new ArrayList<>();
        for (Future<TrialOutcome> f : futures) {
            outcomes.add(get(f));
        }
        overhead.wall(System.nanoTime() - t0);
        return outcomes;
    }

    /** One task as one Spark job; a job that fails (its executor died, the inputs did not load there) fails that trial. */
    private TrialOutcome advance(TrialTask task) {
        try {
            TaskResult r = spark.parallelize(List.of(task), 1).map(new ExecutorSide.Advance(env)).collect().get(0);
            overhead.task(r.outcome());
            replay(r);
            return r.outcome();
        } catch (RuntimeException e) {
            return TrialOutcome.failed(task.index(), rootCause(e));
        }
    }

    @Override
    public int parallelism() {
        return spark.defaultParallelism();
    }

    @Override
    public TrainedTrial finish(TrialOutcome outcome) {
        TrialTask task = tasks.get(outcome.index());
        if (task == null) {
            throw new IllegalStateException("trial " + outcome.index() + " never ran on Spark");
        }
        long t0 = System.nanoTime();
        TaskResult r = spark.parallelize(List.of(new ExecutorSide.Finishing(task, outcome)), 1)
                .map(new ExecutorSide.Finish(env)).collect().get(0);
        overhead.finish(System.nanoTime() - t0);
        replay(r);
        try {
            Path file = Files.createTempFile("finetune-trial-" + outcome.index() + "-", ".zip");
            try {
                Files.write(file, r.network());
                // written by Net.save on the executor, so its layers (frozen ones included) come back as they were
                Net net = r.graph() ? Net.of(ModelSerializer.restoreComputationGraph(file.toFile(), false))
                        : Net.of(ModelSerializer.restoreMultiLayerNetwork(file.toFile(), false));
                return new TrainedTrial(net, ExecutorSide.MAPPER.readValue(r.result(), Trainer.Result.class));
            } finally {
                Files.deleteIfExists(file);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot bring trial " + outcome.index() + "'s network back from Spark: " + e.getMessage(), e);
        }
    }

    /** The executor's events, in the order it emitted them, into this JVM's sink. */
    private void replay(TaskResult r) {
        for (String json : r.events()) {
            try {
                log.emit(EventJson.read(json));
            } catch (IOException e) {
                throw new UncheckedIOException("an executor sent an unreadable event: " + json, e);
            }
        }
    }

    @Override
    public void close() {
        overhead.line(parallelism()).ifPresent(log::info);
        submitters.shutdownNow();
        ExecutorSide.forget(env.sweepId());
        spark.stop();
    }

    private static <T> T get(Future<T> f) {
        try {
            return f.get();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("sweep interrupted", e);
        } catch (ExecutionException e) {
            throw new IllegalStateException("sweep on Spark failed", e.getCause());
        }
    }

    /** Spark wraps a task's exception in its own; the trial's failure is the innermost one. */
    private static Throwable rootCause(Throwable e) {
        Throwable t = e;
        while (t.getCause() != null && t.getCause() != t) {
            t = t.getCause();
        }
        return t;
    }
}
