package dev.finetune.engine.fork;

import dev.finetune.engine.job.FinetuneJob;
import dev.finetune.engine.UserInputException;
import dev.finetune.engine.event.EventSink;
import dev.finetune.engine.event.EventsFile;
import dev.finetune.engine.event.JobEvent;
import dev.finetune.engine.event.JobEvent.JobFinished;
import dev.finetune.engine.event.JobEvent.JobFinished.Outcome;
import dev.finetune.engine.layout.OutputFiles;
import dev.finetune.engine.report.RunInfo;
import dev.finetune.spec.FinetuneSpec;
import dev.finetune.spec.SpecException;
import dev.finetune.spec.SpecParser;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.nativeblas.NativeOpsHolder;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.Properties;

/**
 * Entry point of the forked training JVM: {@code ForkMain REQUEST.json} (see {@link ForkRequest}). Its events go to
 * stdout framed by {@link ForkProtocol} and to {@code events.jsonl}; the last one is always
 * {@link JobEvent.JobFinished}, so the build can tell a finished job from a crashed JVM. Exit codes follow the outcome
 * (0 done, {@value #EXIT_USER_ERROR} a problem with the user's inputs, {@value #EXIT_INTERNAL_ERROR} anything else,
 * {@value ParentWatch#EXIT_PARENT_GONE} the build's JVM disappeared), but the event is what counts.
 */
public final class ForkMain {

    public static final int EXIT_USER_ERROR = 3;
    public static final int EXIT_INTERNAL_ERROR = 1;

    private ForkMain() {
    }

    public static void main(String[] args) {
        EventSink stdout = ForkProtocol.framedTo(System.out);
        if (args.length != 1) {
            stdout.emit(new JobFinished("?", Outcome.internalError, List.of("usage: ForkMain REQUEST.json")));
            System.exit(EXIT_INTERNAL_ERROR);
        }
        ForkRequest request;
        try {
            request = ForkRequest.read(Path.of(args[0]));
        } catch (IOException | RuntimeException e) {
            stdout.emit(new JobFinished("?", Outcome.internalError, List.of("cannot read the fork request " + args[0] + ": " + e)));
            System.exit(EXIT_INTERNAL_ERROR);
            return;
        }
        request.parentPid().ifPresent(ParentWatch::start);
        JobFinished finished = run(request, stdout);
        System.out.flush();
        System.exit(exitCode(finished));
    }

    public static int exitCode(JobFinished finished) {
        return switch (finished.outcome()) {
            case succeeded -> 0;
            case userError -> EXIT_USER_ERROR;
            case internalError -> EXIT_INTERNAL_ERROR;
        };
    }

    /**
     * Runs one task, sending its events to {@code sink} and to the output directory's events file, and returns how it
     * ended (also the last event). Never calls System.exit, so the build can call it in-process too.
     */
    public static JobFinished run(ForkRequest request, EventSink sink) {
        String task = request.task().name();
        EventsFile file;
        try {
            file = EventsFile.open(request.outputDir().resolve(OutputFiles.EVENTS), request.task() == ForkRequest.Task.train);
        } catch (IOException e) {
            JobFinished finished = new JobFinished(task, Outcome.internalError, List.of("cannot write "
                    + request.outputDir().resolve(OutputFiles.EVENTS) + ": " + e.getMessage()));
            sink.emit(finished);
            return finished;
        }
        EventSink events = EventSink.all(List.of(file, sink));
        JobFinished finished = execute(request, events);
        events.emit(finished);
        try {
            file.close();
        } catch (IOException e) {
            sink.emit(new JobEvent.Warning("cannot close " + OutputFiles.EVENTS + ": " + e.getMessage()));
        }
        return finished;
    }

    private static JobFinished execute(ForkRequest request, EventSink events) {
        String task = request.task().name();
        try {
            FinetuneSpec spec = new SpecParser(request.allowPathsOutsideProject()).parse(request.spec());
            int omp = request.ompThreads();
            int blas = request.blasThreads();
            configureThreads(omp, blas);
            FinetuneJob job = new FinetuneJob(spec, request.projectDir(), request.baseModel(), request.outputDir(),
                    data -> new RunInfo(dl4jVersion(), backendName(), omp, blas,
                            System.getenv().getOrDefault("OMP_WAIT_POLICY", "unset"),
                            System.getProperty("java.version"), System.getProperty("os.name") + " " + System.getProperty("os.arch"),
                            data.classes(), request.threadsChosenBy())
                            .withBackendChosenBy(Optional.ofNullable(System.getProperty(NATIVE_BUILD_CHOSEN_BY_PROPERTY))
                                    .filter(s -> !s.isBlank())),
                    events, request.jobOptions());
            switch (request.task()) {
                case train -> job.train();
                case evaluate -> job.evaluate();
            }
            return new JobFinished(task, Outcome.succeeded, List.of());
        } catch (SpecException | UserInputException e) {
            return new JobFinished(task, Outcome.userError, e.getMessage().lines().toList());
        } catch (IOException | RuntimeException | Error e) {
            // the stack trace goes to stderr, which the build relays at debug level (mvn -X shows it)
            e.printStackTrace();
            Optional<String> fault = Faults.describe(e, request.outputDir(),
                    Optional.ofNullable(System.getProperty(Faults.MAX_HEAP_PROPERTY)));
            if (fault.isPresent()) {
                // the machine's limits, not a bug: the user changes a setting or frees space
                return new JobFinished(task, Outcome.userError, List.of(fault.get()));
            }
            return new JobFinished(task, Outcome.internalError, List.of(e.toString()));
        }
    }

    /**
     * Thread counts decide speed on small machines and, for some layers, the exact floating-point results:
     * they are set explicitly and recorded with the metrics.
     */
    static void configureThreads(int omp, int blas) {
        dev.finetune.engine.train.NativeThreads.configure(omp, blas);
    }

    /** System property naming the native build the fork runs on (artifact and classifier), set by the build. */
    public static final String NATIVE_BUILD_PROPERTY = "finetune.nativeBuild";
    /** System property saying why the build chose that native build ({@link NativeBuild#chosenBy()}). */
    public static final String NATIVE_BUILD_CHOSEN_BY_PROPERTY = "finetune.nativeBuildChosenBy";

    /** ND4J's backend class and, when the build said, the native build: results differ between builds. */
    private static String backendName() {
        String backend = Nd4j.getBackend().getClass().getSimpleName();
        String build = System.getProperty(NATIVE_BUILD_PROPERTY);
        return build == null || build.isBlank() ? backend : backend + " (" + build + ")";
    }

    static String dl4jVersion() {
        try (InputStream in = ForkMain.class.getResourceAsStream("/META-INF/maven/org.deeplearning4j/deeplearning4j-nn/pom.properties")) {
            if (in == null) {
                return "unknown";
            }
            Properties p = new Properties();
            p.load(in);
            return p.getProperty("version", "unknown");
        } catch (IOException e) {
            return "unknown";
        }
    }
}
