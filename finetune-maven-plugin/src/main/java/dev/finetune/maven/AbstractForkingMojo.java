package dev.finetune.maven;

import dev.finetune.engine.fork.ForkMain;
import dev.finetune.engine.job.JobOptions;
import dev.finetune.spec.FinetuneSpec;
import dev.finetune.engine.fork.ForkOptions;
import dev.finetune.engine.fork.ForkTask;
import dev.finetune.engine.fork.JvmFork;
import org.apache.maven.plugin.MojoExecutionException;
import org.apache.maven.plugin.MojoFailureException;
import org.apache.maven.plugins.annotations.Parameter;

import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Goals that run the engine. By default in a forked JVM, as surefire runs tests: ND4J's native code never loads
 * into Maven's JVM (one native library cannot live in two plugin class loaders), memory limits bind only the
 * training, and a runaway fork can be killed.
 */
abstract class AbstractForkingMojo extends AbstractFinetuneMojo {

    /** Run the engine in a forked JVM. {@code false} runs it inside Maven, for debugging only. */
    @Parameter(property = "finetune.fork", defaultValue = "true")
    protected boolean fork;

    /** ND4J backend of the training JVM: {@code cpu} (nd4j-native) or {@code cuda} (nd4j-cuda-11.6, resolved on demand). */
    @Parameter(property = "finetune.backend", defaultValue = "cpu")
    protected String backend;

    /** Native classifier of the backend jar. */
    @Parameter(property = "finetune.backendClassifier", defaultValue = "linux-x86_64")
    protected String backendClassifier;

    /** The {@code java} executable of the training JVM; by default the one running Maven. */
    @Parameter(property = "finetune.jvm")
    protected File jvm;

    /** Heap of the training JVM ({@code -Xmx}). */
    @Parameter(property = "finetune.maxHeap", defaultValue = "2g")
    protected String maxHeap;

    /** Off-heap memory ND4J may allocate ({@code org.bytedeco.javacpp.maxbytes}), e.g. {@code 4G}. */
    @Parameter(property = "finetune.maxOffHeap")
    protected String maxOffHeap;

    /** Limit on the training JVM's total memory ({@code org.bytedeco.javacpp.maxphysicalbytes}). */
    @Parameter(property = "finetune.maxPhysicalBytes")
    protected String maxPhysicalBytes;

    /**
     * OpenMP threads for ND4J. Fixed rather than taken from the machine, because some layers' results depend on
     * the thread count: the same value reproduces the same parameters. It is recorded in metrics.json.
     */
    @Parameter(property = "finetune.threads", defaultValue = "2")
    protected int threads;

    /** BLAS threads for ND4J (1 avoids oversubscribing cores together with OpenMP). */
    @Parameter(property = "finetune.blasThreads", defaultValue = "1")
    protected int blasThreads;

    /** More options for the training JVM, space separated. */
    @Parameter(property = "finetune.argLine")
    protected String argLine;

    /** Kill the training JVM after this many seconds (0: no limit). */
    @Parameter(property = "finetune.forkTimeout", defaultValue = "0")
    protected int forkTimeout;

    /**
     * Train only the layers above a frozen input prefix, on that prefix's outputs computed once per split (the
     * frozen-feature cache). {@code false} runs full forward passes every epoch: to measure or debug the cache only.
     */
    @Parameter(property = "finetune.frozenFeatureCache", defaultValue = "true")
    protected boolean frozenFeatureCache;

    /** Besides the plugin version: DL4J's version, backend and thread counts decide the trained parameters. */
    @Override
    protected String settings() {
        return super.settings() + " dl4j=" + plugin.getArtifacts().stream()
                .filter(a -> a.getArtifactId().equals("deeplearning4j-nn")).map(a -> a.getVersion()).findFirst().orElse("?")
                + " backend=" + backend + ":" + backendClassifier + " threads=" + threads + "/" + blasThreads
                + " frozenFeatureCache=" + frozenFeatureCache;
    }

    protected void runEngine(String task, Path baseModel) throws MojoExecutionException, MojoFailureException {
        Path output = outputDirectory.toPath().toAbsolutePath();
        if (!fork) {
            runInProcess(task, output, baseModel);
            return;
        }
        List<Path> classpath = new ForkClasspath(repositorySystem, repositorySession, project.getRemotePluginRepositories())
                .build(plugin.getPluginArtifact(), plugin.getArtifacts(), backend, backendClassifier);
        ForkOptions options = new ForkOptions(
                jvm == null ? ForkOptions.currentJava() : jvm.toPath(), classpath, Optional.ofNullable(maxHeap),
                Optional.ofNullable(maxOffHeap), Optional.ofNullable(maxPhysicalBytes), threads, blasThreads,
                Optional.empty(), jvmArgs(),
                forkTimeout > 0 ? Optional.of(Duration.ofSeconds(forkTimeout)) : Optional.empty(), Map.of());
        JvmFork.Result result;
        try {
            result = new JvmFork(options).run(new ForkTask(task, specPath(), baseDir(), output, baseModel), mavenLog());
        } catch (IOException e) {
            throw new MojoExecutionException("Cannot start the training JVM: " + e.getMessage(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new MojoExecutionException("Interrupted while the training JVM was running", e);
        }
        if (result.userError()) {
            throw new MojoFailureException("finetune:" + task + " failed: " + String.join("\n", result.errors()));
        }
        if (!result.succeeded()) {
            throw new MojoExecutionException("The training JVM failed (exit code " + result.exitCode() + ")"
                    + (result.errors().isEmpty() ? "" : ": " + String.join("\n", result.errors())));
        }
    }

    private List<String> jvmArgs() {
        List<String> args = new java.util.ArrayList<>();
        args.add("-D" + JobOptions.FROZEN_FEATURE_CACHE + "=" + frozenFeatureCache);
        if (argLine != null && !argLine.isBlank()) {
            args.addAll(Arrays.asList(argLine.trim().split("\\s+")));
        }
        return args;
    }

    /** The engine's output, by level, into Maven's log. */
    private JvmFork.Output mavenLog() {
        return new JvmFork.Output() {
            @Override
            public void info(String line) {
                getLog().info(line);
            }

            @Override
            public void warn(String line) {
                getLog().warn(line);
            }

            @Override
            public void error(String line) {
                getLog().error(line);
            }
        };
    }

    private void runInProcess(String task, Path output, Path baseModel) throws MojoExecutionException, MojoFailureException {
        getLog().warn("Running the engine inside Maven's JVM (finetune.fork=false): for debugging only");
        System.setProperty(ForkMain.OMP_THREADS, String.valueOf(threads));
        System.setProperty(ForkMain.BLAS_THREADS, String.valueOf(blasThreads));
        System.setProperty(JobOptions.FROZEN_FEATURE_CACHE, String.valueOf(frozenFeatureCache));
        int exit = ForkMain.run(new ForkTask(task, specPath(), baseDir(), output, baseModel).toArgs().toArray(String[]::new),
                mavenLog());
        if (exit == ForkMain.EXIT_USER_ERROR) {
            throw new MojoFailureException("finetune:" + task + " failed; see the errors above");
        }
        if (exit != 0) {
            throw new MojoExecutionException("finetune:" + task + " failed (exit code " + exit + ")");
        }
    }
}
