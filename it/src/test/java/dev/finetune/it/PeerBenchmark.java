package dev.finetune.it;

import dev.finetune.engine.event.EventSink;
import dev.finetune.engine.event.JobEvent;
import dev.finetune.engine.job.FinetuneJob;
import dev.finetune.engine.job.JobOptions;
import dev.finetune.engine.layout.OutputFiles;
import dev.finetune.engine.report.AtomicFiles;
import dev.finetune.engine.report.Json;
import dev.finetune.engine.report.RunInfo;
import dev.finetune.engine.report.TrainingReport;
import dev.finetune.engine.report.TrainingTimings;
import dev.finetune.engine.train.NativeThreads;
import dev.finetune.spec.FinetuneSpec;
import dev.finetune.spec.SpecParser;
import org.deeplearning4j.nn.conf.MultiLayerConfiguration;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.layers.DenseLayer;
import org.deeplearning4j.nn.conf.layers.OutputLayer;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.nn.weights.WeightInit;
import org.deeplearning4j.util.ModelSerializer;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.learning.config.Adam;
import org.nd4j.linalg.lossfunctions.LossFunctions;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * The Java side of the side-by-side benchmark against PyTorch ({@code it/benchmarks/pytorch-peer.sh}):
 * <ul>
 * <li>{@code prepare DIR ROWS}: writes the data once (the first ROWS MNIST training digits of the repository's IDX
 * files as a CSV of 784 pixels 0..255 and the digit) and the dense base (784-256-128-10, untrained);</li>
 * <li>{@code round DIR THREADS}: one round of the three workloads, each by the plugin's engine (a {@link FinetuneJob}
 * as the training JVM runs it, per-epoch times from its {@code timings.json}) and by a plain DL4J loop doing the
 * same work ({@link PlainLoop}), with ND4J at THREADS OpenMP threads and 1 BLAS thread. Prints one line per
 * measurement: {@code RESULT workload impl threads trainRows epochSeconds...}.</li>
 * </ul>
 * Not a test: timings depend on the machine and its load; the script interleaves rounds with PyTorch's.
 */
public final class PeerBenchmark {

    static final String DATA = "mnist.csv";
    static final String MLP_BASE = "mlp-784-256-128-10.zip";
    static final int BATCH = 64;
    static final double LEARNING_RATE = 1e-3;

    /** The three workloads: the base, what is frozen, epochs per run (the first is the warm-up, not reported). */
    enum Workload {
        mlp("freeze: none", 6),
        lenet("freeze: none", 3),
        cached("freeze: { upTo: pool2 }", 8);

        final String freeze;
        final int epochs;

        Workload(String freeze, int epochs) {
            this.freeze = freeze;
            this.epochs = epochs;
        }

        Path base(Path dir, Path lenet) {
            return this == mlp ? dir.resolve(MLP_BASE) : lenet;
        }
    }

    private static final String SPEC = """
            base: { path: "%s" }
            dataset: { path: %s, normalize: image, split: { train: 0.8, validation: 0.1, test: 0.1, seed: 7, stratify: false } }
            %s
            head: { removeLayers: 1 }
            training: { updater: adam, learningRate: %s, batchSize: %d, epochs: %d, seed: 42 }
            """;

    private PeerBenchmark() {
    }

    public static void main(String[] args) throws Exception {
        Path dir = Path.of(args[1]).toAbsolutePath();
        switch (args[0]) {
            case "prepare" -> prepare(dir, Integer.parseInt(args[2]), Path.of(args[3]));
            case "round" -> round(dir, Integer.parseInt(args[2]), Path.of(args[3]).toAbsolutePath(),
                    args.length > 4 ? List.of(args[4].split(",")) : List.of());
            case "overhead" -> overhead(dir, Integer.parseInt(args[2]), Path.of(args[3]).toAbsolutePath(), Integer.parseInt(args[4]));
            default -> throw new IllegalArgumentException("expected prepare, round or overhead, not " + args[0]);
        }
    }

    private static void prepare(Path dir, int rows, Path mnist) throws Exception {
        Files.createDirectories(dir);
        DataSet all = ExampleGenerator.readMnist(mnist.resolve("train-images-idx3-ubyte.gz"), mnist.resolve("train-labels-idx1-ubyte.gz"));
        StringBuilder csv = new StringBuilder();
        float[] pixels = all.getFeatures().getRows(java.util.stream.IntStream.range(0, rows).toArray()).data().asFloat();
        int[] labels = all.getLabels().argMax(1).toIntVector();
        for (int r = 0; r < rows; r++) {
            for (int p = 0; p < 784; p++) {
                csv.append(Math.round(pixels[r * 784 + p] * 255f)).append(',');
            }
            csv.append(labels[r]).append('\n');
        }
        AtomicFiles.write(dir.resolve(DATA), csv.toString().getBytes(StandardCharsets.UTF_8));
        MultiLayerConfiguration conf = new NeuralNetConfiguration.Builder().seed(123).updater(new Adam(LEARNING_RATE))
                .weightInit(WeightInit.XAVIER).list()
                .layer(new DenseLayer.Builder().name("fc1").nIn(784).nOut(256).activation(Activation.RELU).build())
                .layer(new DenseLayer.Builder().name("fc2").nIn(256).nOut(128).activation(Activation.RELU).build())
                .layer(new OutputLayer.Builder(LossFunctions.LossFunction.MCXENT).name("output").nIn(128).nOut(10)
                        .activation(Activation.SOFTMAX).build())
                .build();
        MultiLayerNetwork net = new MultiLayerNetwork(conf);
        net.init();
        ModelSerializer.writeModel(net, dir.resolve(MLP_BASE).toFile(), false);
    }

    /** @param only the workloads to run (for profiling one by hand); empty: all */
    private static void round(Path dir, int threads, Path lenet, List<String> only) throws Exception {
        NativeThreads.configure(threads, 1);
        for (Workload w : Workload.values()) {
            if (!only.isEmpty() && !only.contains(w.name())) {
                continue;
            }
            Path out = dir.resolve("plugin-" + w + "-" + threads);
            TrainingReport report = plugin(dir, out, w, lenet, threads);
            TrainingTimings timings = Json.read(out.resolve(OutputFiles.TIMINGS), TrainingTimings[].class)[0];
            print(w, "plugin", threads, report.trainExamples(), timings.epochSeconds());
            List<Double> plain = onFreshThread(() -> PlainLoop.run(w, dir.resolve(DATA), w.base(dir, lenet),
                    report.trainExamples(), report.validationExamples(), BATCH, LEARNING_RATE, w.epochs));
            print(w, "dl4j", threads, report.trainExamples(), plain);
        }
    }

    /** The plugin's epoch against the plain loop's, alternated in this JVM ({@link EpochOverhead}); LeNet is left out (slow). */
    private static void overhead(Path dir, int threads, Path lenet, int pairs) throws Exception {
        NativeThreads.configure(threads, 1);
        for (Workload w : List.of(Workload.mlp, Workload.cached)) {
            TrainingReport report = Json.read(dir.resolve("plugin-" + w + "-" + threads).resolve(OutputFiles.TRAINING), TrainingReport.class);
            onFreshThread(() -> {
                EpochOverhead.measure(w, dir.resolve(DATA), w.base(dir, lenet), report.trainExamples(), report.validationExamples(),
                        threads, pairs);
                return null;
            });
        }
    }

    private static TrainingReport plugin(Path dir, Path out, Workload w, Path lenet, int threads) throws Exception {
        String yaml = SPEC.formatted(w.base(dir, lenet), DATA, w.freeze, LEARNING_RATE, BATCH, w.epochs);
        FinetuneSpec spec = new SpecParser(true).parse("finetune.yaml", yaml);
        EventSink quiet = event -> {
            if (event instanceof JobEvent.Warning warning) {
                System.out.println("[WARN] " + warning.message());
            }
        };
        FinetuneJob job = new FinetuneJob(spec, dir, w.base(dir, lenet), out,
                data -> new RunInfo("benchmark", "cpu", threads, 1, System.getenv().getOrDefault("OMP_WAIT_POLICY", "unset"),
                        System.getProperty("java.version"), "", data.classes()),
                quiet, new JobOptions(true, threads));
        onFreshThread(() -> {
            job.train();
            return null;
        });
        return Json.read(out.resolve(OutputFiles.TRAINING), TrainingReport.class);
    }

    private static void print(Workload w, String impl, int threads, int rows, List<Double> epochSeconds) {
        StringBuilder line = new StringBuilder(String.format(Locale.ROOT, "RESULT %s %s %d %d", w, impl, threads, rows));
        epochSeconds.forEach(s -> line.append(String.format(Locale.ROOT, " %.4f", s)));
        System.out.println(line);
    }

    interface Task<T> {
        T call() throws Exception;
    }

    /** As a build's fork trains on a fresh JVM's main thread: ND4J keeps per-thread state (workspaces). */
    static <T> T onFreshThread(Task<T> task) throws Exception {
        List<T> result = new ArrayList<>(1);
        Exception[] failure = new Exception[1];
        Thread thread = new Thread(() -> {
            try {
                result.add(task.call());
            } catch (Exception e) {
                failure[0] = e;
            }
        }, "benchmark-run");
        thread.start();
        thread.join();
        if (failure[0] != null) {
            throw failure[0];
        }
        return result.get(0);
    }
}
