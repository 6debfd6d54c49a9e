package dev.finetune.maven;

import dev.finetune.engine.event.EventSink;
import dev.finetune.engine.event.EventText;
import dev.finetune.engine.event.JobEvent;
import dev.finetune.engine.event.JobEvent.JobFinished;
import dev.finetune.engine.fork.ForkMain;
import dev.finetune.engine.fork.ForkOptions;
import dev.finetune.engine.fork.ForkRequest;
import dev.finetune.spec.FinetuneSpec;
import dev.finetune.engine.fork.NativeBuild;
import dev.finetune.engine.fork.ThreadChoice;
import dev.finetune.engine.fork.JvmFork;
import dev.finetune.engine.sweep.spark.SparkSettings;
import dev.finetune.engine.train.Checkpoints;
import dev.finetune.spec.Suggestions;
import org.apache.maven.plugin.MojoExecutionException;
import org.apache.maven.plugin.MojoFailureException;
import org.apache.maven.execution.MavenSession;
import org.apache.maven.plugins.annotations.Component;
import org.apache.maven.plugins.annotations.Parameter;
import org.apache.maven.toolchain.Toolchain;
import org.apache.maven.toolchain.ToolchainManager;

import java.io.File;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.TreeMap;

/**
 * Goals that run the engine. By default in a forked JVM, as surefire runs tests: ND4J's native code never loads
 * into Maven's JVM (one native library cannot live in two plugin class loaders), memory limits bind only the
 * training, and a runaway fork can be killed. The fork reads a {@link ForkRequest}, answers with framed events and
 * ends with {@link JobFinished}; one that ends without it is reported as a crash with its last lines.
 */
abstract class AbstractForkingMojo extends AbstractTrainingMojo {

    /** Run the engine in a forked JVM. {@code false} runs it inside Maven, for debugging only. */
    @Parameter(property = "finetune.fork", defaultValue = "true")
    protected boolean fork;

    /** The {@code java} executable of the training JVM; by default the one running Maven. */
    @Parameter(property = "finetune.jvm")
    protected File jvm;

    static final String DEFAULT_MAX_HEAP = "2g";

    /** Heap of the training JVM ({@code -Xmx}). */
    @Parameter(property = "finetune.maxHeap", defaultValue = DEFAULT_MAX_HEAP)
    protected String maxHeap;

    /** Off-heap memory ND4J may allocate ({@code org.bytedeco.javacpp.maxbytes}), e.g. {@code 4G}. */
    @Parameter(property = "finetune.maxOffHeap")
    protected String maxOffHeap;

    /** Limit on the training JVM's total memory ({@code org.bytedeco.javacpp.maxphysicalbytes}). */
    @Parameter(property = "finetune.maxPhysicalBytes")
    protected String maxPhysicalBytes;

    /** More options for the training JVM, space separated. */
    @Parameter(property = "finetune.argLine")
    protected String argLine;

    /**
     * Environment variables of the training JVM, as surefire's {@code environmentVariables}: e.g.
     * {@code CUDA_VISIBLE_DEVICES} to pick a GPU, {@code OMP_WAIT_POLICY} (passive by default), proxies. Set after the thread variables the
     * plugin sets ({@code OMP_NUM_THREADS}, {@code OPENBLAS_NUM_THREADS}), so they can override them.
     */
    @Parameter
    protected Map<String, String> environmentVariables;

    /**
     * Take the training JVM's {@code java} from the build's JDK toolchain ({@code maven-toolchains-plugin}) when there is
     * one and {@code finetune.jvm} is not set.
     */
    @Parameter(property = "finetune.useToolchain", defaultValue = "true")
    protected boolean useToolchain;

    @Component
    protected ToolchainManager toolchains;

    @Parameter(defaultValue = "${session}", readonly = true, required = true)
    protected MavenSession session;

    /**
     * The training JVM's time budget in seconds, per goal: past it the fork is killed and the build fails saying so.
     * By default 2 hours, so a spec at the schema's limits (a huge sweep) cannot run without end on a CI machine;
     * 0 for no limit.
     */
    @Parameter(property = "finetune.forkTimeout", defaultValue = "7200")
    protected int forkTimeout;

    /**
     * Seconds between progress lines within an epoch (batches done of the total, the epoch's ETA), so a long epoch
     * never leaves the log silent; 0 for none. Does not affect results.
     */
    @Parameter(property = "finetune.heartbeat", defaultValue = "30")
    protected int heartbeat;

    /** {@code finetune.executor} as settings for the training JVM; empty for local trials. */
    protected Optional<SparkSettings> sparkSettings() throws MojoFailureException {
        return sparkSettings(executor, fork, sparkMaster, sparkMode, sparkAveragingFrequency,
                List.of(project.getProperties(), session == null ? new Properties() : session.getUserProperties()));
    }

    /** @param properties where {@code spark.*} properties come from, later ones winning (the POM's, then the command line's) */
    static Optional<SparkSettings> sparkSettings(String executor, boolean fork, String sparkMaster, List<Properties> properties)
            throws MojoFailureException {
        return sparkSettings(executor, fork, sparkMaster, null, SparkSettings.DEFAULT_AVERAGING_FREQUENCY, properties);
    }

    /**
     * @param mode               {@code finetune.spark.mode}; null: trials
     * @param averagingFrequency {@code finetune.spark.averagingFrequency}
     */
    static Optional<SparkSettings> sparkSettings(String executor, boolean fork, String sparkMaster, String mode,
                                                 int averagingFrequency, List<Properties> properties) throws MojoFailureException {
        String chosen = executor == null ? "local" : executor.trim();
        SparkSettings.Mode sparkMode = mode(mode);
        if (chosen.equals("local")) {
            if (sparkMode != SparkSettings.Mode.trials) {
                throw new MojoFailureException("finetune.spark.mode=" + sparkMode.property() + " applies on Spark only:"
                        + " add -Dfinetune.executor=spark (and finetune.spark.master), or drop finetune.spark.mode");
            }
            return Optional.empty();
        }
        if (!chosen.equals("spark")) {
            throw new MojoFailureException("finetune.executor is `" + chosen + "`: expected local or spark"
                    + Suggestions.closest(chosen, List.of("local", "spark")).map(s -> "; did you mean " + s + "?").orElse(""));
        }
        if (!fork) {
            throw new MojoFailureException("finetune.executor=spark needs the training JVM, where the plugin adds Spark:"
                    + " drop finetune.fork=false");
        }
        if (sparkMaster == null || sparkMaster.isBlank()) {
            throw new MojoFailureException("finetune.spark.master is empty: expected local[N] or a cluster's master URL");
        }
        Map<String, String> conf = new TreeMap<>();
        for (Properties props : properties) {
            props.stringPropertyNames().stream().filter(n -> n.startsWith("spark.")).forEach(n -> conf.put(n, props.getProperty(n)));
        }
        if (averagingFrequency < 1) {
            throw new MojoFailureException("finetune.spark.averagingFrequency is " + averagingFrequency
                    + ": expected the minibatches per worker between two averagings, at least 1");
        }
        return Optional.of(new SparkSettings(sparkMaster.trim(), conf, sparkMode, averagingFrequency));
    }

    private static SparkSettings.Mode mode(String value) throws MojoFailureException {
        String v = value == null ? SparkSettings.Mode.trials.property() : value.trim();
        List<String> known = new java.util.ArrayList<>();
        for (SparkSettings.Mode m : SparkSettings.Mode.values()) {
            if (m.property().equals(v)) {
                return m;
            }
            known.add(m.property());
        }
        throw new MojoFailureException("finetune.spark.mode is `" + v + "`: expected " + String.join(" or ", known)
                + Suggestions.closest(v, known).map(s -> "; did you mean " + s + "?").orElse(""));
    }

    protected void runEngine(ForkRequest.Task task, FinetuneSpec parsed, BaseModelResolver.ResolvedBase base)
            throws MojoExecutionException, MojoFailureException {
        runEngine(task, parsed, base, Optional.empty(), false);
    }

    /**
     * @param checkpoints how training checkpoints (keyed by the inputs' fingerprint), so a rerun resumes; empty: never
     * @param rerunFailed run the sweep trials that the journal records as failed again
     */
    protected void runEngine(ForkRequest.Task task, FinetuneSpec parsed, BaseModelResolver.ResolvedBase base,
                             Optional<Checkpoints.Policy> checkpoints, boolean rerunFailed) throws MojoExecutionException, MojoFailureException {
        Path output = outputDirectory.toPath().toAbsolutePath();
        Optional<Long> buildPid = fork ? Optional.of(ProcessHandle.current().pid()) : Optional.empty();
        ThreadChoice choice = threadChoice(parsed, base.file());
        getLog().debug("training JVM: " + choice.describe() + ", nd4j-native " + nativeBuild().classifier() + " ("
                + nativeBuild().chosenBy() + ")");
        ForkRequest request = ForkRequest.of(task, specPath(), baseDir(), output, base.file(), choice.ompThreads(), blasThreads,
                frozenFeatureCache, buildPid, allowPathsOutsideProject, Math.max(0, heartbeat))
                .withCheckpoints(checkpoints, rerunFailed).withTokenizer(base.tokenizer()).withThreads(choice);
        // only training runs sweep trials
        Optional<SparkSettings> spark = task == ForkRequest.Task.train ? sparkSettings() : Optional.empty();
        request = request.withSpark(spark);
        if (!fork) {
            getLog().warn("Running the engine inside Maven's JVM (finetune.fork=false): for debugging only");
            failOnError(task, ForkMain.run(request, mavenLog()));
            return;
        }
        checkSizes();
        warnIfOversubscribed(choice.ompThreads());
        List<Path> classpath = forkClasspath(spark.isPresent(), spark.filter(SparkSettings::dataParallel).isPresent());
        spark.ifPresent(s -> getLog().info((s.dataParallel() ? "Data-parallel training on Spark (parameter averaging every "
                + s.averagingFrequency() + " minibatches)" : "Sweep trials on Spark") + ", master " + s.master()
                + (s.conf().isEmpty() ? "" : ", " + s.conf())));
        ForkOptions options = new ForkOptions(
                java(), classpath, Optional.ofNullable(maxHeap),
                Optional.ofNullable(maxOffHeap), Optional.ofNullable(maxPhysicalBytes), Optional.empty(), jvmArgs(spark.isPresent()),
                forkTimeout > 0 ? Optional.of(Duration.ofSeconds(forkTimeout)) : Optional.empty(),
                environmentVariables == null ? Map.of() : Map.copyOf(environmentVariables));
        JvmFork.Result result;
        try {
            result = new JvmFork(options).run(request, forkOutput());
        } catch (IOException e) {
            throw new MojoExecutionException("Cannot start the training JVM: " + e.getMessage(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new MojoExecutionException("Interrupted while the training JVM was running", e);
        }
        if (result.timedOut()) {
            // the budget is the user's setting: raising it or training less is theirs to decide
            throw new MojoFailureException(result.describeTimeout(Duration.ofSeconds(forkTimeout)));
        }
        failOnError(task, result.finished().orElseThrow(() -> new MojoExecutionException(result.describeCrash())));
        if (result.exitCode() != 0) {
            throw new MojoExecutionException("The training JVM finished its task but exited with code " + result.exitCode());
        }
    }

    /** A size the JVM would refuse at start, said before starting it, with the setting's name. */
    private void checkSizes() throws MojoFailureException {
        checkSize("finetune.maxHeap", maxHeap, "[0-9]+[kKmMgGtT]?");
        checkSize("finetune.maxOffHeap", maxOffHeap, "[0-9]+[kKmMgGtT]?");
        checkSize("finetune.maxPhysicalBytes", maxPhysicalBytes, "[0-9]+[kKmMgGtT]?");
    }

    static void checkSize(String name, String value, String pattern) throws MojoFailureException {
        if (value != null && !value.trim().matches(pattern)) {
            throw new MojoFailureException(name + " is `" + value + "`, not a size: expected a number of bytes with an"
                    + " optional unit k, m, g or t (e.g. 2g)");
        }
    }

    /**
     * With {@code -T N} up to N modules fork at once, each with {@code finetune.threads} OpenMP threads: more threads
     * than cores slow every fork down (OpenMP spins while it waits), so say so rather than let it happen silently.
     */
    private void warnIfOversubscribed(int threads) {
        int modules = session == null ? 1 : Math.min(session.getRequest().getDegreeOfConcurrency(),
                Math.max(1, session.getProjects().size()));
        oversubscription(modules, threads, Runtime.getRuntime().availableProcessors()).ifPresent(getLog()::warn);
    }

    /** The warning for {@code modules} forks at once with {@code threads} OpenMP threads each on {@code cores}, if due. */
    static Optional<String> oversubscription(int modules, int threads, int cores) {
        if (modules <= 1 || modules * threads <= cores) {
            return Optional.empty();
        }
        return Optional.of("-T " + modules + ": up to " + modules + " training JVMs at once with finetune.threads=" + threads
                + " each ask for " + modules * threads + " threads on " + cores + " cores; set -Dfinetune.threads="
                + Math.max(1, cores / modules) + " (results depend on the thread count: keep it fixed per project)");
    }

    /** The training JVM's classpath for {@code finetune.backend}, resolved through Maven (the CUDA backend on demand). */
    protected List<Path> forkClasspath(boolean spark) throws MojoExecutionException, MojoFailureException {
        return forkClasspath(spark, false);
    }

    /** @param dataParallel with DL4J's Spark training too ({@code finetune.spark.mode=data-parallel}) */
    protected List<Path> forkClasspath(boolean spark, boolean dataParallel) throws MojoExecutionException, MojoFailureException {
        return new ForkClasspath(repositorySystem, repositorySession, project.getRemotePluginRepositories())
                .build(plugin.getPluginArtifact(), plugin.getArtifacts(), backend, nativeBuild().classifier(), spark, spark && dataParallel);
    }

    /** A user error fails the build ({@link MojoFailureException}); anything else is the plugin's or the machine's. */
    private void failOnError(ForkRequest.Task task, JobFinished finished) throws MojoExecutionException, MojoFailureException {
        switch (finished.outcome()) {
            case succeeded -> {
            }
            case userError -> {
                // each problem printed once: several in the log above a short failure line, a single one in that line
                if (finished.errors().size() != 1) {
                    finished.errors().forEach(getLog()::error);
                    throw new MojoFailureException("finetune:" + task + " failed: " + count(finished.errors().size())
                            + ", listed above");
                }
                throw new MojoFailureException("finetune:" + task + " failed: " + finished.errors().get(0));
            }
            case internalError -> throw new MojoExecutionException("The training JVM failed: " + String.join("\n", finished.errors()));
        }
    }

    /** {@code finetune.jvm}, else the JDK toolchain's {@code java}, else the JVM running Maven. */
    private Path java() {
        if (jvm != null) {
            return jvm.toPath();
        }
        if (useToolchain && toolchains != null && session != null) {
            Toolchain jdk = toolchains.getToolchainFromBuildContext("jdk", session);
            if (jdk != null && jdk.findTool("java") != null) {
                getLog().info("Training JVM from the JDK toolchain: " + jdk.findTool("java"));
                return Path.of(jdk.findTool("java"));
            }
        }
        return ForkOptions.currentJava();
    }

    private List<String> jvmArgs(boolean spark) {
        List<String> args = new ArrayList<>();
        if (spark) {
            args.addAll(SparkSettings.JAVA_17_OPTIONS);
            // Spark's and Hadoop's start-up warnings (loopback host name, no native Hadoop) say nothing about the build
            args.add("-Dorg.slf4j.simpleLogger.log.org.apache.spark=error");
            args.add("-Dorg.slf4j.simpleLogger.log.org.apache.hadoop=error");
        }
        // the native build decides the exact parameters (FMA kernels round differently): the fork records it
        NativeBuild build = nativeBuild();
        args.add("-D" + ForkMain.NATIVE_BUILD_PROPERTY + "=" + (backend.equals("cpu") ? "nd4j-native " : ForkClasspath.CUDA_ARTIFACT + " ")
                + build.classifier());
        args.add("-D" + ForkMain.NATIVE_BUILD_CHOSEN_BY_PROPERTY + "=" + build.chosenBy());
        if (backend.equals("cpu")) {
            args.addAll(build.jvmProperties());
        }
        // DJL's tokenizers probe for CUDA on load and warn when there is none: noise for a CPU tokenizer (finetune.argLine
        // can set it back)
        args.add("-Dorg.slf4j.simpleLogger.log.ai.djl.util.cuda.CudaUtils=error");
        if (argLine != null && !argLine.isBlank()) {
            args.addAll(Arrays.asList(argLine.trim().split("\\s+")));
        }
        return args;
    }

    /** The engine's events, rendered into Maven's log (the job's errors are logged once, from {@link JobFinished}). */
    private EventSink mavenLog() {
        return this::log;
    }

    private void log(JobEvent event) {
        EventText.line(event).ifPresent(line -> {
            switch (line.level()) {
                case INFO -> getLog().info(line.text());
                case WARN -> getLog().warn(line.text());
                case ERROR -> getLog().error(line.text());
            }
        });
    }

    /** The fork's events into Maven's log; its other output (DL4J, ND4J, the JVM) at warn or debug level. */
    private JvmFork.Output forkOutput() {
        return new JvmFork.Output() {
            @Override
            public void event(JobEvent event) {
                log(event);
            }

            @Override
            public void plain(String line, boolean warning) {
                if (warning) {
                    getLog().warn("[training JVM] " + line);
                } else {
                    getLog().debug("[training JVM] " + line);
                }
            }
        };
    }
}
