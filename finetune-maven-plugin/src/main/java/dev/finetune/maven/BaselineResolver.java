package dev.finetune.maven;

import org.apache.maven.artifact.versioning.ComparableVersion;
import org.apache.maven.plugin.MojoFailureException;
import org.eclipse.aether.RepositorySystem;
import org.eclipse.aether.RepositorySystemSession;
import org.eclipse.aether.artifact.Artifact;
import org.eclipse.aether.artifact.DefaultArtifact;
import org.eclipse.aether.repository.RemoteRepository;
import org.eclipse.aether.resolution.ArtifactRequest;
import org.eclipse.aether.resolution.ArtifactResolutionException;
import org.eclipse.aether.resolution.VersionRangeRequest;
import org.eclipse.aether.resolution.VersionRangeResolutionException;
import org.eclipse.aether.version.Version;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.function.Consumer;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Finds the model zip to compare a build with, through Maven's own resolver: the repositories the project knows,
 * the local one included, so a CI cache or {@code -o} is enough. By default the newest release of the same
 * artifact below the current version; or given coordinates; or a file.
 */
final class BaselineResolver {

    /** {@code group:artifact:version} or {@code group:artifact:version:classifier}. */
    private static final Pattern COORDINATES = Pattern.compile("([^:/\\\\\\s]+):([^:/\\\\\\s]+):([^:/\\\\\\s]+)(?::([^:/\\\\\\s]*))?");

    /** Where a baseline came from: a short label for tables and the full source. */
    record Baseline(Path file, String label, String source) {
    }

    private final RepositorySystem system;
    private final RepositorySystemSession session;
    private final List<RemoteRepository> repositories;
    private final Consumer<String> debug;

    BaselineResolver(RepositorySystem system, RepositorySystemSession session, List<RemoteRepository> repositories,
                     Consumer<String> debug) {
        this.system = system;
        this.session = session;
        this.repositories = repositories;
        this.debug = debug;
    }

    /**
     * @param requested   {@code finetune.baseline}: coordinates, a path (relative to {@code baseDir}), or null
     * @param classifiers the classifiers the model zip may have, preferred first ("" for none)
     */
    Optional<Baseline> resolve(String requested, Path baseDir, String groupId, String artifactId, String currentVersion,
                               List<String> classifiers) throws MojoFailureException {
        if (requested == null || requested.isBlank()) {
            return newestRelease(groupId, artifactId, currentVersion, classifiers);
        }
        Path file = baseDir.resolve(requested.trim());
        Matcher c = COORDINATES.matcher(requested.trim());
        if (Files.isRegularFile(file) || !c.matches()) {
            if (!Files.isRegularFile(file)) {
                throw new MojoFailureException("finetune.baseline `" + requested + "` is neither group:artifact:version[:classifier] "
                        + "nor an existing model zip (" + file + ")");
            }
            // relative to the project, so a PR comment does not show the CI machine's directories
            Path shown = file.normalize().startsWith(baseDir) ? baseDir.relativize(file.normalize()) : file;
            return Optional.of(new Baseline(file, file.getFileName().toString(), shown.toString()));
        }
        List<String> tried = c.group(4) != null ? List.of(c.group(4)) : classifiers;
        for (String classifier : tried) {
            Optional<Path> found = fetch(new DefaultArtifact(c.group(1), c.group(2), classifier, "zip", c.group(3)));
            if (found.isPresent()) {
                return Optional.of(new Baseline(found.get(), c.group(3), coordinates(c.group(1), c.group(2), classifier, c.group(3))));
            }
        }
        throw new MojoFailureException("finetune.baseline " + requested + ": no model zip (classifier "
                + String.join(" or ", tried.stream().map(x -> x.isEmpty() ? "none" : x).toList()) + ") in "
                + (session.isOffline() ? "the local repository (offline)" : "the local or remote repositories"));
    }

    private Optional<Baseline> newestRelease(String groupId, String artifactId, String currentVersion, List<String> classifiers) {
        for (String classifier : classifiers) {
            Artifact range = new DefaultArtifact(groupId, artifactId, classifier, "zip", "[0,)");
            List<String> versions;
            try {
                versions = system.resolveVersionRange(session, new VersionRangeRequest(range, repositories, null))
                        .getVersions().stream().map(Version::toString).toList();
            } catch (VersionRangeResolutionException e) {
                debug.accept("No versions of " + groupId + ":" + artifactId + ": " + e.getMessage());
                continue;
            }
            for (String version : candidates(versions, currentVersion)) {
                Optional<Path> found = fetch(new DefaultArtifact(groupId, artifactId, classifier, "zip", version));
                if (found.isPresent()) {
                    return Optional.of(new Baseline(found.get(), version, coordinates(groupId, artifactId, classifier, version)));
                }
            }
        }
        return Optional.empty();
    }

    /**
     * Releases older than {@code current}, newest first: snapshots are work in progress, and versions at or above
     * this one are not its past (a later release seen from a maintenance branch, or this version itself).
     */
    static List<String> candidates(List<String> versions, String current) {
        // Maven's own ordering; aether's util package (GenericVersionScheme) is not exported to plugins by Maven 3.8
        ComparableVersion limit = new ComparableVersion(current);
        return versions.stream()
                .filter(v -> !v.endsWith("-SNAPSHOT") && new ComparableVersion(v).compareTo(limit) < 0)
                .sorted(Comparator.comparing(ComparableVersion::new, Comparator.reverseOrder()))
                .toList();
    }

    private Optional<Path> fetch(Artifact artifact) {
        try {
            Artifact resolved = system.resolveArtifact(session, new ArtifactRequest(artifact, repositories, null)).getArtifact();
            return Optional.of(resolved.getFile().toPath());
        } catch (ArtifactResolutionException e) {
            debug.accept("Not resolved: " + artifact + ": " + e.getMessage());
            return Optional.empty();
        }
    }

    static String coordinates(String groupId, String artifactId, String classifier, String version) {
        return groupId + ":" + artifactId + ":zip" + (classifier.isEmpty() ? "" : ":" + classifier) + ":" + version;
    }
}
