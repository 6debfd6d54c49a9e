package dev.finetune.maven;

import dev.finetune.engine.fork.FinetuneJob;
import dev.finetune.engine.packaging.Fingerprint;
import dev.finetune.engine.report.AtomicFiles;
import dev.finetune.engine.report.GateResult;
import dev.finetune.engine.report.Json;
import dev.finetune.engine.report.MetricsReport;
import dev.finetune.spec.FinetuneSpec;
import org.apache.maven.plugin.MojoExecutionException;
import org.apache.maven.plugin.MojoFailureException;
import org.apache.maven.plugins.annotations.LifecyclePhase;
import org.apache.maven.plugins.annotations.Mojo;
import org.apache.maven.plugins.annotations.Parameter;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * Evaluates the trained model on the test split, which training never saw, writes {@code metrics.json} and
 * fails the build when a gate of {@code evaluation.gates} is missed.
 */
@Mojo(name = "evaluate", defaultPhase = LifecyclePhase.TEST, threadSafe = true)
public class EvaluateMojo extends AbstractForkingMojo {

    /** Skip evaluation (and so the gates). */
    @Parameter(property = "finetune.evaluate.skip", defaultValue = "false")
    protected boolean skipEvaluate;

    /** Maven's usual flag: {@code -DskipTests} skips evaluation too, as it skips tests. */
    @Parameter(property = "skipTests", defaultValue = "false")
    protected boolean skipTests;

    /** {@code -Dmaven.test.skip} skips evaluation too. */
    @Parameter(property = "maven.test.skip", defaultValue = "false")
    protected boolean mavenTestSkip;

    /** Evaluate and report, but do not fail the build on missed gates. */
    @Parameter(property = "finetune.ignoreGates", defaultValue = "false")
    protected boolean ignoreGates;

    static final String MARKER = "evaluate.fingerprint";

    @Override
    protected String goal() {
        return "evaluate";
    }

    @Override
    protected boolean skipGoal() {
        if (skipEvaluate || skipTests || mavenTestSkip) {
            getLog().warn("Evaluation skipped: the model's test metrics and gates are not checked");
            return true;
        }
        return false;
    }

    @Override
    protected void run() throws MojoExecutionException, MojoFailureException {
        FinetuneSpec parsed = parseSpec();
        Path baseModel = resolveBase(parsed).file();
        Path metricsFile = outputDirectory.toPath().resolve(FinetuneJob.METRICS);
        Path marker = outputDirectory.toPath().resolve(MARKER);
        // the trained model is a function of the train fingerprint, so metrics for it are still valid
        Fingerprint fingerprint = fingerprint(parsed, baseModel);
        if (upToDate(marker, fingerprint) && Files.isRegularFile(metricsFile)
                && upToDate(outputDirectory.toPath().resolve(TrainMojo.MARKER), fingerprint)) {
            getLog().info("Model and test data unchanged since the last evaluation: reusing " + FinetuneJob.METRICS);
        } else {
            try {
                Files.deleteIfExists(marker);
                runEngine("evaluate", baseModel);
                AtomicFiles.write(marker, fingerprint.value().getBytes(StandardCharsets.UTF_8));
            } catch (IOException e) {
                throw new MojoExecutionException("Cannot write " + marker + ": " + e.getMessage(), e);
            }
        }
        MetricsReport metrics;
        try {
            metrics = Json.read(metricsFile, MetricsReport.class);
        } catch (IOException e) {
            throw new MojoExecutionException("Cannot read " + metricsFile + ": " + e.getMessage(), e);
        }
        List<GateResult> results = GateResult.check(parsed.evaluation().gates(), metrics.test());
        results.stream().filter(GateResult::passed).forEach(r -> getLog().info("Gate " + r.describe()));
        List<GateResult> failed = results.stream().filter(r -> !r.passed()).toList();
        if (failed.isEmpty()) {
            return;
        }
        failed.forEach(r -> getLog().error("Gate " + r.describe()));
        String message = failed.size() + " quality gate(s) missed on the test split:\n  "
                + String.join("\n  ", failed.stream().map(GateResult::describe).toList());
        if (ignoreGates) {
            getLog().warn(message + "\n(finetune.ignoreGates is set: not failing the build)");
            return;
        }
        throw new MojoFailureException(message);
    }
}
