package dev.finetune.maven;

import dev.finetune.engine.UserInputException;
import dev.finetune.engine.fingerprint.Fingerprint;
import dev.finetune.engine.layout.ArchiveEntries;
import dev.finetune.engine.layout.OutputFiles;
import dev.finetune.engine.layout.ProjectPaths;
import dev.finetune.engine.model.BaseInspector;
import dev.finetune.engine.onnx.Tokenizers;
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
import java.util.ArrayList;
import java.util.List;
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
    private final Path outputDir;

    /** Recognises the base once per build (a Keras .h5 takes a second to open), shared with the checks. */
    private final BaseInspector inspector;

    /** @param outputDir where a {@code base.entry} is extracted to (under {@link OutputFiles#BASE_EXTRACTED_DIR}) */
    BaseModelResolver(RepositorySystem repositorySystem, RepositorySystemSession session, MavenProject project, ProjectPaths paths,
                      Path outputDir, BaseInspector inspector) {
        this.inspector = inspector;
        this.repositorySystem = repositorySystem;
        this.session = session;
        this.project = project;
        this.paths = paths;
        this.outputDir = outputDir;
    }

    /**
     * The base model as used by a build.
     *
     * @param file        the model file to read: the file the spec names, or the entry extracted from it
     * @param coordinates for a base given by coordinates, its {@link #reference} (coordinates and extension); empty
     *                    for a base given by path
     * @param source      the file the spec names (path or resolved artifact): what {@code base.sha256} checks and the
     *                    fingerprint hashes (an extracted entry and tokenizer follow from it and the spec)
     * @param tokenizer   an ONNX text encoder's tokenizer.json, when one was found
     * @param tokenizerInProject the tokenizer's path in the project when it is a project file of its own (hashed
     *                    apart from the source); empty when it comes from the source's archive or is absent
     */
    record ResolvedBase(Path file, Optional<String> coordinates, Path source, Optional<Path> tokenizer,
                        Optional<String> tokenizerInProject) {
        ResolvedBase(Path file, Optional<String> coordinates) {
            this(file, coordinates, file, Optional.empty(), Optional.empty());
        }
    }

    ResolvedBase resolve(FinetuneSpec spec) throws MojoFailureException, MojoExecutionException {
        FinetuneSpec.BaseSpec base = spec.base();
        Path source;
        if (base.path().isPresent()) {
            try {
                source = paths.resolve(base.path().get());
            } catch (UserInputException e) {
                throw new MojoFailureException(spec.locate("base.path") + ": " + e.getMessage());
            }
        } else {
            Artifact artifact = modelArtifact(base.artifact().orElseThrow(), base.artifactExtension());
            source = resolveArtifact(artifact, spec);
        }
        Optional<String> coordinates = base.artifact().map(a -> reference(a, base.artifactExtension()));
        if (base.sha256().isPresent()) {
            verifyChecksum(source, base.sha256().get(), spec);
        }
        if (!Files.isRegularFile(source)) {
            return new ResolvedBase(source, coordinates); // reported by validation, with the spec position
        }
        try {
            if (base.entry().isPresent()) {
                return fromArchive(spec, source, coordinates);
            }
            return beside(spec, source, coordinates);
        } catch (UserInputException e) {
            String key = e.getMessage().contains("`base.tokenizer`") ? "base.tokenizer" : base.entry().isPresent() ? "base.entry" : base.key();
            throw new MojoFailureException(spec.locate(key) + ": " + e.getMessage());
        }
    }

    /**
     * {@code base.entry} extracted from the archive into a folder named by the archive's hash (so a changed archive is
     * extracted anew), with the tokenizer from the same archive when the entry is an ONNX model.
     */
    private ResolvedBase fromArchive(FinetuneSpec spec, Path archive, Optional<String> coordinates) throws MojoExecutionException {
        FinetuneSpec.BaseSpec base = spec.base();
        Path folder;
        try {
            folder = outputDir.resolve(OutputFiles.BASE_EXTRACTED_DIR).resolve(Fingerprint.sha256(archive).substring(0, 16));
        } catch (IOException e) {
            throw new MojoExecutionException("Cannot read " + archive + ": " + e.getMessage(), e);
        }
        Path model = ArchiveEntries.extract(archive, base.entry().get(), folder, "base.entry");
        Optional<Path> tokenizer = Optional.empty();
        if (isOnnx(model, base)) {
            Optional<String> name = base.tokenizer().isPresent() ? base.tokenizer()
                    : Tokenizers.beside(base.entry().get(), ArchiveEntries.names(archive));
            if (name.isPresent()) {
                Path tokenizerFolder = folder.resolve("tokenizer");
                tokenizer = Optional.of(ArchiveEntries.extract(archive, name.get(), tokenizerFolder, "base.tokenizer"));
            }
        }
        return new ResolvedBase(model, coordinates, archive, tokenizer, Optional.empty());
    }

    /** A model file as it is, with an ONNX model's tokenizer named by {@code base.tokenizer} or found beside it. */
    private ResolvedBase beside(FinetuneSpec spec, Path model, Optional<String> coordinates) {
        FinetuneSpec.BaseSpec base = spec.base();
        if (!isOnnx(model, base)) {
            return new ResolvedBase(model, coordinates);
        }
        if (base.tokenizer().isPresent()) {
            Path tokenizer = paths.resolve(base.tokenizer().get());
            return new ResolvedBase(model, coordinates, model, Optional.of(tokenizer), base.tokenizer());
        }
        if (coordinates.isPresent()) {
            return new ResolvedBase(model, coordinates); // nothing beside an artifact in a repository is the model's
        }
        List<String> siblings = new ArrayList<>();
        try (var files = Files.list(model.toAbsolutePath().getParent())) {
            files.forEach(f -> siblings.add(f.getFileName().toString()));
        } catch (IOException e) {
            return new ResolvedBase(model, coordinates);
        }
        Optional<String> name = Tokenizers.beside(model.getFileName().toString(), siblings);
        if (name.isEmpty()) {
            return new ResolvedBase(model, coordinates);
        }
        String inProject = Path.of(base.path().orElseThrow()).resolveSibling(name.get()).toString();
        return new ResolvedBase(model, coordinates, model, Optional.of(model.resolveSibling(name.get())), Optional.of(inProject));
    }

    /** Whether the model is an ONNX body; a file of no known format is not (validation says what it is, located). */
    private boolean isOnnx(Path model, FinetuneSpec.BaseSpec base) {
        try {
            return inspector.isOnnx(model, base);
        } catch (UserInputException e) {
            return false;
        }
    }

    /** The file of a model artifact by its {@link #reference}, or empty when it cannot be resolved (callers fall back). */
    Optional<Path> find(String reference) {
        try {
            int at = reference.indexOf('@');
            return Optional.of(fileOf(at < 0 ? modelArtifact(reference, "zip")
                    : modelArtifact(reference.substring(0, at), reference.substring(at + 1))));
        } catch (ArtifactResolutionException | IllegalArgumentException e) {
            return Optional.empty();
        }
    }

    /**
     * How a base artifact is recorded in markers: its coordinates, plus {@code @extension} unless the extension is
     * {@code zip} (so records of zip bases read as before extensions existed).
     */
    static String reference(String coordinates, String extension) {
        return extension.equals("zip") ? coordinates : coordinates + "@" + extension;
    }

    /** {@code groupId:artifactId:version[:classifier]} of a model file with this extension, as aether names it. */
    static Artifact modelArtifact(String coordinates, String extension) {
        String[] p = coordinates.split(":");
        return new DefaultArtifact(p[0], p[1], p.length > 3 ? p[3] : "", extension, p[2]);
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
                    : "Is it installed or deployed, with this extension (`base.extension`, default zip)? In a reactor,"
                    + " declare it as a <dependency> (type zip) of this module"
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
