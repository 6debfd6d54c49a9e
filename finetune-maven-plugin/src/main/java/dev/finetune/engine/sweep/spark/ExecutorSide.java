package dev.finetune.engine.sweep.spark;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.datatype.jdk8.Jdk8Module;
import dev.finetune.engine.event.EventJson;
import dev.finetune.engine.event.EventSink;
import dev.finetune.engine.event.JobEvent;
import dev.finetune.engine.data.DatasetSource;
import dev.finetune.engine.inputs.TrainingInputs;
import dev.finetune.engine.layout.ProjectPaths;
import dev.finetune.engine.train.NativeThreads;
import dev.finetune.engine.sweep.LocalTrialWorker;
import dev.finetune.engine.sweep.TrainedTrial;
import dev.finetune.engine.sweep.TrialOutcome;
import dev.finetune.engine.sweep.TrialTask;
import dev.finetune.spec.FinetuneSpec;
import dev.finetune.spec.SpecException;
import dev.finetune.spec.SpecParser;
import org.apache.spark.api.java.function.Function;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The executors' side of a sweep on Spark: each executor JVM keeps one {@link LocalTrialWorker} per sweep, so the data,
 * the base and the frozen-feature cache load once per executor, and a trial's live network stays between its tasks
 * when they land on the same executor. A task that lands where its trial has no state builds and trains the trial
 * from the start to the task's epoch: training is deterministic (each epoch reseeds from the trial's seed), so the
 * outcome is the same, only slower.
 *
 * <p>The registry is JVM-wide state on purpose: a Spark executor gives tasks no object of their own that outlives
 * them, and Spark's executors end with the application (in {@code local[N]}, {@link #forget} drops a sweep's worker).
 */
final class ExecutorSide {

    private static final Map<String, Worker> WORKERS = new ConcurrentHashMap<>();

    static final ObjectMapper MAPPER = JsonMapper.builder().addModule(new Jdk8Module()).build();

    private ExecutorSide() {
    }

    /** A worker and the sink its events go through: to whichever task runs on the emitting thread. */
    private record Worker(LocalTrialWorker worker, TaskEvents events) {
    }

    /** Events per thread: tasks of one trial run one at a time, on the thread Spark gives them. */
    private static final class TaskEvents implements EventSink {
        private final ThreadLocal<List<String>> current = new ThreadLocal<>();

        @Override
        public void emit(JobEvent event) {
            List<String> events = current.get();
            if (events != null) {
                events.add(EventJson.write(event));
            }
        }

        List<String> begin() {
            List<String> events = new ArrayList<>();
            current.set(events);
            return events;
        }

        void end() {
            current.remove();
        }
    }

    /** Brings one trial to its task's epoch (building it first on this executor when it has no state here). */
    static final class Advance implements Function<TrialTask, TaskResult> {
        private final TrialEnvironment env;

        Advance(TrialEnvironment env) {
            this.env = env;
        }

        @Override
        public TaskResult call(TrialTask task) {
            Worker w = worker(env);
            List<String> events = w.events().begin();
            try {
                return new TaskResult(w.worker().advance(task), events, null, false, null);
            } finally {
                w.events().end();
            }
        }
    }

    /** A trial to finish: its task (to train it again where it has no state) and its outcome as the sweep decided it. */
    record Finishing(TrialTask task, TrialOutcome outcome) implements java.io.Serializable {
    }

    /** Returns a trial's network at its kept epoch and its run's report: the winner's, or a trial the journal keeps. */
    static final class Finish implements Function<Finishing, TaskResult> {
        private final TrialEnvironment env;

        Finish(TrialEnvironment env) {
            this.env = env;
        }

        @Override
        public TaskResult call(Finishing f) throws IOException {
            Worker w = worker(env);
            List<String> events = w.events().begin();
            try {
                TrainedTrial trained;
                try {
                    trained = w.worker().finish(f.outcome());
                } catch (IllegalStateException noStateHere) {
                    // the trial trained on another executor: the same epochs here give the same network
                    w.worker().advance(f.task().until(0));
                    w.worker().advance(f.task().until(f.outcome().epochsRun()));
                    trained = w.worker().finish(f.outcome());
                }
                Path file = Files.createTempFile("finetune-trial-" + f.task().index() + "-", ".zip");
                try {
                    trained.net().save(file);
                    return new TaskResult(f.outcome(), events, Files.readAllBytes(file), trained.net().isGraph(),
                            MAPPER.writeValueAsString(trained.result()));
                } finally {
                    Files.deleteIfExists(file);
                }
            } finally {
                w.events().end();
            }
        }
    }

    private static Worker worker(TrialEnvironment env) {
        return WORKERS.computeIfAbsent(env.sweepId(), id -> load(env));
    }

    /** Loads the inputs as the training JVM does (same parsing, splits, normaliser, threads), once per executor JVM. */
    private static Worker load(TrialEnvironment env) {
        FinetuneSpec spec;
        try {
            spec = new SpecParser(env.allowPathsOutsideProject()).parse("sweep.yaml", env.specYaml());
        } catch (SpecException e) {
            throw new IllegalStateException("the sweep's canonical spec does not parse back: " + e.getMessage(), e);
        }
        // an executor in another JVM gets the fork's thread counts, which decide some results bit for bit
        NativeThreads.configure(env.ompThreads(), env.blasThreads());
        TaskEvents events = new TaskEvents();
        DatasetSource source = TrainingInputs.source(spec, new ProjectPaths(Path.of(env.projectDir()), env.allowPathsOutsideProject()),
                Path.of(env.baseModel()));
        TrainingInputs inputs = TrainingInputs.prepare(spec, source, source.load(), Path.of(env.baseModel()),
                env.frozenFeatureCache(), events);
        return new Worker(new LocalTrialWorker(inputs.base(), inputs.cache(), inputs.data().numClasses(), inputs.data().classes(),
                env.metric(), events, Duration.ofMillis(env.heartbeatMillis())), events);
    }

    /** Drops a finished sweep's worker from this JVM (the driver's, in {@code local[N]}). */
    static void forget(String sweepId) {
        WORKERS.remove(sweepId);
    }
}
