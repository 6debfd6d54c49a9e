package dev.finetune.maven;

import dev.finetune.spec.FinetuneSpec;
import org.apache.maven.plugin.MojoExecutionException;
import org.apache.maven.plugin.MojoFailureException;
import org.apache.maven.plugins.annotations.LifecyclePhase;
import org.apache.maven.plugins.annotations.Mojo;

import dev.finetune.engine.inspect.InputChecks;

import java.util.List;
import java.util.Locale;

/**
 * Checks the spec, then the spec against its real inputs: the base model's configuration (not its weights), frozen
 * layers and head against it, the dataset against the declared columns. Loads no ND4J, so a bad spec fails in a
 * second, before any training starts.
 */
@Mojo(name = "validate", defaultPhase = LifecyclePhase.VALIDATE, threadSafe = true)
public class ValidateMojo extends AbstractFinetuneMojo {

    @Override
    protected String goal() {
        return "validate";
    }

    @Override
    protected void run() throws MojoFailureException, MojoExecutionException {
        long started = System.nanoTime();
        FinetuneSpec parsed = parseSpec();
        BaseModelResolver.ResolvedBase base = resolveBase(parsed);
        List<String> problems = new InputChecks(parsed, p -> baseDir().resolve(p).normalize(), base.file()).problems();
        if (!problems.isEmpty()) {
            problems.forEach(getLog()::error);
            throw new MojoFailureException("The spec " + specDisplayName() + " does not fit its inputs ("
                    + problems.size() + " problem" + (problems.size() == 1 ? "" : "s") + "):\n" + String.join("\n", problems));
        }
        getLog().info(String.format(Locale.ROOT, "Spec %s is valid against its inputs (base %s, %d gate(s)) in %d ms",
                specDisplayName(), parsed.base(), parsed.evaluation().gates().size(), (System.nanoTime() - started) / 1_000_000));
    }
}
