package dev.finetune.maven;

import dev.finetune.spec.FinetuneSpec;
import org.apache.maven.plugin.MojoExecutionException;
import org.apache.maven.plugin.MojoFailureException;
import org.apache.maven.plugins.annotations.Mojo;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;

/**
 * Fetches into the local repository what later {@code -o} builds of this project need beyond what
 * {@code dependency:go-offline} fetches: the base model when the spec names it by coordinates (Maven cannot see a
 * spec's {@code base.artifact}), the training JVM's native build (chosen by the CPU's flags, or
 * {@code finetune.backendClassifier}) when it is not the one bundled with the plugin, CUDA's ({@code -Dfinetune.backend=cuda}),
 * Spark with {@code -Dfinetune.executor=spark} (and DL4J's Spark training, for either {@code finetune.spark.mode}),
 * and the newest released model that {@code finetune:diff} compares with. For a CI cache:
 * {@code mvn -B dependency:go-offline finetune:go-offline}. Trains nothing and writes nothing but the local repository.
 */
@Mojo(name = "go-offline", threadSafe = true)
public class GoOfflineMojo extends AbstractForkingMojo {

    @Override
    protected String goal() {
        return "go-offline";
    }

    @Override
    protected void run() throws MojoExecutionException, MojoFailureException {
        boolean spark = sparkSettings().isPresent();
        // both Spark modes, so an offline build can use either
        List<Path> classpath = forkClasspath(spark, spark);
        getLog().info("Training JVM (" + backend + " backend" + (spark ? ", Spark" : "") + "; native build "
                + nativeBuild().classifier() + ": " + nativeBuild().chosenBy() + "): " + classpath.size() + " jars in the local repository");
        if (!Files.isRegularFile(specPath())) {
            getLog().info("No spec at " + specDisplayName() + ": nothing else to fetch");
            return;
        }
        FinetuneSpec parsed = parseSpec();
        if (parsed.base().artifact().isPresent()) {
            BaseModelResolver.ResolvedBase base = resolveBase(parsed);
            getLog().info("Base model " + base.coordinates().orElseThrow() + ": " + base.file());
        }
        Optional<BaselineResolver.Baseline> baseline = new BaselineResolver(repositorySystem, repositorySession,
                project.getRemoteProjectRepositories(), getLog()::debug)
                .resolve(null, baseDir(), project.getGroupId(), project.getArtifactId(), project.getVersion(), modelClassifiers());
        getLog().info(baseline.map(b -> "Baseline for finetune:diff: " + b.source())
                .orElse("No released version of " + project.getArtifactId() + " below " + project.getVersion()
                        + " for finetune:diff to compare with (yet)"));
    }
}
