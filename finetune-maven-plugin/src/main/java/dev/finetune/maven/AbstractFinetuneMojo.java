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

import java.io.File;
import java.nio.file.Path;

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
