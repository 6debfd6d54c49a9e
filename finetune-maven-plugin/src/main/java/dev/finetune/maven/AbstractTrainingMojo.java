package dev.finetune.maven;

import dev.finetune.engine.fork.NativeBuild;
import dev.finetune.engine.fork.ThreadChoice;

import dev.finetune.engine.htmlreport.HtmlReport;
import dev.finetune.engine.htmlreport.ReportInputs;
import dev.finetune.engine.packaging.GitInfo;
import dev.finetune.spec.FinetuneSpec;
import org.apache.maven.plugin.MojoExecutionException;
import org.apache.maven.plugin.MojoFailureException;
import org.apache.maven.plugins.annotations.Parameter;

import java.io.IOException;
import java.nio.file.Path;
import java.util.Optional;

/**
 * Goals whose results depend on how the engine trains: {@code train} and {@code evaluate}, which run it, and
 * {@code diff}, which only needs to tell whether {@code metrics.json} was made with these settings. The settings
 * here are part of the inputs' fingerprint, so changing one retrains.
 */
abstract class AbstractTrainingMojo extends AbstractFinetuneMojo {

    /** ND4J backend of the training JVM: {@code cpu} (nd4j-native) or {@code cuda} (nd4j-cuda-11.6, resolved on demand). */
    @Parameter(property = "finetune.backend", defaultValue = "cpu")
    protected String backend;

    /**
     * Native build of the backend. For {@code cpu}, unset: the measured fastest build the CPU runs, from its flags
     * ({@link NativeBuild#forCpu}: {@code linux-x86_64-onednn-avx2} with AVX2, else {@code linux-x86_64-onednn}),
     * resolved on demand ({@code finetune:go-offline} caches it); {@code linux-x86_64} is the build that ships with the
     * plugin; any other nd4j-native build is resolved on demand too, and refused when the CPU lacks its instructions.
     * For {@code cuda}: {@code linux-x86_64} unless set. Builds differ in their last bits, so the choice (and why) is
     * part of the fingerprint and the lineage.
     */
    @Parameter(property = "finetune.backendClassifier")
    protected String backendClassifier;

    /** Decided once per goal: {@link #nativeBuild()}. */
    private NativeBuild nativeBuild;

    /**
     * OpenMP threads for ND4J. Fixed rather than taken from the machine, because some layers' results depend on
     * the thread count: the same value reproduces the same parameters. Unset, it follows the base's kind of work,
     * as measured (README "Speed"; {@link ThreadChoice}): 2 for dense and for convolutional networks on 2 cores, 1 for
     * a dense head on cached convolution outputs (every convolution frozen in the cached prefix).
     * Recorded in run.json, lineage.json and the model card, with why.
     */
    @Parameter(property = "finetune.threads")
    protected Integer threads;

    /** BLAS threads for ND4J (1 avoids oversubscribing cores together with OpenMP). */
    @Parameter(property = "finetune.blasThreads", defaultValue = "1")
    protected int blasThreads;

    /**
     * Train only the layers above a frozen input prefix, on that prefix's outputs computed once per split (the
     * frozen-feature cache). {@code false} runs full forward passes every epoch: to measure or debug the cache only.
     */
    @Parameter(property = "finetune.frozenFeatureCache", defaultValue = "true")
    protected boolean frozenFeatureCache;

    /**
     * Report missed gates without failing the build: the quality gates of {@code evaluation.gates} (checked by
     * {@code evaluate}) and the regression gates of {@code evaluation.regression} (checked by {@code diff}).
     */
    @Parameter(property = "finetune.ignoreGates", defaultValue = "false")
    protected boolean ignoreGates;

    // Spark's settings are here, not with the fork's: data-parallel training changes the parameters, so its settings
    // are part of the fingerprint for train, evaluate and diff alike

    /**
     * Where the training's work runs: {@code local} (threads of the training JVM) or {@code spark} (on
     * {@code finetune.spark.master}, as {@code finetune.spark.mode} says; Spark is then resolved and added to the
     * training JVM). A build setting, never the spec's, so a pull request cannot move a build's work elsewhere. Sweep
     * trials give the same results either way; data-parallel training does not (README).
     */
    @Parameter(property = "finetune.executor", defaultValue = "local")
    protected String executor;

    /**
     * The Spark master with {@code finetune.executor=spark}: {@code local[N]} runs N executor threads in the training
     * JVM; a cluster's URL ({@code spark://host:7077}, {@code yarn}, {@code k8s://...}) needs the project directory on
     * a file system the executors share (README, "Sweep trials on Spark"). {@code spark.*} properties of the command
     * line and the POM go to Spark as they are.
     */
    @Parameter(property = "finetune.spark.master", defaultValue = "local[*]")
    protected String sparkMaster;

    /**
     * What runs on Spark with {@code finetune.executor=spark}: {@code trials} (a sweep's trials as Spark tasks, the
     * same results as local trials) or {@code data-parallel} (one training's minibatches spread over Spark's workers
     * with DL4J's parameter averaging: other parameters than a local training, recorded in the lineage).
     */
    @Parameter(property = "finetune.spark.mode", defaultValue = "trials")
    protected String sparkMode;

    /**
     * With {@code finetune.spark.mode=data-parallel}: the minibatches each worker fits between two averagings of the
     * workers' parameters (and updater states). Changes the results.
     */
    @Parameter(property = "finetune.spark.averagingFrequency", defaultValue = "" + dev.finetune.engine.sweep.spark.SparkSettings.DEFAULT_AVERAGING_FREQUENCY)
    protected int sparkAveragingFrequency;

    /** Besides the plugin version: DL4J's version, backend and thread counts decide the trained parameters. */
    @Override
    protected String settings() {
        return super.settings() + " dl4j=" + plugin.getArtifacts().stream()
                .filter(a -> a.getArtifactId().equals("deeplearning4j-nn")).map(a -> a.getVersion()).findFirst().orElse("?")
                + " backend=" + backend + ":" + nativeBuild().classifier() + " threads=" + (threads == null ? "by-workload" : threads) + "/" + blasThreads
                + " frozenFeatureCache=" + frozenFeatureCache + dataParallelSettings();
    }

    /**
     * Data-parallel training's settings, which change the parameters (sweep trials on Spark change nothing, so they
     * are not here: a local and a Spark sweep share their fingerprint). Unchecked: the fork's setup reports a bad value.
     */
    private String dataParallelSettings() {
        return dataParallelSettings(executor, sparkMode, sparkMaster, sparkAveragingFrequency);
    }

    static String dataParallelSettings(String executor, String mode, String master, int averagingFrequency) {
        boolean dataParallel = "spark".equals(executor == null ? null : executor.trim())
                && "data-parallel".equals(mode == null ? null : mode.trim());
        return dataParallel ? " dataParallel=" + (master == null ? "" : master.trim()) + "/averagingFrequency="
                + averagingFrequency : "";
    }

    /** The backend's native build: {@code finetune.backendClassifier}, else the default for this CPU (or for CUDA). */
    protected NativeBuild nativeBuild() {
        if (nativeBuild == null) {
            nativeBuild = nativeBuild(backend, backendClassifier,
                    () -> NativeBuild.forCpu(NativeBuild.cpuFlags(Path.of("/proc/cpuinfo"))));
        }
        return nativeBuild;
    }

    static NativeBuild nativeBuild(String backend, String classifier, java.util.function.Supplier<NativeBuild> forThisCpu) {
        if (classifier != null && !classifier.isBlank()) {
            return NativeBuild.set(classifier);
        }
        return "cpu".equals(backend) ? forThisCpu.get() : new NativeBuild(NativeBuild.BUNDLED, "default for " + backend);
    }

    /** The OpenMP thread count for this base: {@code finetune.threads}, else its kind of work's default. */
    protected ThreadChoice threadChoice(FinetuneSpec parsed, Path baseFile) throws MojoFailureException {
        if (threads != null) {
            if (threads < 1) {
                throw new MojoFailureException("finetune.threads is " + threads + ": expected 1 or more (or leave it unset"
                        + " for the default by the base's kind of work)");
            }
            return ThreadChoice.set(threads);
        }
        try {
            return ThreadChoice.forTraining(baseInspector().inspect(baseFile, parsed.base()), parsed, frozenFeatureCache);
        } catch (RuntimeException e) {
            // an unreadable base: the training JVM reports it as it always did, located; the count is moot then
            return new ThreadChoice(ThreadChoice.CONVOLUTIONAL, "default for a base not inspected (" + e.getClass().getSimpleName() + ")");
        }
    }

    /**
     * Writes {@code report.html} from the records in the output directory; says where in one line. Nothing when no
     * training has finished yet.
     *
     * @param metricsCurrent whether metrics.json belongs to the current inputs (else the page says "not evaluated")
     */
    protected void writeHtmlReport(FinetuneSpec parsed, boolean metricsCurrent, Optional<ReportInputs.Baseline> baseline)
            throws MojoExecutionException {
        Path out = outputDirectory.toPath();
        String title = (project.getName() == null ? project.getArtifactId() : project.getName()) + " " + project.getVersion();
        Optional<String> commit = GitInfo.of(baseDir()).map(g -> g.commit().substring(0, Math.min(12, g.commit().length()))
                + (g.dirty() ? " + uncommitted changes" : ""));
        try {
            Optional<ReportInputs> inputs = ReportInputs.read(out, parsed, title, commit, metricsCurrent, baseline);
            if (inputs.isPresent()) {
                getLog().info("Report: " + HtmlReport.write(out, inputs.get()).toUri());
            }
        } catch (IOException e) {
            throw new MojoExecutionException("Cannot write " + out.resolve("report.html") + ": " + e.getMessage(), e);
        }
    }
}
