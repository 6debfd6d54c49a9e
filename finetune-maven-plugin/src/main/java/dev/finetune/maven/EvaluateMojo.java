package dev.finetune.maven;

import dev.finetune.engine.fork.ForkRequest;
import dev.finetune.engine.layout.OutputFiles;

import dev.finetune.engine.fingerprint.Fingerprint;
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
import java.util.Optional;

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
        Path out = outputDirectory.toPath();
        Path metricsFile = out.resolve(OutputFiles.METRICS);
        Path gatesFile = out.resolve(OutputFiles.GATES);
        Path marker = out.resolve(OutputFiles.EVALUATE_MARKER);
        // the model must be the one the last completed training wrote; its metrics are a function of that training
        Optional<String> trained = Optional.of(requireTrainedModel());
        if (Files.isRegularFile(metricsFile) && Files.isRegularFile(gatesFile) && rawInputsUnchanged(marker)
                && trained.equals(recordedFingerprint(marker))) {
            getLog().info("Model and test data unchanged since the last evaluation: reusing " + OutputFiles.METRICS);
            if (!Files.isRegularFile(out.resolve(OutputFiles.REPORT_HTML))) {
                writeHtmlReport(parseSpec(), true, Optional.empty());
            }
            report(readLines(gatesFile));
            return;
        }
        FinetuneSpec parsed = parseSpec();
        BaseModelResolver.ResolvedBase base = resolveBase(parsed);
        Fingerprint fingerprint = fingerprint(parsed, base);
        if (!trained.get().equals(fingerprint.value())) {
            throw new MojoFailureException(OutputFiles.MODEL + " was trained on other inputs (the spec, base, data or training"
                    + " settings changed since): run the build from `compile` (e.g. `mvn verify`) so that finetune:train retrains");
        }
        List<Path> retentionFiles = retentionFiles(parsed);
        // the retention check reads its own data and settings, which do not shape the model: they decide the metrics
        Fingerprint evaluated = fingerprint;
        if (parsed.evaluation().retention().isPresent()) {
            try {
                evaluated = fingerprint(parsed, base).text("retention",
                        String.valueOf(dev.finetune.spec.CanonicalSpec.toMap(parsed).get("evaluation")))
                        .file("retention:data", retentionFiles.get(0));
            } catch (IOException e) {
                throw new MojoExecutionException("Cannot read " + retentionFiles.get(0) + ": " + e.getMessage(), e);
            }
        }
        if (upToDate(marker, evaluated) && Files.isRegularFile(metricsFile)) {
            getLog().info("Model and test data unchanged since the last evaluation: reusing " + OutputFiles.METRICS);
        } else {
            try {
                Files.deleteIfExists(marker);
            } catch (IOException e) {
                throw new MojoExecutionException("Cannot delete " + marker + ": " + e.getMessage(), e);
            }
            runEngine(ForkRequest.Task.evaluate, parsed, base);
        }
        MetricsReport metrics;
        try {
            metrics = Json.read(metricsFile, MetricsReport.class);
        } catch (IOException e) {
            throw new MojoExecutionException("Cannot read " + metricsFile + ": " + e.getMessage(), e);
        }
        List<String> results = new java.util.ArrayList<>(GateResult.check(parsed.evaluation().gates(), metrics.test()).stream()
                .map(GateResult::describe).toList());
        metrics.retention().ifPresent(r -> r.checks().forEach(c -> results.add(c.describe())));
        try {
            AtomicFiles.write(gatesFile, String.join("\n", results).getBytes(StandardCharsets.UTF_8));
        } catch (IOException e) {
            throw new MojoExecutionException("Cannot write " + gatesFile + ": " + e.getMessage(), e);
        }
        writeHtmlReport(parsed, true, Optional.empty());
        writeRecord(marker, evaluated, parsed, base, retentionFiles);
        report(results);
    }

    /** The retention check's data file, which must exist: said at its spec key. */
    private List<Path> retentionFiles(FinetuneSpec parsed) throws MojoFailureException {
        if (parsed.evaluation().retention().isEmpty()) {
            return List.of();
        }
        String path = parsed.evaluation().retention().get().data().path();
        Path file = baseDir().resolve(path);
        if (!Files.isRegularFile(file)) {
            String key = "evaluation.retention.data.path";
            throw new MojoFailureException(parsed.locate(key) + ": `" + key + "` names " + path + ", which does not exist");
        }
        return List.of(file);
    }

    /** Logs the gates' results and fails the build on a missed one, unless told to ignore gates. */
    private void report(List<String> gates) throws MojoFailureException {
        gates.stream().filter(g -> g.startsWith(GateResult.PASSED)).forEach(g -> getLog().info("Gate " + g));
        List<String> failed = gates.stream().filter(g -> !g.startsWith(GateResult.PASSED)).toList();
        if (failed.isEmpty()) {
            return;
        }
        failed.forEach(g -> getLog().error("Gate " + g));
        String message = failed.size() + " quality gate(s) missed on the test split" + (failed.stream()
                .anyMatch(g -> g.contains(" retention maxDrop.")) ? " or the base's task (retention)" : "") + ":\n  " + String.join("\n  ", failed);
        if (ignoreGates) {
            getLog().warn(message + "\n(finetune.ignoreGates is set: not failing the build)");
            return;
        }
        throw new MojoFailureException(message);
    }

    private static List<String> readLines(Path file) throws MojoExecutionException {
        try {
            return Files.readAllLines(file, StandardCharsets.UTF_8).stream().filter(l -> !l.isBlank()).toList();
        } catch (IOException e) {
            throw new MojoExecutionException("Cannot read " + file + ": " + e.getMessage(), e);
        }
    }
}
