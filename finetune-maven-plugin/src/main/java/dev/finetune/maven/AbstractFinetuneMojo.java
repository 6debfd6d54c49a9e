package dev.finetune.maven;

import dev.finetune.spec.FinetuneSpec;
import dev.finetune.spec.SpecException;
import dev.finetune.spec.SpecParser;
import org.apache.maven.plugin.AbstractMojo;
import org.apache.maven.plugin.MojoExecutionException;
import org.apache.maven.plugin.MojoFailureException;
import org.apache.maven.plugin.descriptor.PluginDescriptor;
import org.apache.maven.plugins.annotations.Component;
import org.apache.maven.plugins.annotations.Parameter;
import org.apache.maven.project.MavenProject;
import org.eclipse.aether.RepositorySystem;
import org.eclipse.aether.RepositorySystemSession;

import dev.finetune.engine.packaging.Fingerprint;
import dev.finetune.spec.CanonicalSpec;

import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/** What every goal shares: the spec, the output directory and the skip flag. */
abstract class AbstractFinetuneMojo extends AbstractMojo {

    @Parameter(defaultValue = "${project}", readonly = true, required = true)
    protected MavenProject project;

    /** The fine-tuning spec. Paths inside it are relative to the project directory. */
    @Parameter(property = "finetune.spec", defaultValue = "${project.basedir}/finetune.yaml", required = true)
    protected File spec;

    /** Where training results, reports and the model go. */
    @Parameter(property = "finetune.outputDirectory", defaultValue = "${project.build.directory}/finetune", required = true)
    protected File outputDirectory;

    /** Skip every finetune goal. */
    @Parameter(property = "finetune.skip", defaultValue = "false")
    protected boolean skip;

    /** Run validation, training and evaluation even when their inputs have not changed since the last run. */
    @Parameter(property = "finetune.force", defaultValue = "false")
    protected boolean force;

    @Parameter(defaultValue = "${plugin}", readonly = true, required = true)
    protected PluginDescriptor plugin;

    @Parameter(defaultValue = "${repositorySystemSession}", readonly = true, required = true)
    protected RepositorySystemSession repositorySession;

    @Component
    protected RepositorySystem repositorySystem;

    @Override
    public final void execute() throws MojoExecutionException, MojoFailureException {
        if (skip || skipGoal()) {
            getLog().info("Skipping finetune:" + goal() + (skip ? " (finetune.skip)" : ""));
            return;
        }
        run();
    }

    protected abstract String goal();

    protected abstract void run() throws MojoExecutionException, MojoFailureException;

    /** A goal's own skip flags, besides {@code finetune.skip}. */
    protected boolean skipGoal() {
        return false;
    }

    protected Path baseDir() {
        return project.getBasedir().toPath().toAbsolutePath();
    }

    protected Path specPath() {
        return spec.toPath().toAbsolutePath();
    }

    /** The spec as named in messages: relative to the project when it lies inside it. */
    protected String specDisplayName() {
        Path s = specPath();
        return s.startsWith(baseDir()) ? baseDir().relativize(s).toString() : s.toString();
    }

    /** The base model file, resolved through Maven when the spec names it by coordinates. */
    protected BaseModelResolver.ResolvedBase resolveBase(FinetuneSpec parsed) throws MojoFailureException, MojoExecutionException {
        return new BaseModelResolver(repositorySystem, repositorySession, project).resolve(parsed);
    }

    /** The user's inputs: resolved spec, plugin version, the base model's and the dataset's bytes. */
    protected Fingerprint inputFingerprint(FinetuneSpec parsed, Path baseModel) throws MojoExecutionException {
        try {
            Fingerprint f = new Fingerprint()
                    .text("spec", CanonicalSpec.toYaml(parsed))
                    .text("plugin", plugin.getVersion())
                    .file("base", baseModel);
            for (String path : datasetFiles(parsed)) {
                f.file("data:" + path, baseDir().resolve(path));
            }
            return f;
        } catch (IOException e) {
            throw new MojoExecutionException("Cannot read the inputs to fingerprint them: " + e.getMessage(), e);
        }
    }

    private static List<String> datasetFiles(FinetuneSpec parsed) {
        return parsed.dataset().files().map(f -> List.of(f.train(), f.validation(), f.test()))
                .orElseGet(() -> List.of(parsed.dataset().path().orElseThrow()));
    }

    /** Whether {@code marker} records this fingerprint, i.e. the step already ran on these exact inputs. */
    protected boolean upToDate(Path marker, Fingerprint fingerprint) throws MojoExecutionException {
        try {
            return !force && Files.isRegularFile(marker) && Files.readString(marker).trim().equals(fingerprint.value());
        } catch (IOException e) {
            throw new MojoExecutionException("Cannot read " + marker + ": " + e.getMessage(), e);
        }
    }

    protected FinetuneSpec parseSpec() throws MojoFailureException {
        try {
            return new SpecParser().parse(specPath(), specDisplayName());
        } catch (SpecException e) {
            e.problems().forEach(p -> getLog().error(p.toString()));
            throw new MojoFailureException("Invalid fine-tuning spec " + specDisplayName() + " ("
                    + e.problems().size() + " problem" + (e.problems().size() == 1 ? "" : "s") + "):\n" + e.getMessage());
        }
    }
}
