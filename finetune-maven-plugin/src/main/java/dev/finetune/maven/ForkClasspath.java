package dev.finetune.maven;

import org.apache.maven.artifact.Artifact;
import org.apache.maven.plugin.MojoExecutionException;
import org.eclipse.aether.RepositorySystem;
import org.eclipse.aether.RepositorySystemSession;
import org.eclipse.aether.artifact.DefaultArtifact;
import org.eclipse.aether.collection.CollectRequest;
import org.eclipse.aether.graph.Dependency;
import org.eclipse.aether.repository.RemoteRepository;
import org.eclipse.aether.resolution.DependencyRequest;
import org.eclipse.aether.resolution.DependencyResolutionException;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * The training JVM's classpath: the plugin with its dependencies (the engine and DL4J), an SLF4J binding so DL4J's
 * logs reach the build log, and the chosen ND4J backend. The CPU backend and the binding are the plugin's own
 * dependencies (so Maven resolves them with the plugin, and go-offline caches them); CUDA is resolved from the
 * repositories on demand, since its natives are large ({@code finetune:go-offline -Dfinetune.backend=cuda} caches it).
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

    List<Path> build(Artifact pluginArtifact, List<Artifact> pluginDependencies, String backend, String classifier)
            throws MojoExecutionException {
        List<Path> classpath = new ArrayList<>();
        classpath.add(pluginArtifact.getFile().toPath());
        String nd4jVersion = null;
        boolean hasBinding = false;
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
            if (a.getFile() != null) {
                classpath.add(a.getFile().toPath());
            }
        }
        if (!hasBinding) {
            throw new MojoExecutionException("The plugin's dependencies lack org.slf4j:slf4j-simple, the training JVM's"
                    + " logger; the plugin's POM or its resolution is broken");
        }
        if (backend.equals("cpu")) {
            return classpath; // everything comes with the plugin: a CI cache made by dependency:go-offline is complete
        }
        List<String> extra = new ArrayList<>();
        if (backend.equals("cuda")) {
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

    private List<Path> resolve(List<String> coordinates) throws MojoExecutionException {
        CollectRequest collect = new CollectRequest();
        for (String c : coordinates) {
            collect.addDependency(new Dependency(new DefaultArtifact(c), "runtime"));
        }
        collect.setRepositories(repositories);
        try {
            return repositorySystem.resolveDependencies(session, new DependencyRequest(collect, null))
                    .getArtifactResults().stream()
                    .map(r -> r.getArtifact().getFile().toPath())
                    .toList();
        } catch (DependencyResolutionException e) {
            throw new MojoExecutionException("Cannot resolve the training JVM's classpath " + coordinates
                    + (session.isOffline() ? " in offline mode; run once online to fetch them" : "") + ": " + e.getMessage(), e);
        }
    }
}
