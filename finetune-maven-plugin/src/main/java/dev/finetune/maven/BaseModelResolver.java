package dev.finetune.maven;

import dev.finetune.engine.UserInputException;
import dev.finetune.engine.fingerprint.Fingerprint;
import dev.finetune.engine.layout.ProjectPaths;
import dev.finetune.spec.FinetuneSpec;
import org.apache.maven.plugin.MojoExecutionException;
import org.apache.maven.plugin.MojoFailureException;
import org.apache.maven.project.MavenProject;
import org.eclipse.aether.RepositorySystem;
import org.eclipse.aether.RepositorySystemSession;
import org.eclipse.aether.artifact.Artifact;
import org.eclipse.aether.artifact.DefaultArtifact;
import org.eclipse.aether.resolution.ArtifactRequest;
import org.eclipse.aether.resolution.ArtifactResolutionException;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;

/**
 * Finds the base model file a spec names: a path in the project, or Maven coordinates resolved like any dependency
 * (from the reactor when the base module was packaged in this build, else the local repository, else the project's
 * remote repositories unless offline). Checks the file against {@code base.sha256} when the spec gives one.
 */
final class BaseModelResolver {

    private final RepositorySystem repositorySystem;
    private final RepositorySystemSession session;
    private final MavenProject project;
    private final ProjectPaths paths;

    BaseModelResolver(RepositorySystem repositorySystem, RepositorySystemSession session, MavenProject project, ProjectPaths paths) {
        this.repositorySystem = repositorySystem;
        this.session = session;
        this.project = project;
        this.paths = paths;
    }

    /** The base model as used by a build. {@code coordinates} is empty for a base given by path. */
    record ResolvedBase(Path file, Optional<String> coordinates) {
    }

    ResolvedBase resolve(FinetuneSpec spec) throws MojoFailureException, MojoExecutionException {
        FinetuneSpec.BaseSpec base = spec.base();
        ResolvedBase resolved;
        if (base.path().isPresent()) {
            try {
                resolved = new ResolvedBase(paths.resolve(base.path().get()), Optional.empty());
            } catch (UserInputException e) {
                throw new MojoFailureException(spec.locate("base.path") + ": " + e.getMessage());
            }
        } else {
            Artifact artifact = modelArtifact(base.artifact().orElseThrow());
            resolved = new ResolvedBase(resolveArtifact(artifact, spec), Optional.of(base.artifact().get()));
        }
        if (base.sha256().isPresent()) {
            verifyChecksum(resolved.file(), base.sha256().get(), spec);
        }
        return resolved;
    }

    /** The file of a model artifact, or empty when it cannot be resolved (no message: callers fall back). */
    Optional<Path> find(String coordinates) {
        try {
            return Optional.of(fileOf(modelArtifact(coordinates)));
        } catch (ArtifactResolutionException | IllegalArgumentException e) {
            return Optional.empty();
        }
    }

    /** {@code groupId:artifactId:version[:classifier]} of a model zip, as aether names it. */
    static Artifact modelArtifact(String coordinates) {
        String[] p = coordinates.split(":");
        return new DefaultArtifact(p[0], p[1], p.length > 3 ? p[3] : "", "zip", p[2]);
    }

    private Path resolveArtifact(Artifact artifact, FinetuneSpec spec) throws MojoFailureException {
        try {
            return fileOf(artifact);
        } catch (ArtifactResolutionException e) {
            String where = spec.locate("base.artifact") + ": `base.artifact` " + artifact + " cannot be resolved";
            String hint = session.isOffline()
                    ? "Maven is offline (-o) and the local repository " + session.getLocalRepository().getBasedir()
                    + " does not hold it: install the base model first (`mvn install` in its project, or build its module"
                    + " in the same reactor with -am), or run without -o"
                    : "Is it installed or deployed? In a reactor, declare it as a <dependency> (type zip) of this module"
                    + " so Maven builds it first";
            throw new MojoFailureException(where + ". " + hint + ".\n" + e.getMessage(), e);
        }
    }

    private Path fileOf(Artifact artifact) throws ArtifactResolutionException {
        return repositorySystem.resolveArtifact(session, new ArtifactRequest(artifact, project.getRemoteProjectRepositories(), null))
                .getArtifact().getFile().toPath();
    }

    private static void verifyChecksum(Path file, String expected, FinetuneSpec spec)
            throws MojoFailureException, MojoExecutionException {
        if (!Files.isRegularFile(file)) {
            return; // reported by validation, with the spec position
        }
        String actual;
        try {
            actual = Fingerprint.sha256(file);
        } catch (IOException e) {
            throw new MojoExecutionException("Cannot read " + file + ": " + e.getMessage(), e);
        }
        if (!actual.equals(expected)) {
            throw new MojoFailureException(spec.locate("base.sha256") + ": the base model " + file + " has SHA-256 " + actual
                    + " but `base.sha256` expects " + expected + "; the file changed or is not the model the spec was written for");
        }
    }
}
