package dev.finetune.engine.train;

import dev.finetune.engine.UserInputException;
import dev.finetune.engine.report.SpecValues;

import java.util.Locale;
import java.util.OptionalDouble;

/**
 * The loss became NaN or infinite: training cannot recover, and a model with such parameters must never be written.
 * Almost always a learning rate too high for the data's scale; the message says where it happened and what to lower.
 */
public final class TrainingDiverged extends UserInputException {

    TrainingDiverged(String run, int epoch, int batch, double loss, OptionalDouble lastFinite, String lastFiniteAt,
                     double learningRate) {
        super(String.format(Locale.ROOT, "%s diverged at epoch %d, batch %d: the loss is %s%s; lower `training.learningRate`"
                        + " (now %s), or scale the features (`dataset.normalize`)", run, epoch, batch, loss,
                lastFinite.isPresent() ? String.format(Locale.ROOT, " (last finite loss %.4f, %s)", lastFinite.getAsDouble(),
                        lastFiniteAt) : " from the first batch on", SpecValues.render(learningRate)));
    }
}
