package dev.finetune.maven;

import dev.finetune.engine.layout.OutputFiles;
import dev.finetune.spec.FinetuneSpec;
import org.apache.maven.execution.MavenSession;
import org.apache.maven.plugin.MojoExecutionException;
import org.apache.maven.plugin.MojoFailureException;
import org.apache.maven.plugins.annotations.LifecyclePhase;
import org.apache.maven.plugins.annotations.Mojo;
import org.apache.maven.plugins.annotations.Parameter;

import dev.finetune.engine.inspect.InputChecks;
import dev.finetune.engine.inspect.MemoryEstimate;
import dev.finetune.engine.inspect.SweepSize;

import dev.finetune.engine.fingerprint.Fingerprint;

import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.Optional;

/**
 * Checks the spec, then the spec against its real inputs: the base model's configuration (not its weights), frozen
 * layers and head against it, the dataset against the declared columns. Loads no ND4J, so a bad spec fails in a
 * second, before any training starts. Inputs found valid before (same fingerprint) are not checked again.
 */
@Mojo(name = "validate", defaultPhase = LifecyclePhase.VALIDATE, threadSafe = true)
public class ValidateMojo extends AbstractFinetuneMojo {


    @Parameter(defaultValue = "${session}", readonly = true)
    protected MavenSession session;

    /**
     * The training JVM's heap, as the training goals take it: a network whose parameters cannot fit (ND4J's off-heap
     * limit follows the heap) is refused here, before training.
     */
    @Parameter(property = "finetune.maxHeap", defaultValue = AbstractForkingMojo.DEFAULT_MAX_HEAP)
    protected String maxHeap;

    /** The training JVM's off-heap limit, as the training goals take it; when set, the network must fit it instead. */
    @Parameter(property = "finetune.maxOffHeap")
    protected String maxOffHeap;

    @Override
    protected String goal() {
        return "validate";
    }

    /**
     * No lock: validation writes only its marker, whole (AtomicFiles), and a spec that fails it must leave no
     * target/finetune behind (the bad-spec IT), which creating the lock file would.
     */
    @Override
    protected boolean locksOutput() {
        return false;
    }

    /** The memory limits decide whether the network fits, so a lower one checks the inputs again. */
    @Override
    protected String settings() {
        return super.settings() + " maxHeap=" + maxHeap + " maxOffHeap=" + maxOffHeap;
    }

    @Override
    protected void run() throws MojoFailureException, MojoExecutionException {
        long started = System.nanoTime();
        Path marker = outputDirectory.toPath().resolve(OutputFiles.VALIDATE_MARKER);
        if (rawInputsUnchanged(marker)) {
            logUnchanged(started);
            return;
        }
        FinetuneSpec parsed = parseSpec();
        warnIfBaseBuiltLater(parsed);
        BaseModelResolver.ResolvedBase base = resolveBase(parsed);
        // the data gates are checked here, not on the trained model: a new or tighter one must check the data again
        Optional<Fingerprint> fingerprint = readableInputs(parsed, base).map(f -> f.text("dataset.gates",
                parsed.dataset().gates().toString()));
        if (fingerprint.isPresent() && upToDate(marker, fingerprint.get())) {
            writeRecord(marker, fingerprint.get(), parsed, base); // the same inputs, written differently
            logUnchanged(started);
            return;
        }
        InputChecks.Result checked = new InputChecks(parsed, projectPaths()::resolve, base.file(), base.tokenizer(),
                Optional.of(outputDirectory.toPath().resolve(OutputFiles.DATA_CACHE_DIR)), baseInspector()).check();
        List<String> problems = new java.util.ArrayList<>(checked.problems());
        checked.base().flatMap(info -> MemoryEstimate.check(parsed, info, Optional.ofNullable(maxHeap),
                Optional.ofNullable(maxOffHeap).filter(v -> !v.isBlank()))).ifPresent(problems::add);
        if (!problems.isEmpty()) {
            problems.forEach(getLog()::error);
            throw new MojoFailureException("The spec " + specDisplayName() + " does not fit its inputs: " + count(problems.size())
                    + ", listed above");
        }
        checked.warnings().forEach(w -> getLog().warn(parsed.locate("dataset") + ": " + w));
        writeRecord(marker, fingerprint.orElseThrow(), parsed, base);
        SweepSize.warning(parsed).ifPresent(w -> getLog().warn(parsed.locate(parsed.sweep().isPresent() ? "sweep" : "training")
                + ": " + w));
        // what the base is, as the checks read it from its configuration (no weights, no ND4J)
        String baseSummary = checked.base().orElseThrow().summary();
        getLog().info(String.format(Locale.ROOT, "Spec %s is valid against its inputs (base %s: %s; %d gate(s)) in %d ms",
                specDisplayName(), parsed.base(), baseSummary, parsed.evaluation().gates().size(),
                (System.nanoTime() - started) / 1_000_000));
    }

    private void logUnchanged(long started) {
        getLog().info("Spec " + specDisplayName() + " and its inputs unchanged since they were last found valid ("
                + (System.nanoTime() - started) / 1_000_000 + " ms)");
    }

    /** The inputs' fingerprint; empty when an input cannot be read (the checks then say which and where). */
    private Optional<Fingerprint> readableInputs(FinetuneSpec parsed, BaseModelResolver.ResolvedBase base) {
        try {
            return Optional.of(fingerprint(parsed, base));
        } catch (MojoExecutionException e) {
            return Optional.empty();
        }
    }

    /**
     * A base built by a module of this reactor is only found if Maven builds that module first, which it does only
     * when this project depends on it.
     */
    private void warnIfBaseBuiltLater(FinetuneSpec parsed) {
        parsed.base().artifact().ifPresent(coordinates -> {
            String[] p = coordinates.split(":");
            boolean inReactor = session != null && session.getAllProjects() != null && session.getAllProjects().stream()
                    .anyMatch(m -> m.getGroupId().equals(p[0]) && m.getArtifactId().equals(p[1]));
            boolean declared = project.getDependencies().stream()
                    .anyMatch(d -> d.getGroupId().equals(p[0]) && d.getArtifactId().equals(p[1]));
            if (inReactor && !declared) {
                getLog().warn(parsed.locate("base.artifact") + ": the base " + coordinates + " is built by a module of this"
                        + " reactor, but " + project.getArtifactId() + " does not depend on it, so Maven may build it later:"
                        + " declare it as a <dependency> with <type>zip</type> and <scope>provided</scope>");
            }
        });
    }
}
