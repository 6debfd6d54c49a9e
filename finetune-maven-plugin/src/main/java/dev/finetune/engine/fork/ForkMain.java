package dev.finetune.engine.fork;

import dev.finetune.engine.job.JobOptions;
import dev.finetune.engine.job.FinetuneJob;
import dev.finetune.engine.UserInputException;
import dev.finetune.engine.report.RunInfo;
import dev.finetune.engine.train.ProgressLog;
import dev.finetune.spec.FinetuneSpec;
import dev.finetune.spec.SpecException;
import dev.finetune.spec.SpecParser;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.nativeblas.NativeOpsHolder;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Path;
import java.util.Properties;

/**
 * Entry point of the forked training JVM: {@code ForkMain train|evaluate SPEC PROJECTDIR OUTPUTDIR BASEMODEL}
 * (see {@link ForkTask}).
 * Exit codes: 0 done, {@value #EXIT_USER_ERROR} a problem with the user's inputs (message on the last
 * {@code [ERROR]} lines), anything else an internal failure.
 */
public final class ForkMain {

    public static final int EXIT_USER_ERROR = 3;
    public static final int EXIT_INTERNAL_ERROR = 1;
    /** System properties the launcher sets for the thread counts. */
    public static final String OMP_THREADS = "finetune.ompThreads";
    public static final String BLAS_THREADS = "finetune.blasThreads";

    private ForkMain() {
    }

    public static void main(String[] args) {
        System.exit(run(args, ProgressLog.toStdout()));
    }

    /** Runs one task and returns the exit code; never calls System.exit, so it can run in-process too. */
    public static int run(String[] args, ProgressLog log) {
        ForkTask task;
        try {
            task = ForkTask.parse(args);
        } catch (IllegalArgumentException e) {
            log.warn(e.getMessage());
            return EXIT_INTERNAL_ERROR;
        }
        try {
            FinetuneSpec spec = new SpecParser().parse(task.spec());
            int omp = Integer.getInteger(OMP_THREADS, 1);
            int blas = Integer.getInteger(BLAS_THREADS, 1);
            configureThreads(omp, blas);
            FinetuneJob job = new FinetuneJob(spec, task.baseDir(), task.baseModel(), task.outputDir(),
                    data -> new RunInfo(dl4jVersion(), Nd4j.getBackend().getClass().getSimpleName(), omp, blas,
                            System.getProperty("java.version"), System.getProperty("os.name") + " " + System.getProperty("os.arch"),
                            data.classes()),
                    log, new JobOptions(!"false".equalsIgnoreCase(System.getProperty(JobOptions.FROZEN_FEATURE_CACHE)), omp));
            if (task.task().equals("train")) {
                job.train();
            } else {
                job.evaluate();
            }
            return 0;
        } catch (SpecException | UserInputException e) {
            // through the log, so that in-process runs (finetune.fork=false) report into Maven's log too
            e.getMessage().lines().forEach(log::error);
            return EXIT_USER_ERROR;
        } catch (IOException | RuntimeException | Error e) {
            log.error(e.toString());
            e.printStackTrace();
            return EXIT_INTERNAL_ERROR;
        }
    }

    /**
     * Thread counts decide speed on small machines and, for some layers, the exact floating-point results:
     * they are set explicitly and recorded with the metrics.
     */
    static void configureThreads(int omp, int blas) {
        Nd4j.getEnvironment().setMaxThreads(omp);
        NativeOpsHolder.getInstance().getDeviceNativeOps().setOmpNumThreads(omp);
        Nd4j.factory().blas().setMaxThreads(blas);
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
