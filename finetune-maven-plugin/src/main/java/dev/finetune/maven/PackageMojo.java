package dev.finetune.maven;

import dev.finetune.engine.layout.OutputFiles;
import dev.finetune.engine.UserInputException;
import dev.finetune.engine.fork.Faults;

import dev.finetune.engine.packaging.GitInfo;
import dev.finetune.engine.packaging.Lineage;
import dev.finetune.engine.packaging.ModelPackager;
import dev.finetune.spec.FinetuneSpec;
import org.apache.maven.plugin.MojoExecutionException;
import org.apache.maven.plugin.MojoFailureException;
import org.apache.maven.plugins.annotations.Component;
import org.apache.maven.plugins.annotations.LifecyclePhase;
import org.apache.maven.plugins.annotations.Mojo;
import org.apache.maven.plugins.annotations.Parameter;
import org.apache.maven.project.MavenProjectHelper;

import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.time.LocalDateTime;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeParseException;
import java.util.List;
import java.util.Optional;

/**
 * Writes the model artifact, one zip holding the DL4J model and normaliser (loadable with DL4J's
 * {@code ModelSerializer} as it is) and, under {@code finetune/}, the spec as written and resolved,
 * {@code metrics.json}, {@code training.json}, {@code lineage.json} (hashes of spec, data and base, seeds, versions,
 * git commit) and {@code model-card.md}. It becomes the project's artifact ({@code model} packaging) or is attached
 * with a classifier, so {@code install} and {@code deploy} publish it.
 */
@Mojo(name = "package", defaultPhase = LifecyclePhase.PACKAGE, threadSafe = true)
public class PackageMojo extends AbstractFinetuneMojo {

    /** The packaging whose main artifact is the model zip (lifecycle mapping from this plugin's extension). */
    static final String MODEL_PACKAGING = "model";


    /** File name of the artifact, without classifier and extension. */
    @Parameter(defaultValue = "${project.build.finalName}", readonly = true, required = true)
    protected String finalName;

    @Parameter(defaultValue = "${project.build.directory}", readonly = true, required = true)
    protected File buildDirectory;

    /** Timestamp of the zip's entries, as for reproducible jars; the build time when unset. */
    @Parameter(defaultValue = "${project.build.outputTimestamp}")
    protected String outputTimestamp;

    @Component
    protected MavenProjectHelper projectHelper;

    @Override
    protected String goal() {
        return "package";
    }

    /** Set on first use by {@link #git()}; a mojo instance serves one execution. */
    private Optional<GitInfo> git;


    /**
     * Everything besides the spec and files that goes into the zip: coordinates, names, timestamp and the git state
     * recorded in the lineage.
     */
    @Override
    protected String settings() {
        return super.settings() + " model=" + project.getGroupId() + ":" + project.getArtifactId() + ":" + project.getVersion()
                + " packaging=" + project.getPackaging() + " classifier=" + classifier + " finalName=" + finalName
                + " timestamp=" + outputTimestamp + " name=" + project.getName() + " description=" + project.getDescription()
                + " git=" + git().map(g -> g.commit() + (g.dirty() ? "+dirty" : "")).orElse("none");
    }

    /** The project's git state, read once per execution: settings and lineage both need it. */
    private Optional<GitInfo> git() {
        if (git == null) {
            git = GitInfo.of(baseDir());
        }
        return git;
    }

    private Path target(boolean mainArtifact) {
        return buildDirectory.toPath().resolve(finalName + (mainArtifact ? "" : "-" + classifier) + ".zip");
    }

    /**
     * A skipped {@code model} project still owes Maven its artifact, or {@code install} fails with "the packaging plugin
     * did not assign a file": the zip packaged last, when there is one.
     */
    @Override
    protected void skipped() throws MojoExecutionException, MojoFailureException {
        if (!MODEL_PACKAGING.equals(project.getPackaging())) {
            return; // nothing attached: install and deploy publish the project's own artifact as usual
        }
        Path target = target(true);
        if (!Files.isRegularFile(target)) {
            throw new MojoFailureException("finetune.skip is set, but this `model` project has no model zip from an earlier"
                    + " build (" + target + "), and install and deploy need the project's artifact: build once without"
                    + " -Dfinetune.skip, or skip them too (-Dmaven.install.skip -Dmaven.deploy.skip)");
        }
        getLog().warn("finetune.skip is set: the project's artifact is " + target.getFileName()
                + " as an earlier build packaged it, not checked against the current spec and inputs");
        publish(target, true);
    }

    @Override
    protected void run() throws MojoExecutionException, MojoFailureException {
        boolean mainArtifact = MODEL_PACKAGING.equals(project.getPackaging());
        Path target = target(mainArtifact);
        // never package a stale model as this spec's artifact, nor a model.zip put in place by hand
        requireTrainedModel();
        requireTrainedOnCurrentInputs();
        Path out = outputDirectory.toPath().toAbsolutePath();
        Path marker = out.resolve(OutputFiles.PACKAGE_MARKER);
        if (Files.isRegularFile(target) && rawInputsUnchanged(marker)) {
            getLog().info("Model, reports and project unchanged since " + target.getFileName() + " was written: reusing it");
            publish(target, mainArtifact);
            return;
        }
        FinetuneSpec parsed = parseSpec();
        BaseModelResolver.ResolvedBase base = resolveBase(parsed);
        ModelPackager.Request request = new ModelPackager.Request(parsed, specPath(), baseDir(),
                outputDirectory.toPath().toAbsolutePath(), base.file(), base.coordinates(),
                new Lineage.Model(project.getGroupId(), project.getArtifactId(), project.getVersion()), plugin.getVersion(),
                project.getName() == null ? project.getArtifactId() : project.getName(),
                project.getDescription() == null ? "" : project.getDescription(), timestamp(), git(), base.source(),
                base.tokenizer());
        Lineage lineage;
        try {
            lineage = ModelPackager.write(request, target);
        } catch (UserInputException e) {
            throw new MojoExecutionException(e.getMessage(), e);
        } catch (IOException e) {
            Optional<String> fault = Faults.describe(e, target.getParent(), Optional.empty());
            if (fault.isPresent()) {
                // the machine's disk, not a bug: the user frees space; no cause, which Maven would append to the message
                throw new MojoFailureException(fault.get());
            }
            throw new MojoExecutionException("Cannot write the model artifact: " + e.getMessage(), e);
        }
        if (lineage.metrics().isEmpty()) {
            getLog().warn("No test metrics: the model is packaged without them (was evaluation skipped?)");
        }
        // metrics.json is recorded even when absent, so a later evaluation makes the zip stale
        writeRecord(marker, fingerprint(parsed, base), parsed, base, List.of(out.resolve(OutputFiles.TRAIN_MARKER),
                out.resolve(OutputFiles.TRAINING), out.resolve(OutputFiles.METRICS), target));
        publish(target, mainArtifact);
    }

    /** Makes the zip the project's artifact, or attaches it. */
    private void publish(Path target, boolean mainArtifact) throws MojoExecutionException {
        String coordinates = project.getGroupId() + ":" + project.getArtifactId() + ":zip:";
        if (mainArtifact) {
            // `model` packaging: the zip is the project's artifact, as the jar is for a jar project
            project.getArtifact().setFile(target.toFile());
        } else {
            projectHelper.attachArtifact(project, "zip", classifier, target.toFile());
            coordinates += classifier + ":";
        }
        try {
            getLog().info("Model artifact " + target.getFileName() + " (" + Files.size(target) / 1024 + " KiB, with "
                    + OutputFiles.MODEL_CARD + " and " + OutputFiles.LINEAGE + ") is " + coordinates + project.getVersion());
        } catch (IOException e) {
            throw new MojoExecutionException("Cannot read " + target + ": " + e.getMessage(), e);
        }
    }

    /**
     * The zip entries' time. Accepts what maven-jar-plugin accepts: ISO-8601 with offset, or seconds since the epoch.
     * Unset, the commit's time (as {@code SOURCE_DATE_EPOCH} tools do), so rebuilds of a commit give the same bytes;
     * outside git the current time, with a warning, since two builds then differ.
     */
    LocalDateTime timestamp() throws MojoFailureException {
        if (outputTimestamp == null || outputTimestamp.isBlank() || outputTimestamp.length() < 2) {
            Optional<java.time.Instant> commitTime = git().flatMap(GitInfo::commitInstant);
            if (commitTime.isPresent()) {
                getLog().info("project.build.outputTimestamp is not set: the model zip's entries carry the commit's time, "
                        + commitTime.get());
                return LocalDateTime.ofInstant(commitTime.get(), ZoneOffset.UTC);
            }
            getLog().warn("project.build.outputTimestamp is not set and the project is not in git: the model zip's entries"
                    + " carry the build time, so two builds of the same inputs give different bytes. Set"
                    + " <project.build.outputTimestamp>2026-01-01T00:00:00Z</project.build.outputTimestamp> in the POM's"
                    + " properties for reproducible models");
            return LocalDateTime.now(ZoneOffset.UTC);
        }
        try {
            if (outputTimestamp.chars().allMatch(Character::isDigit)) {
                return LocalDateTime.ofInstant(Instant.ofEpochSecond(Long.parseLong(outputTimestamp)), ZoneOffset.UTC);
            }
            return OffsetDateTime.parse(outputTimestamp).atZoneSameInstant(ZoneOffset.UTC).toLocalDateTime();
        } catch (DateTimeParseException | NumberFormatException e) {
            throw new MojoFailureException("project.build.outputTimestamp `" + outputTimestamp
                    + "` is neither ISO-8601 (2026-01-01T00:00:00Z) nor seconds since the epoch");
        }
    }
}
