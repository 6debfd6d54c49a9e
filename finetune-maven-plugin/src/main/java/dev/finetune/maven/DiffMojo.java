package dev.finetune.maven;

import dev.finetune.engine.layout.OutputFiles;
import dev.finetune.engine.diff.DiffFiles;
import dev.finetune.engine.diff.DiffMarkdown;
import dev.finetune.engine.diff.DiffReport;
import dev.finetune.engine.diff.Snapshot;
import dev.finetune.engine.diff.SnapshotReader;
import dev.finetune.engine.htmlreport.ReportInputs;
import dev.finetune.spec.CanonicalSpec;
import dev.finetune.spec.FinetuneSpec;
import org.apache.maven.plugin.MojoExecutionException;
import org.apache.maven.plugin.MojoFailureException;
import org.apache.maven.plugins.annotations.LifecyclePhase;
import org.apache.maven.plugins.annotations.Mojo;
import org.apache.maven.plugins.annotations.Parameter;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;

/**
 * Compares this build with a baseline model, by default the newest released version of the same artifact in the
 * repositories Maven knows (the local one included, so it works offline): each changed setting of the resolved spec
 * with old and new value, split sizes, class counts and hashes of the data, the base, the test metrics overall and
 * per class, and the confusion cells that moved most. Writes {@code diff.md} (for a pull-request comment) and
 * {@code diff.json}, and fails the build when a regression gate of {@code evaluation.regression} is missed.
 *
 * <p>Bound to {@code verify} by default: after {@code finetune:evaluate} (phase {@code test}) has written fresh
 * metrics, and before {@code install} could put this build's own version into the local repository. It is not part
 * of the executions that existing builds declare; add it to an execution's goals, or run
 * {@code mvn verify finetune:diff}. With no baseline yet it says so and succeeds.
 *
 * <p>It reads the training settings of {@code train} and {@code evaluate} only to tell whether {@code metrics.json}
 * belongs to the current spec and inputs; it never trains, so it has no fork settings.
 */
@Mojo(name = "diff", defaultPhase = LifecyclePhase.VERIFY, threadSafe = true)
public class DiffMojo extends AbstractTrainingMojo {

    /**
     * The model to compare with: {@code group:artifact:version[:classifier]}, or a path to a model zip (relative to
     * the project). By default the newest release of this project's model below the current version.
     */
    @Parameter(property = "finetune.baseline")
    protected String baseline;



    /** Skip the comparison. */
    @Parameter(property = "finetune.diff.skip", defaultValue = "false")
    protected boolean skipDiff;

    @Override
    protected String goal() {
        return "diff";
    }

    @Override
    protected boolean skipGoal() {
        return skipDiff;
    }

    @Override
    protected void run() throws MojoExecutionException, MojoFailureException {
        Path out = outputDirectory.toPath();
        String current = project.getVersion();
        Optional<BaselineResolver.Baseline> found = new BaselineResolver(repositorySystem, repositorySession,
                project.getRemoteProjectRepositories(), getLog()::debug)
                .resolve(baseline, baseDir(), project.getGroupId(), project.getArtifactId(), current, modelClassifiers());
        DiffReport report;
        try {
            if (found.isEmpty()) {
                String why = "no released version of " + project.getGroupId() + ":" + project.getArtifactId() + " below "
                        + current + " in " + (repositorySession.isOffline() ? "the local repository (offline)" : "the repositories");
                getLog().info("finetune:diff: " + why + "; nothing to compare with yet");
                DiffFiles.write(out, DiffReport.noBaseline(current, why));
                return;
            }
            // parsed only now: a first release (no baseline) costs a no-op build nothing
            FinetuneSpec parsed = parseSpec();
            BaselineResolver.Baseline b = found.get();
            getLog().info("Comparing with baseline " + b.source());
            Snapshot before = SnapshotReader.fromArchive(b.file(), b.label(), b.source());
            Snapshot after = SnapshotReader.fromBuild(current, CanonicalSpec.toYaml(parsed), out, resultsCurrent(parsed));
            report = DiffReport.compare(before, after, parsed.evaluation().regression());
            DiffFiles.write(out, report, before, after);
            writeHtmlReport(parsed, after.test().isPresent(), Optional.of(new ReportInputs.Baseline(b.label(), before.training(),
                    before.test(), report)));
        } catch (IOException e) {
            throw new MojoExecutionException("finetune:diff cannot read or write its reports: " + e.getMessage(), e);
        }
        List<String> lines = DiffMarkdown.logLines(report);
        lines.forEach(getLog()::info);
        getLog().info("Wrote " + out.resolve(OutputFiles.DIFF_MARKDOWN) + " and " + OutputFiles.DIFF_JSON);
        if (!report.regressed()) {
            return;
        }
        String message = report.summary();
        report.regression().stream().filter(r -> !r.passed()).forEach(r -> getLog().error("Regression gate " + r.describe()));
        if (ignoreGates) {
            getLog().warn(message + "\n(finetune.ignoreGates is set: not failing the build)");
            return;
        }
        throw new MojoFailureException(message);
    }

    /** Whether metrics.json and training.json were made from exactly this spec and these inputs. */
    private boolean resultsCurrent(FinetuneSpec parsed) throws MojoExecutionException, MojoFailureException {
        Path marker = outputDirectory.toPath().resolve(OutputFiles.EVALUATE_MARKER);
        return recordedFingerprint(marker).equals(Optional.of(fingerprint(parsed, resolveBase(parsed)).value()));
    }
}
