package dev.finetune.maven;

import dev.finetune.spec.FinetuneSpec;
import org.apache.maven.plugin.MojoExecutionException;
import org.apache.maven.plugin.MojoFailureException;
import org.apache.maven.plugins.annotations.LifecyclePhase;
import org.apache.maven.plugins.annotations.Mojo;

import dev.finetune.engine.inspect.InputChecks;

import dev.finetune.engine.packaging.Fingerprint;
import dev.finetune.engine.report.AtomicFiles;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;

/**
 * Checks the spec, then the spec against its real inputs: the base model's configuration (not its weights), frozen
 * layers and head against it, the dataset against the declared columns. Loads no ND4J, so a bad spec fails in a
 * second, before any training starts. Inputs found valid before (same fingerprint) are not checked again.
 */
@Mojo(name = "validate", defaultPhase = LifecyclePhase.VALIDATE, threadSafe = true)
public class ValidateMojo extends AbstractFinetuneMojo {

    /** Written after a successful validation: the fingerprint of the inputs found valid. */
    static final String MARKER = "validate.fingerprint";

    @Override
    protected String goal() {
        return "validate";
    }

    @Override
    protected void run() throws MojoFailureException, MojoExecutionException {
        long started = System.nanoTime();
        FinetuneSpec parsed = parseSpec();
        BaseModelResolver.ResolvedBase base = resolveBase(parsed);
        Fingerprint fingerprint = inputFingerprint(parsed, base.file());
        Path marker = outputDirectory.toPath().resolve(MARKER);
        if (upToDate(marker, fingerprint)) {
            getLog().info("Spec " + specDisplayName() + " and its inputs unchanged since they were last found valid ("
                    + (System.nanoTime() - started) / 1_000_000 + " ms)");
            return;
        }
        List<String> problems = new InputChecks(parsed, p -> baseDir().resolve(p).normalize(), base.file()).problems();
        if (!problems.isEmpty()) {
            problems.forEach(getLog()::error);
            throw new MojoFailureException("The spec " + specDisplayName() + " does not fit its inputs ("
                    + problems.size() + " problem" + (problems.size() == 1 ? "" : "s") + "):\n" + String.join("\n", problems));
        }
        try {
            AtomicFiles.write(marker, fingerprint.value().getBytes(StandardCharsets.UTF_8));
        } catch (IOException e) {
            throw new MojoExecutionException("Cannot write " + marker + ": " + e.getMessage(), e);
        }
        getLog().info(String.format(Locale.ROOT, "Spec %s is valid against its inputs (base %s, %d gate(s)) in %d ms",
                specDisplayName(), parsed.base(), parsed.evaluation().gates().size(), (System.nanoTime() - started) / 1_000_000));
    }
}
