package dev.finetune.maven;

import dev.finetune.engine.UserInputException;
import dev.finetune.engine.data.DatasetSource;
import dev.finetune.engine.data.ImageShape;
import dev.finetune.engine.inspect.LayerTable;
import dev.finetune.engine.model.BaseModelInfo;
import dev.finetune.spec.FinetuneSpec;
import org.apache.maven.plugin.MojoExecutionException;
import org.apache.maven.plugin.MojoFailureException;
import org.apache.maven.plugins.annotations.Mojo;

import java.util.OptionalInt;

/**
 * Prints the base model's layers as the spec will fine-tune them: index, name, type, output size, parameters, whether
 * each stays frozen, trains or is removed by the head, the new head's layers, and the trainable parameter count after
 * surgery. Reads the base's configuration only (no weights, no ND4J) and trains nothing:
 * {@code mvn finetune:layers}. A spec whose {@code freeze} or {@code head} does not fit the base still gets the
 * base's layers, with the reason, and fails the goal.
 */
@Mojo(name = "layers", threadSafe = true)
public class LayersMojo extends AbstractFinetuneMojo {

    @Override
    protected String goal() {
        return "layers";
    }

    @Override
    protected void run() throws MojoExecutionException, MojoFailureException {
        FinetuneSpec parsed = parseSpec();
        BaseModelResolver.ResolvedBase base = resolveBase(parsed);
        BaseModelInfo info;
        try {
            info = baseInspector().inspect(base.file(), parsed.base());
        } catch (UserInputException e) {
            throw new MojoFailureException(parsed.locate(parsed.base().key()) + ": " + e.getMessage());
        }
        OptionalInt classes;
        try {
            // inspected, not loaded: no ND4J (nor image decoding) in Maven's JVM
            DatasetSource.Inspection data = DatasetSource.of(parsed.dataset(), projectPaths()::resolve,
                    new ImageShape.BaseInput(info.inputShape(), baseInspector().format(base.file(), parsed.base()).channelsLast())).inspect(parsed::locate);
            if (!data.problems().isEmpty()) {
                throw new UserInputException(String.join("\n", data.problems()));
            }
            classes = OptionalInt.of(data.classes().size());
        } catch (UserInputException e) {
            getLog().warn("The dataset could not be read, so the new output layer's size is unknown: " + e.getMessage());
            classes = OptionalInt.empty();
        }
        LayerTable table = LayerTable.of(parsed, info, classes);
        getLog().info("Base " + parsed.base() + ": " + info.summary());
        table.lines().forEach(getLog()::info);
        if (table.problem().isPresent()) {
            throw new MojoFailureException("The spec " + specDisplayName() + " does not fit its base: " + table.problem().get());
        }
    }
}
