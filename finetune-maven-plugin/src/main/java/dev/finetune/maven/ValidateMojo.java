package dev.finetune.maven;

import dev.finetune.spec.FinetuneSpec;
import org.apache.maven.plugin.MojoFailureException;
import org.apache.maven.plugins.annotations.LifecyclePhase;
import org.apache.maven.plugins.annotations.Mojo;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Checks the spec and that the files it names exist, in a second and without loading ND4J, so a bad spec
 * fails before any training starts.
 */
@Mojo(name = "validate", defaultPhase = LifecyclePhase.VALIDATE, threadSafe = true)
public class ValidateMojo extends AbstractFinetuneMojo {

    @Override
    protected String goal() {
        return "validate";
    }

    @Override
    protected void run() throws MojoFailureException {
        FinetuneSpec parsed = parseSpec();
        List<String> missing = new ArrayList<>();
        requireFile(parsed.base().path(), "base.path", missing);
        parsed.dataset().path().ifPresent(p -> requireFile(p, "dataset.path", missing));
        parsed.dataset().files().ifPresent(f -> {
            requireFile(f.train(), "dataset.files.train", missing);
            requireFile(f.validation(), "dataset.files.validation", missing);
            requireFile(f.test(), "dataset.files.test", missing);
        });
        if (!missing.isEmpty()) {
            throw new MojoFailureException(specDisplayName() + ": " + String.join("; ", missing));
        }
        getLog().info("Spec " + specDisplayName() + " is valid: base " + parsed.base().path() + ", "
                + parsed.evaluation().gates().size() + " gate(s)");
    }

    private void requireFile(String path, String key, List<String> missing) {
        Path file = baseDir().resolve(path).normalize();
        if (!Files.isRegularFile(file)) {
            missing.add("`" + key + "` names " + path + ", which does not exist (looked for " + file + ")");
        }
    }
}
