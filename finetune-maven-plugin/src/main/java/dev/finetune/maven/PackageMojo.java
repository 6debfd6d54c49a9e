package dev.finetune.maven;

import dev.finetune.engine.fork.FinetuneJob;
import dev.finetune.engine.packaging.ModelArchive;
import dev.finetune.spec.CanonicalSpec;
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
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.time.LocalDateTime;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeParseException;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Writes the model artifact, one zip holding the DL4J model and normaliser (loadable with DL4J's
 * {@code ModelSerializer} as it is), the spec as written and resolved, {@code metrics.json} and
 * {@code training.json}, and attaches it to the project so {@code install} and {@code deploy} publish it.
 */
@Mojo(name = "package", defaultPhase = LifecyclePhase.PACKAGE, threadSafe = true)
public class PackageMojo extends AbstractFinetuneMojo {

    /** Classifier of the attached zip; consumers ask for {@code <type>zip</type><classifier>model</classifier>}. */
    @Parameter(property = "finetune.classifier", defaultValue = "model", required = true)
    protected String classifier;

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

    @Override
    protected void run() throws MojoExecutionException, MojoFailureException {
        FinetuneSpec parsed = parseSpec();
        Path out = outputDirectory.toPath();
        Path model = out.resolve(FinetuneJob.MODEL);
        if (!Files.isRegularFile(model)) {
            throw new MojoExecutionException(model + " does not exist: finetune:train must run before finetune:package");
        }
        Map<String, byte[]> metadata = new LinkedHashMap<>();
        try {
            metadata.put("finetune.yaml", Files.readAllBytes(specPath()));
            metadata.put("spec.resolved.yaml", CanonicalSpec.toYaml(parsed).getBytes(StandardCharsets.UTF_8));
            metadata.put(FinetuneJob.TRAINING, Files.readAllBytes(out.resolve(FinetuneJob.TRAINING)));
            Path metrics = out.resolve(FinetuneJob.METRICS);
            if (Files.isRegularFile(metrics)) {
                metadata.put(FinetuneJob.METRICS, Files.readAllBytes(metrics));
            } else {
                getLog().warn("No " + metrics + ": the model is packaged without test metrics (was evaluation skipped?)");
            }
            Path target = buildDirectory.toPath().resolve(finalName + "-" + classifier + ".zip");
            ModelArchive.write(target, model, metadata, timestamp());
            projectHelper.attachArtifact(project, "zip", classifier, target.toFile());
            getLog().info("Model artifact " + target.getFileName() + " (" + Files.size(target) / 1024 + " KiB) attached as "
                    + project.getGroupId() + ":" + project.getArtifactId() + ":zip:" + classifier + ":" + project.getVersion());
        } catch (IOException e) {
            throw new MojoExecutionException("Cannot write the model artifact: " + e.getMessage(), e);
        }
    }

    /** Accepts what maven-jar-plugin accepts: ISO-8601 with offset, or seconds since the epoch. */
    LocalDateTime timestamp() throws MojoFailureException {
        if (outputTimestamp == null || outputTimestamp.isBlank() || outputTimestamp.length() < 2) {
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
