package dev.finetune.maven;

import dev.finetune.engine.fork.NativeBuild;
import org.apache.maven.artifact.Artifact;
import org.apache.maven.plugin.MojoExecutionException;
import org.apache.maven.plugin.MojoFailureException;
import org.eclipse.aether.RepositorySystem;
import org.eclipse.aether.RepositorySystemSession;
import org.eclipse.aether.artifact.DefaultArtifact;
import org.eclipse.aether.collection.CollectRequest;
import org.eclipse.aether.graph.Dependency;
import org.eclipse.aether.graph.Exclusion;
import org.eclipse.aether.repository.RemoteRepository;
import org.eclipse.aether.resolution.DependencyRequest;
import org.eclipse.aether.resolution.DependencyResolutionException;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.Properties;
import java.util.Set;
import java.util.List;
import java.util.Optional;

/**
 * The training JVM's classpath: the plugin with its dependencies (the engine and DL4J), an SLF4J binding so DL4J's
 * logs reach the build log, and the chosen ND4J backend. The CPU backend and the binding are the plugin's own
 * dependencies (so Maven resolves them with the plugin, and go-offline caches them); CUDA is resolved from the
 * repositories on demand, since its natives are large ({@code finetune:go-offline -Dfinetune.backend=cuda} caches it).
 * So is Spark, for sweep trials on Spark ({@code -Dfinetune.executor=spark}), and DL4J's Spark training for
 * data-parallel training ({@code -Dfinetune.spark.mode=data-parallel}).
 */
final class ForkClasspath {

    static final String CUDA_ARTIFACT = "nd4j-cuda-11.6";

    private final RepositorySystem repositorySystem;
    private final RepositorySystemSession session;
    private final List<RemoteRepository> repositories;

    ForkClasspath(RepositorySystem repositorySystem, RepositorySystemSession session, List<RemoteRepository> repositories) {
        this.repositorySystem = repositorySystem;
        this.session = session;
        this.repositories = repositories;
    }

    /** The native build of nd4j-native that ships with the plugin; others are resolved on demand. */
    static final String BUNDLED_CPU_CLASSIFIER = NativeBuild.BUNDLED;

    List<Path> build(Artifact pluginArtifact, List<Artifact> pluginDependencies, String backend, String classifier)
            throws MojoExecutionException, MojoFailureException {
        return build(pluginArtifact, pluginDependencies, backend, classifier, false);
    }

    /** @param spark add Spark for sweep trials on Spark ({@code finetune.executor=spark}), resolved on demand */
    List<Path> build(Artifact pluginArtifact, List<Artifact> pluginDependencies, String backend, String classifier, boolean spark)
            throws MojoExecutionException, MojoFailureException {
        return build(pluginArtifact, pluginDependencies, backend, classifier, spark, false);
    }

    /** @param dataParallel add DL4J's Spark training too ({@code finetune.spark.mode=data-parallel}), resolved on demand */
    List<Path> build(Artifact pluginArtifact, List<Artifact> pluginDependencies, String backend, String classifier, boolean spark,
                     boolean dataParallel) throws MojoExecutionException, MojoFailureException {
        List<Path> classpath = new ArrayList<>();
        classpath.add(pluginArtifact.getFile().toPath());
        String nd4jVersion = null;
        boolean hasBinding = false;
        boolean otherCpuBuild = backend.equals("cpu") && !classifier.equals(BUNDLED_CPU_CLASSIFIER);
        if (otherCpuBuild) {
            requireCpuSupports(classifier);
        }
        for (Artifact a : pluginDependencies) {
            boolean nativeBackend = a.getGroupId().equals("org.nd4j") && a.getArtifactId().equals("nd4j-native");
            if (nativeBackend) {
                nd4jVersion = a.getVersion();
            }
            if (a.getGroupId().equals("org.slf4j") && a.getArtifactId().equals("slf4j-simple")) {
                hasBinding = a.getFile() != null;
            }
            if (nativeBackend && !backend.equals("cpu")) {
                continue;
            }
            if (nativeBackend && otherCpuBuild && BUNDLED_CPU_CLASSIFIER.equals(a.getClassifier())) {
                continue; // the bundled natives give way to the chosen build's
            }
            if (a.getFile() != null) {
                classpath.add(a.getFile().toPath());
            }
        }
        if (!hasBinding) {
            throw new MojoExecutionException("The plugin's dependencies lack org.slf4j:slf4j-simple, the training JVM's"
                    + " logger; the plugin's POM or its resolution is broken");
        }
        if (spark) {
            addSpark(classpath, pluginDependencies, dataParallel);
        }
        if (backend.equals("cpu") && !otherCpuBuild) {
            return classpath; // everything comes with the plugin: a CI cache made by dependency:go-offline is complete
        }
        List<String> extra = new ArrayList<>();
        if (otherCpuBuild) {
            extra.add("org.nd4j:nd4j-native:jar:" + classifier + ":" + nd4jVersion);
        } else if (backend.equals("cuda")) {
            extra.add("org.nd4j:" + CUDA_ARTIFACT + ":" + nd4jVersion);
            extra.add("org.nd4j:" + CUDA_ARTIFACT + ":jar:" + classifier + ":" + nd4jVersion);
        } else if (!backend.equals("cpu")) {
            throw new MojoExecutionException("finetune.backend must be cpu or cuda, found " + backend);
        }
        for (Path p : resolve(extra)) {
            if (!classpath.contains(p)) {
                classpath.add(p);
            }
        }
        return classpath;
    }

    /**
     * A native build for instructions this CPU lacks dies with SIGILL in the fork (measured: {@code -avx512} on an
     * AVX2-only machine): refuse it up front, from the flags the kernel reports.
     */
    private static void requireCpuSupports(String classifier) throws MojoFailureException {
        Optional<List<String>> flags = NativeBuild.cpuFlags(Path.of("/proc/cpuinfo"));
        if (flags.isEmpty()) {
            return; // not Linux: nothing to check against
        }
        Optional<String> problem = NativeBuild.unsupported(classifier, flags.get());
        if (problem.isPresent()) {
            throw new MojoFailureException(problem.get());
        }
    }

    /**
     * Spark core and what it needs, resolved from the repositories (not a plugin dependency: a build that never asks
     * for Spark never downloads it). Where Spark and the plugin need the same library, the plugin's version stays
     * (the engine was tested with it); jackson-module-scala is resolved at the plugin's Jackson version, since Spark's
     * own refuses a newer jackson-databind at start, and Spark's log4j binding is left out (slf4j-simple logs).
     */
    private void addSpark(List<Path> classpath, List<Artifact> pluginDependencies, boolean dataParallel) throws MojoExecutionException {
        Properties versions = new Properties();
        try (InputStream in = ForkClasspath.class.getResourceAsStream("spark.properties")) {
            versions.load(in);
        } catch (IOException | NullPointerException e) {
            throw new MojoExecutionException("The plugin jar lacks dev/finetune/maven/spark.properties: its build is broken", e);
        }
        Set<String> plugins = new HashSet<>();
        pluginDependencies.forEach(a -> plugins.add(a.getGroupId() + ":" + a.getArtifactId()));
        List<Dependency> spark = new ArrayList<>(List.of(
                new Dependency(new DefaultArtifact(versions.getProperty("spark")), "runtime", false,
                        List.of(new Exclusion("org.apache.logging.log4j", "log4j-slf4j2-impl", "*", "*"))),
                new Dependency(new DefaultArtifact(versions.getProperty("jacksonScala")), "runtime")));
        if (dataParallel) {
            // each jar alone: their own dependencies are DL4J 1.0.0-M2 and spark-mllib 3.1.2 (the plugin's POM says why)
            for (String key : List.of("dl4jSpark", "dl4jCore", "datavecSpark")) {
                spark.add(new Dependency(new DefaultArtifact(versions.getProperty(key)), "runtime", false,
                        List.of(new Exclusion("*", "*", "*", "*"))));
            }
        }
        for (org.eclipse.aether.artifact.Artifact a : resolveArtifacts(spark)) {
            Path p = a.getFile().toPath();
            if (!plugins.contains(a.getGroupId() + ":" + a.getArtifactId()) && !classpath.contains(p)) {
                classpath.add(p);
            }
        }
    }

    private List<Path> resolve(List<String> coordinates) throws MojoExecutionException {
        List<Dependency> dependencies = new ArrayList<>();
        for (String c : coordinates) {
            dependencies.add(new Dependency(new DefaultArtifact(c), "runtime"));
        }
        return resolveArtifacts(dependencies).stream().map(a -> a.getFile().toPath()).toList();
    }

    private List<org.eclipse.aether.artifact.Artifact> resolveArtifacts(List<Dependency> dependencies) throws MojoExecutionException {
        List<String> coordinates = dependencies.stream().map(d -> d.getArtifact().toString()).toList();
        CollectRequest collect = new CollectRequest();
        dependencies.forEach(collect::addDependency);
        collect.setRepositories(repositories);
        try {
            return repositorySystem.resolveDependencies(session, new DependencyRequest(collect, null))
                    .getArtifactResults().stream()
                    .map(r -> r.getArtifact())
                    .toList();
        } catch (DependencyResolutionException e) {
            throw new MojoExecutionException("Cannot resolve the training JVM's classpath " + coordinates
                    + (session.isOffline() ? " in offline mode; run mvn finetune:go-offline once online to fetch them"
                    + (coordinates.toString().contains("nd4j-native") ? " (or set -Dfinetune.backendClassifier="
                    + BUNDLED_CPU_CLASSIFIER + ", the native build bundled with the plugin)" : "") : "") + ": " + e.getMessage(), e);
        }
    }
}
