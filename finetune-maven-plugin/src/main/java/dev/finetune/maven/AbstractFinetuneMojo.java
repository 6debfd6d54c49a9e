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

import dev.finetune.engine.model.BaseInspector;
import dev.finetune.engine.data.DatasetSource;
import dev.finetune.engine.fingerprint.Fingerprint;
import dev.finetune.engine.fingerprint.InputRecord;
import dev.finetune.engine.fork.Faults;
import dev.finetune.engine.layout.OutputFiles;
import dev.finetune.engine.layout.OutputLock;
import dev.finetune.engine.layout.ProjectPaths;
import dev.finetune.engine.report.AtomicFiles;
import dev.finetune.spec.CanonicalSpec;

import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/** What every goal shares: the spec, the output directory, the skip and force flags, the model's classifier. */
abstract class AbstractFinetuneMojo extends AbstractMojo {

    @Parameter(defaultValue = "${project}", readonly = true, required = true)
    protected MavenProject project;

    /** This goal's inspector, when the project has none to share (see {@link #baseInspector()}). */
    private final BaseInspector ownInspector = new BaseInspector();

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

    /**
     * Classifier of the model zip in projects of other packagings than {@code model} (jar, pom), which attach it;
     * consumers ask for {@code <type>zip</type><classifier>model</classifier>}. Projects with
     * {@code <packaging>model</packaging>} publish the zip as their main artifact, without classifier. Used by
     * {@code package} (to attach) and {@code diff} (to find the baseline); declared here once for both.
     */
    @Parameter(property = "finetune.classifier", defaultValue = "model", required = true)
    protected String classifier;

    /**
     * Allow the spec's paths to be absolute, to contain {@code ..} or to lead out of the project through a symbolic
     * link. Only here (POM or command line): the spec cannot allow it itself, since a pull request edits the spec.
     */
    @Parameter(property = "finetune.allowPathsOutsideProject", defaultValue = "false")
    protected boolean allowPathsOutsideProject;

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
            skipped();
            return;
        }
        if (!locksOutput()) {
            removeLeftovers();
            run();
            return;
        }
        // a goal that writes results (even finetune:layers extracts a base.entry there) holds the lock meanwhile
        try (OutputLock lock = lockOutput()) {
            removeLeftovers();
            run();
        } catch (IOException e) {
            throw new MojoExecutionException("Cannot release " + outputDirectory.toPath().resolve(OutputFiles.BUILD_LOCK)
                    + ": " + e.getMessage(), e);
        }
    }

    protected abstract String goal();

    /** Whether this goal takes the output directory's lock ({@link OutputLock}) while it runs. */
    protected boolean locksOutput() {
        return true;
    }

    /**
     * The output directory's lock, waited for when another build of this project holds it; a directory that cannot be
     * written (read-only target/, full disk) fails here, before any work, naming the path.
     */
    private OutputLock lockOutput() throws MojoFailureException, MojoExecutionException {
        Path out = outputDirectory.toPath().toAbsolutePath();
        try {
            return OutputLock.acquire(out, "finetune:" + goal() + " of " + project.getGroupId() + ":" + project.getArtifactId(),
                    getLog()::info);
        } catch (IOException e) {
            Optional<String> fault = Faults.describe(e, out, Optional.empty());
            if (fault.isPresent()) {
                throw new MojoFailureException(fault.get()); // no cause: Maven would append its message
            }
            throw new MojoExecutionException("Cannot lock the output directory " + out + ": " + e.getMessage(), e);
        } catch (IllegalStateException e) {
            throw new MojoFailureException(e.getMessage(), e);
        }
    }

    /** Half-written files of a run that was killed (SIGKILL leaves them): removed before this one starts. */
    private void removeLeftovers() throws MojoExecutionException {
        try {
            int removed = AtomicFiles.removeLeftovers(outputDirectory.toPath());
            if (project.getBuild() != null && project.getBuild().getDirectory() != null) {
                removed += AtomicFiles.removeLeftovers(Path.of(project.getBuild().getDirectory()));
            }
            if (removed > 0) {
                getLog().info("Removed " + removed + " half-written file(s) left by an interrupted earlier run");
            }
        } catch (IOException e) {
            throw new MojoExecutionException("Cannot clean up half-written files: " + e.getMessage(), e);
        }
    }

    protected abstract void run() throws MojoExecutionException, MojoFailureException;

    /** Called instead of {@link #run()} when the goal is skipped: what a skipped goal still owes the build. */
    protected void skipped() throws MojoExecutionException, MojoFailureException {
    }

    /** A goal's own skip flags, besides {@code finetune.skip}. */
    protected boolean skipGoal() {
        return false;
    }

    /** The spec's paths as files of the project, links out of it refused unless {@link #allowPathsOutsideProject}. */
    protected ProjectPaths projectPaths() {
        return new ProjectPaths(baseDir(), allowPathsOutsideProject);
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

    /** The classifiers this project's model zip may have, preferred first: none for packaging {@code model}. */
    protected List<String> modelClassifiers() {
        return "model".equals(project.getPackaging()) ? List.of("", classifier) : List.of(classifier, "");
    }

    /** The base model file, resolved through Maven when the spec names it by coordinates. */
    protected BaseModelResolver.ResolvedBase resolveBase(FinetuneSpec parsed) throws MojoFailureException, MojoExecutionException {
        return resolver().resolve(parsed);
    }

    private BaseModelResolver resolver() {
        return new BaseModelResolver(repositorySystem, repositorySession, project, projectPaths(),
                outputDirectory.toPath().toAbsolutePath(), baseInspector());
    }

    /**
     * The build's base inspector: kept in the project's context, so validate, compile, layers and the other goals of
     * one build recognise and inspect the base once between them (a Keras .h5 took about a second each time). A
     * context value of another class loader's BaseInspector (another plugin realm) is not shared.
     */
    protected BaseInspector baseInspector() {
        if (project == null) {
            return ownInspector;
        }
        Object shared = project.getContextValue(BaseInspector.class.getName());
        if (shared instanceof BaseInspector inspector) {
            return inspector;
        }
        project.setContextValue(BaseInspector.class.getName(), ownInspector);
        return ownInspector;
    }

    /**
     * Tool settings that decide this goal's result besides the spec and the files: the plugin version here; goals
     * that train add DL4J's version, the backend and thread counts.
     */
    protected String settings() {
        return "plugin=" + plugin.getVersion();
    }

    /**
     * What decides this goal's result: the resolved spec (without the gates, see
     * {@link CanonicalSpec#trainingInputsYaml}), {@link #settings()}, the base model's and data's bytes.
     */
    protected Fingerprint fingerprint(FinetuneSpec parsed, BaseModelResolver.ResolvedBase base) throws MojoExecutionException {
        return fingerprint(parsed, base.source(), base.tokenizerInProject());
    }

    /**
     * @param baseSource the file the spec's base names (for a {@code base.entry}, the archive: the extracted files
     *                   follow from it and the spec)
     * @param tokenizer  an ONNX base's tokenizer.json when it is a project file of its own
     */
    private Fingerprint fingerprint(FinetuneSpec parsed, Path baseSource, Optional<String> tokenizer) throws MojoExecutionException {
        try {
            Fingerprint f = new Fingerprint()
                    // gates are checked on the metrics afterwards: changing one does not retrain
                    .text("spec", CanonicalSpec.trainingInputsYaml(parsed))
                    .text(SETTINGS_PART, settings())
                    .file(BASE_PART, baseSource);
            if (tokenizer.isPresent()) {
                f.file(TOKENIZER_PART, baseDir().resolve(tokenizer.get()));
            }
            for (String path : datasetFiles(parsed)) {
                f.file(DATA_PART + path, baseDir().resolve(path));
            }
            return f;
        } catch (IOException e) {
            throw new MojoExecutionException("Cannot read the inputs to fingerprint them: " + e.getMessage(), e);
        }
    }

    /** Names of the fingerprint's parts; a data file's is followed by its path. */
    private static final String SETTINGS_PART = "settings";
    private static final String BASE_PART = "base";
    private static final String TOKENIZER_PART = "tokenizer";
    private static final String DATA_PART = "data:";

    /** The data files as the spec writes them; creating the source initialises no ND4J in Maven's JVM. */
    private List<String> datasetFiles(FinetuneSpec parsed) {
        return DatasetSource.of(parsed.dataset(), path -> baseDir().resolve(path)).inputPaths();
    }

    /** Whether {@code marker} records this fingerprint, i.e. the step already ran on these exact inputs. */
    protected boolean upToDate(Path marker, Fingerprint fingerprint) throws MojoExecutionException {
        return !force && recordedFingerprint(marker).filter(fingerprint.value()::equals).isPresent();
    }

    /** The fingerprint a step's marker records; empty when the step has not completed. */
    protected Optional<String> recordedFingerprint(Path marker) throws MojoExecutionException {
        return readRecord(marker).map(InputRecord::fingerprint);
    }

    /**
     * Whether the raw inputs recorded in {@code marker} (spec bytes, base, data, settings) are unchanged: the quick
     * check of a no-op build, made before the spec is parsed.
     */
    protected boolean rawInputsUnchanged(Path marker) throws MojoExecutionException {
        return !force && unchanged(readRecord(marker), true);
    }

    /**
     * Whether the project's inputs recorded in {@code marker} (spec bytes, base, data files; with
     * {@code withSettings} also the tool settings, which are per goal) have the recorded hashes now.
     */
    private boolean unchanged(Optional<InputRecord> record, boolean withSettings) throws MojoExecutionException {
        if (record.isEmpty()) {
            return false;
        }
        try {
            for (InputRecord.Input input : record.get().inputs()) {
                String now = switch (input.kind()) {
                    case settings -> withSettings ? Fingerprint.sha256(settings().getBytes(StandardCharsets.UTF_8)) : input.sha256();
                    // the record must be of this spec file (finetune.spec may name another), unchanged
                    case spec -> input.reference().equals(specReference()) ? shaOrAbsent(specPath()) : ABSENT;
                    case file -> shaOrAbsent(baseDir().resolve(input.reference()));
                    case artifact -> resolver().find(input.reference())
                            .map(f -> shaOrAbsent(f)).orElse(ABSENT);
                };
                if (!now.equals(input.sha256())) {
                    return false;
                }
            }
            return true;
        } catch (UncheckedIOException e) {
            return false; // an input could not be read: the full check will say which
        }
    }

    private String specReference() {
        return baseDir().relativize(specPath()).toString();
    }

    /**
     * Fails unless {@code model.zip} is the one the last completed {@code finetune:train} wrote: the train marker exists
     * (a training that failed or was interrupted deletes it) and records this very file's SHA-256. Evaluate and
     * package consume the model, so they must not take a stale one from an earlier spec, nor a file put there by hand.
     *
     * @return the train marker's fingerprint
     */
    protected String requireTrainedModel() throws MojoFailureException, MojoExecutionException {
        Path out = outputDirectory.toPath().toAbsolutePath();
        Path model = out.resolve(OutputFiles.MODEL);
        Optional<InputRecord> trained = readRecord(out.resolve(OutputFiles.TRAIN_MARKER));
        if (trained.isEmpty()) {
            throw new MojoFailureException(model + " is not the result of a completed finetune:train (the last training failed,"
                    + " was interrupted, or never ran): run the build from `compile` (e.g. `mvn package`) so that it trains");
        }
        String reference = baseDir().relativize(model).toString();
        Optional<String> recorded = trained.get().inputs().stream().filter(i -> i.reference().equals(reference))
                .map(InputRecord.Input::sha256).findFirst();
        if (recorded.isEmpty() || !recorded.get().equals(shaOrAbsent(model))) {
            throw new MojoFailureException(model + " is not the file finetune:train wrote (its SHA-256 differs from the one the"
                    + " training recorded" + (recorded.isEmpty() ? ", or that training's plugin did not record one" : "")
                    + "): retrain with `mvn package -Dfinetune.force`");
        }
        return trained.get().fingerprint();
    }

    /**
     * For goals that cannot recompute the training fingerprint (it includes the training settings, which only the
     * training goals have): fails unless the spec file, base and data are still those the model was trained on.
     */
    protected void requireTrainedOnCurrentInputs() throws MojoFailureException, MojoExecutionException {
        Optional<InputRecord> trained = readRecord(outputDirectory.toPath().toAbsolutePath().resolve(OutputFiles.TRAIN_MARKER));
        if (!unchanged(trained, false)) {
            throw new MojoFailureException("The spec, base or data changed since " + OutputFiles.MODEL + " was trained: run the"
                    + " build from `compile` (e.g. `mvn package`) so that finetune:train retrains or confirms the model");
        }
    }

    /** Recorded for a file that does not exist, e.g. metrics.json when evaluation was skipped. */
    private static final String ABSENT = "absent";

    private static String shaOrAbsent(Path file) {
        try {
            // a folder is an image dataset, hashed as a tree of files
            return Files.isRegularFile(file) || Files.isDirectory(file) ? Fingerprint.sha256(file) : ABSENT;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Records that a step completed on these inputs; written last, so a failed run never looks complete. */
    protected void writeRecord(Path marker, Fingerprint fingerprint, FinetuneSpec parsed, BaseModelResolver.ResolvedBase base)
            throws MojoExecutionException {
        writeRecord(marker, fingerprint, parsed, base, List.of());
    }

    /** As above, also recording {@code moreFiles} (results of earlier steps, outputs) as inputs. */
    protected void writeRecord(Path marker, Fingerprint fingerprint, FinetuneSpec parsed, BaseModelResolver.ResolvedBase base,
                               List<Path> moreFiles) throws MojoExecutionException {
        // the settings, base and data were hashed for the fingerprint just now: reuse those hashes, not the files
        Map<String, String> hashed = fingerprint.parts();
        try {
            List<InputRecord.Input> inputs = new ArrayList<>();
            inputs.add(new InputRecord.Input(InputRecord.Kind.settings, hashed.get(SETTINGS_PART), "-"));
            inputs.add(new InputRecord.Input(InputRecord.Kind.spec, Fingerprint.sha256(specPath()), specReference()));
            if (base.coordinates().isPresent()) {
                inputs.add(new InputRecord.Input(InputRecord.Kind.artifact, hashed.get(BASE_PART), base.coordinates().get()));
            } else {
                inputs.add(new InputRecord.Input(InputRecord.Kind.file, hashed.get(BASE_PART), parsed.base().path().orElseThrow()));
            }
            if (base.tokenizerInProject().isPresent()) {
                inputs.add(new InputRecord.Input(InputRecord.Kind.file, hashed.get(TOKENIZER_PART), base.tokenizerInProject().get()));
            }
            for (String path : datasetFiles(parsed)) {
                inputs.add(new InputRecord.Input(InputRecord.Kind.file, hashed.get(DATA_PART + path), path));
            }
            for (Path file : moreFiles) {
                inputs.add(new InputRecord.Input(InputRecord.Kind.file, shaOrAbsent(file),
                        baseDir().relativize(file.toAbsolutePath()).toString()));
            }
            AtomicFiles.write(marker, new InputRecord(fingerprint.value(), inputs).format().getBytes(StandardCharsets.UTF_8));
        } catch (IOException | UncheckedIOException e) {
            throw new MojoExecutionException("Cannot write " + marker + ": " + e.getMessage(), e);
        }
    }

    private static Optional<InputRecord> readRecord(Path marker) throws MojoExecutionException {
        try {
            return Files.isRegularFile(marker) ? InputRecord.parse(Files.readString(marker)) : Optional.empty();
        } catch (IOException e) {
            throw new MojoExecutionException("Cannot read " + marker + ": " + e.getMessage(), e);
        }
    }

    /** {@code 1 problem}, {@code 3 problems}. */
    protected static String count(int problems) {
        return problems + " problem" + (problems == 1 ? "" : "s");
    }

    protected FinetuneSpec parseSpec() throws MojoFailureException {
        try {
            return new SpecParser(allowPathsOutsideProject).parse(specPath(), specDisplayName());
        } catch (SpecException e) {
            // each problem once, in the log; the failure line Maven repeats at the end stays one line
            e.problems().forEach(p -> getLog().error(p.toString()));
            throw new MojoFailureException("Invalid fine-tuning spec " + specDisplayName() + ": " + count(e.problems().size())
                    + ", listed above");
        }
    }
}
