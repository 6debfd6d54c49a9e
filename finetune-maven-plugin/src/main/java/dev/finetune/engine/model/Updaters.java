package dev.finetune.engine.model;

import dev.finetune.spec.FinetuneSpec.Activation;
import dev.finetune.spec.FinetuneSpec.Updater;
import org.nd4j.linalg.learning.config.AdaGrad;
import org.nd4j.linalg.learning.config.Adam;
import org.nd4j.linalg.learning.config.Nadam;
import org.nd4j.linalg.learning.config.IUpdater;
import org.nd4j.linalg.learning.config.Nesterovs;
import org.nd4j.linalg.learning.config.RmsProp;
import org.nd4j.linalg.learning.config.Sgd;

/** Maps spec enums onto DL4J configuration objects. */
public final class Updaters {

    private Updaters() {
    }

    public static IUpdater of(Updater updater, double learningRate) {
        return switch (updater) {
            case adam -> new Adam(learningRate);
            case nadam -> new Nadam(learningRate);
            case sgd -> new Sgd(learningRate);
            case nesterovs -> new Nesterovs(learningRate, 0.9);
            case rmsprop -> new RmsProp(learningRate);
            case adagrad -> new AdaGrad(learningRate);
        };
    }

    public static org.nd4j.linalg.activations.Activation activation(Activation activation) {
        return switch (activation) {
            case relu -> org.nd4j.linalg.activations.Activation.RELU;
            case leakyrelu -> org.nd4j.linalg.activations.Activation.LEAKYRELU;
            case tanh -> org.nd4j.linalg.activations.Activation.TANH;
            case sigmoid -> org.nd4j.linalg.activations.Activation.SIGMOID;
            case elu -> org.nd4j.linalg.activations.Activation.ELU;
            case gelu -> org.nd4j.linalg.activations.Activation.GELU;
            case swish -> org.nd4j.linalg.activations.Activation.SWISH;
            case identity -> org.nd4j.linalg.activations.Activation.IDENTITY;
        };
    }
}
