package dev.finetune.maven;

import org.apache.maven.plugin.MojoExecutionException;
import org.apache.maven.plugin.MojoFailureException;
import org.apache.maven.plugins.annotations.LifecyclePhase;
import org.apache.maven.plugins.annotations.Mojo;

/**
 * Fine-tunes the base model on the training split, selecting the best epoch on the validation split (early
 * stopping), and writes {@code model.zip} (DL4J model with its normaliser) and {@code training.json}.
 */
@Mojo(name = "train", defaultPhase = LifecyclePhase.COMPILE, threadSafe = true)
public class TrainMojo extends AbstractForkingMojo {

    @Override
    protected String goal() {
        return "train";
    }

    @Override
    protected void run() throws MojoExecutionException, MojoFailureException {
        parseSpec();
        runEngine("train");
    }
}
