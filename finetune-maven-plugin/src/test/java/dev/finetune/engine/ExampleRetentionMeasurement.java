package dev.finetune.engine;

import dev.finetune.engine.event.EventSink;
import dev.finetune.engine.job.FinetuneJob;
import dev.finetune.engine.job.JobOptions;
import dev.finetune.engine.report.MetricsReport;
import dev.finetune.engine.report.RetentionReport;
import dev.finetune.engine.report.RunInfo;
import dev.finetune.spec.FinetuneSpec;
import dev.finetune.spec.Metric;
import dev.finetune.spec.SpecParser;
import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The README's retention table: the bundled example (MNIST LeNet base, UCI digits 5-9) fine-tuned in-process with its
 * own spec, optionally with nothing frozen ({@code -Dfreeze=none}) or another learning rate ({@code -Dlr=0.01}); the
 * MNIST test digits scored before and after. Not part of the build (the name matches no surefire pattern):
 * {@code mvn -pl finetune-spec-schema,finetune-maven-plugin test -Dtest=ExampleRetentionMeasurement -Dfreeze=none -Dlr=0.01};
 * {@code -Dstages=two} adds the README's second stage ({@link #TWO_STAGES}); {@code -Dstages=decay} the same stage
 * with {@code layerLearningRateDecay: 0.5} instead of conv2's own rate.
 */
class ExampleRetentionMeasurement {

    /** The README's two-stage spec: the example's own training, then the top convolution block unfrozen. */
    static final String TWO_STAGES = """
              stages:
                - { }
                - freeze: { upTo: pool1 }
                  learningRate: 0.0001
                  epochs: 20
                  patience: 5
                  layerLearningRates: [{ layers: conv2, learningRate: 0.00003 }]
            """;

    @Test
    void measure() throws Exception {
        Path example = Path.of("../it/example/digits-5to9").toAbsolutePath().normalize();
        Path base = example.resolve("../mnist-lenet/mnist-lenet.zip").normalize();
        String yaml = Files.readString(example.resolve("finetune.yaml"))
                .replace("artifact: dev.finetune.examples:mnist-lenet:1.0.0", "path: ../mnist-lenet/mnist-lenet.zip")
                .replace("compareWithScratch: true", "compareWithScratch: false")
                .replace("learningRate: 0.001", "learningRate: " + System.getProperty("lr", "0.001"));
        if ("none".equals(System.getProperty("freeze"))) {
            yaml = yaml.replaceAll("freeze:\\n  upTo: pool2[^\\n]*\\n", "");
        }
        if ("two".equals(System.getProperty("stages"))) {
            // the example's training as stage 1, then conv2 unfrozen at a 10x lower rate (and a 30x lower one for conv2)
            yaml = yaml.replace("  seed: 42\n", "  seed: 42\n" + TWO_STAGES);
        }
        if ("decay".equals(System.getProperty("stages"))) {
            // the same second stage with the rates by depth: fc at 0.0001 x 0.5, conv2 (two layers with parameters down) x 0.25
            yaml = yaml.replace("  seed: 42\n", "  seed: 42\n" + TWO_STAGES.replace(
                    "layerLearningRates: [{ layers: conv2, learningRate: 0.00003 }]", "layerLearningRateDecay: 0.5"));
        }
        FinetuneSpec spec = new SpecParser(true).parse("finetune.yaml", yaml);
        FinetuneJob job = new FinetuneJob(spec, example, base, Files.createTempDirectory("example-retention"),
                data -> new RunInfo("test", "test", 2, 1, "passive", "17", "test", data.classes()), EventSink.toStdout(),
                JobOptions.DEFAULTS);
        job.train();
        MetricsReport m = job.evaluate();
        RetentionReport r = m.retention().orElseThrow();
        System.out.printf("frozen %s, lr %s: test accuracy %.4f (macro-F1 %.4f); MNIST accuracy %.4f -> %.4f (drop %.4f),"
                        + " loss %.4f -> %.4f%n", m.training().frozenLayers(), System.getProperty("lr", "0.001"),
                m.test().accuracy(), m.test().macroF1(), r.before().accuracy(), r.after().accuracy(),
                r.drop().get(Metric.accuracy), r.before().loss(), r.after().loss());
    }
}
