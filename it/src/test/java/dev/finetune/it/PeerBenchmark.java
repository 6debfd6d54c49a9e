package dev.finetune.it;

import dev.finetune.engine.event.EventSink;
import dev.finetune.engine.fork.NativeBuild;
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
 * <li>{@code native-build}: prints the nd4j-native classifier and JVM properties the training JVM would use on this CPU;</li>
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
        if (args[0].equals("native-build")) {
            // the training JVM's choice on this CPU, for the script to put the same build on the Java side's classpath
            NativeBuild build = NativeBuild.forCpu(NativeBuild.cpuFlags(Path.of("/proc/cpuinfo")));
            System.out.println(build.classifier() + " " + String.join(" ", build.jvmProperties()));
            return;
        }
        Path dir = Path.of(args[1]).toAbsolutePath();
        switch (args[0]) {
            case "prepare" -> prepare(dir, Integer.parseInt(args[2]), Path.of(args[3]));
            case "round" -> round(dir, Integer.parseInt(args[2]), Path.of(args[3]).toAbsolutePath(),
                    args.length > 4 ? List.of(args[4].split(",")) : List.of());
            case "sweep" -> sweep(dir, Path.of(args[2]).toAbsolutePath(), Integer.parseInt(args[3]), Integer.parseInt(args[4]));
            case "threads" -> threads(dir, Path.of(args[2]).toAbsolutePath(), Integer.parseInt(args[3]));
            case "overhead" -> overhead(dir, Integer.parseInt(args[2]), Path.of(args[3]).toAbsolutePath(), Integer.parseInt(args[4]));
            case "natives" -> natives(dir, Integer.parseInt(args[2]), Path.of(args[3]).toAbsolutePath(), args[4],
                    Integer.parseInt(args[5]), Integer.parseInt(args[6]), Integer.parseInt(args[7]),
                    args.length > 8 ? List.of(args[8].split(",")) : List.of());
            case "profile" -> profile(dir, Integer.parseInt(args[2]), Integer.parseInt(args[3]), Integer.parseInt(args[4]));
            default -> throw new IllegalArgumentException("expected prepare, round, sweep, threads, overhead, natives or profile, not " + args[0]);
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

    /**
     * One native build's round ({@code it/benchmarks/native-builds.sh} runs one JVM per build, the build's nd4j-native
     * jar in place of the bundled one): the plain loop's epochs of the three workloads, the MLP and the cached head on
     * TRAIN rows, LeNet (slow) on LENETROWS, and the SHA-256 of the trained parameters, to tell whether builds (and
     * reruns of one build) give the same bits; WORKLOADS (comma-separated, optional) runs only those. Prints {@code NATIVE build workload rows sha256 epochSeconds...}.
     */
    private static void natives(Path dir, int threads, Path lenet, String build, int trainRows, int lenetRows,
                                int validationRows, List<String> only) throws Exception {
        NativeThreads.configure(threads, 1);
        for (Workload w : Workload.values()) {
            if (!only.isEmpty() && !only.contains(w.name())) {
                continue;
            }
            int rows = w == Workload.lenet ? lenetRows : trainRows;
            onFreshThread(() -> {
                PlainLoop.Setup setup = PlainLoop.setup(w, dir.resolve(DATA), w.base(dir, lenet), rows, validationRows, LEARNING_RATE);
                java.util.Random shuffle = new java.util.Random(42);
                List<Double> seconds = new ArrayList<>();
                for (int e = 0; e < w.epochs; e++) {
                    seconds.add(PlainLoop.epoch(setup.net(), setup.train(), setup.validation(), BATCH, shuffle));
                }
                byte[] params = setup.net().params().dup().data().asBytes();
                StringBuilder line = new StringBuilder(String.format(Locale.ROOT, "NATIVE %s %s %d %s", build, w, rows,
                        java.util.HexFormat.of().formatHex(java.security.MessageDigest.getInstance("SHA-256").digest(params))));
                seconds.forEach(s -> line.append(String.format(Locale.ROOT, " %.4f", s)));
                System.out.println(line);
                return null;
            });
        }
    }

    /**
     * Where an MLP epoch's time goes (issue 18: DL4J against PyTorch): the network's data type, workspace modes and
     * listeners; then, alternated epoch by epoch on one thread, the plain loop's epoch and the same epoch's matrix
     * products alone (the same GEMM shapes per minibatch: forward x.W, backward dZ.W^T and x^T.dZ, through ND4J's
     * BLAS); then one epoch under ND4J's op profiler (op counts and times). Prints {@code PROFILE ...} lines.
     */
    private static void profile(Path dir, int threads, int trainRows, int pairs) throws Exception {
        NativeThreads.configure(threads, 1);
        onFreshThread(() -> {
            PlainLoop.Setup setup = PlainLoop.setup(Workload.mlp, dir.resolve(DATA), dir.resolve(MLP_BASE), trainRows, 240, LEARNING_RATE);
            MultiLayerNetwork net = setup.net();
            System.out.printf(Locale.ROOT, "PROFILE setup dataType=%s features=%s trainingWorkspace=%s inferenceWorkspace=%s listeners=%d "
                            + "updater=%s ompThreads=%d%n", net.getLayerWiseConfigurations().getDataType(), setup.train().getFeatures().dataType(),
                    net.getLayerWiseConfigurations().getTrainingWorkspaceMode(), net.getLayerWiseConfigurations().getInferenceWorkspaceMode(),
                    net.getListeners().size(), net.getLayer(0).conf().getLayer().getUpdaterByParam("W"), threads);
            java.util.Random shuffle = new java.util.Random(42);
            PlainLoop.epoch(net, setup.train(), setup.validation(), BATCH, shuffle);
            long[][] shapes = {{784, 256}, {256, 128}, {128, 10}};
            org.nd4j.linalg.api.ndarray.INDArray[] w = new org.nd4j.linalg.api.ndarray.INDArray[3];
            org.nd4j.linalg.api.ndarray.INDArray[] x = new org.nd4j.linalg.api.ndarray.INDArray[3];
            org.nd4j.linalg.api.ndarray.INDArray[] z = new org.nd4j.linalg.api.ndarray.INDArray[3];
            for (int l = 0; l < 3; l++) {
                w[l] = org.nd4j.linalg.factory.Nd4j.rand(org.nd4j.linalg.api.buffer.DataType.FLOAT, shapes[l][0], shapes[l][1]);
                x[l] = org.nd4j.linalg.factory.Nd4j.rand(org.nd4j.linalg.api.buffer.DataType.FLOAT, BATCH, shapes[l][0]);
                z[l] = org.nd4j.linalg.factory.Nd4j.rand(org.nd4j.linalg.api.buffer.DataType.FLOAT, BATCH, shapes[l][1]);
            }
            StringBuilder ratios = new StringBuilder("PROFILE epoch/gemm-only");
            StringBuilder epochs = new StringBuilder("PROFILE epochSeconds");
            StringBuilder gemms = new StringBuilder("PROFILE gemmOnlySeconds");
            int batches = (trainRows + BATCH - 1) / BATCH;
            for (int i = 0; i < pairs; i++) {
                double epoch = PlainLoop.epoch(net, setup.train(), setup.validation(), BATCH, shuffle);
                long start = System.nanoTime();
                for (int b = 0; b < batches; b++) {
                    for (int l = 0; l < 3; l++) {
                        x[l].mmul(w[l]);
                        z[l].mmul(w[l].transpose());
                        x[l].transpose().mmul(z[l]);
                    }
                }
                double gemm = (System.nanoTime() - start) / 1e9;
                epochs.append(String.format(Locale.ROOT, " %.4f", epoch));
                gemms.append(String.format(Locale.ROOT, " %.4f", gemm));
                ratios.append(String.format(Locale.ROOT, " %.1f", epoch / gemm));
            }
            System.out.println(epochs);
            System.out.println(gemms);
            System.out.println(ratios);
            StringBuilder slicing = new StringBuilder("PROFILE getRows/pullRows");
            for (int i = 0; i < pairs; i++) {
                double[] s = new double[2];
                for (int k : i % 2 == 0 ? new int[] {0, 1} : new int[] {1, 0}) {
                    s[k] = PlainLoop.epoch(net, setup.train(), setup.validation(), BATCH, shuffle, k == 1);
                }
                slicing.append(String.format(Locale.ROOT, " %.2f", s[0] / s[1]));
            }
            System.out.println(slicing);
            org.nd4j.linalg.profiler.OpProfiler.getInstance().reset();
            org.nd4j.linalg.factory.Nd4j.getExecutioner().setProfilingConfig(
                    org.nd4j.linalg.profiler.ProfilerConfig.builder().checkElapsedTime(true).build());
            double profiled = PlainLoop.epoch(net, setup.train(), setup.validation(), BATCH, shuffle);
            org.nd4j.linalg.factory.Nd4j.getExecutioner().setProfilingConfig(org.nd4j.linalg.profiler.ProfilerConfig.builder().build());
            System.out.printf(Locale.ROOT, "PROFILE profiledEpoch %.4f s, %d batches, %d ops (%.1f per batch)%n", profiled, batches,
                    org.nd4j.linalg.profiler.OpProfiler.getInstance().getInvocationsCount(),
                    org.nd4j.linalg.profiler.OpProfiler.getInstance().getInvocationsCount() / (double) batches);
            org.nd4j.linalg.profiler.OpProfiler.getInstance().printOutDashboard();
            return null;
        });
    }

    /**
     * The thread-count choice (1 or 2 OpenMP threads) per workload, measured in one JVM: epochs of the plain loop
     * alternating between the counts (ND4J takes a new count between epochs), so both see the same machine. Prints
     * {@code THREADS workload seconds(1)/seconds(2)...}: above 1, two threads are faster.
     */
    private static void threads(Path dir, Path lenet, int pairs) throws Exception {
        for (Workload w : Workload.values()) {
            TrainingReport report = Json.read(dir.resolve("plugin-" + w + "-1").resolve(OutputFiles.TRAINING), TrainingReport.class);
            onFreshThread(() -> {
                PlainLoop.Setup setup = PlainLoop.setup(w, dir.resolve(DATA), w.base(dir, lenet), report.trainExamples(),
                        report.validationExamples(), LEARNING_RATE);
                java.util.Random shuffle = new java.util.Random(42);
                StringBuilder line = new StringBuilder("THREADS " + w);
                PlainLoop.epoch(setup.net(), setup.train(), setup.validation(), BATCH, shuffle);
                int n = w == Workload.lenet ? Math.max(2, pairs / 4) : pairs;
                for (int i = 0; i < n; i++) {
                    double[] seconds = new double[3];
                    for (int t : i % 2 == 0 ? new int[] {1, 2} : new int[] {2, 1}) {
                        NativeThreads.configure(t, 1);
                        seconds[t] = PlainLoop.epoch(setup.net(), setup.train(), setup.validation(), BATCH, shuffle);
                    }
                    line.append(String.format(Locale.ROOT, " %.3f", seconds[1] / seconds[2]));
                }
                System.out.println(line);
                return null;
            });
        }
    }

    private static final String SWEEP_SPEC = """
            base: { path: "%s" }
            dataset: { path: %s, normalize: image, split: { train: 0.8, validation: 0.1, test: 0.1, seed: 7, stratify: false } }
            freeze: { upTo: pool2 }
            head: { removeLayers: 1, hidden: [64] }
            training: { updater: adam, learningRate: 0.001, batchSize: 64, epochs: 10, seed: 42 }
            %s""";
    private static final String SWEEP = """
            sweep:
              maxTrials: 8
              parameters:
                head.hidden: { values: [[], [32], [64], [128]] }
                training.learningRate: { values: [0.001, 0.003] }
            """;

    /**
     * An 8-trial sweep against one trial at real size (the DATA file's 80%, e.g. 5,000 training rows of 6,250, the
     * example's LeNet with its convolutions frozen and cached, 10 epochs per trial, no early termination), each the
     * whole {@code train} step in this JVM (data, base, frozen pass, training, saving), alternated for ROUNDS rounds.
     * Prints {@code SWEEP single|sweep seconds} per run and {@code SWEEPRATIO} per round.
     */
    private static void sweep(Path dir, Path lenet, int threads, int rounds) throws Exception {
        NativeThreads.configure(threads, 1);
        for (int r = 0; r < rounds; r++) {
            double[] seconds = new double[2];
            for (int k : r % 2 == 0 ? new int[] {0, 1} : new int[] {1, 0}) {
                String yaml = SWEEP_SPEC.formatted(lenet, DATA, k == 0 ? "" : SWEEP);
                FinetuneSpec spec = new SpecParser(true).parse("finetune.yaml", yaml);
                Path out = dir.resolve(k == 0 ? "sweep-single" : "sweep-8");
                FinetuneJob job = new FinetuneJob(spec, dir, lenet, out,
                        data -> new RunInfo("benchmark", "cpu", threads, 1, System.getenv().getOrDefault("OMP_WAIT_POLICY", "unset"),
                                System.getProperty("java.version"), "", data.classes()),
                        event -> {
                            if (event instanceof JobEvent.Warning warning) {
                                System.out.println("[WARN] " + warning.message());
                            }
                        }, JobOptions.DEFAULTS.withThreadsPerTrial(threads));
                long start = System.nanoTime();
                onFreshThread(() -> {
                    job.train();
                    return null;
                });
                seconds[k] = (System.nanoTime() - start) / 1e9;
                System.out.printf(Locale.ROOT, "SWEEP %s %.2f (train rows %d, load %s)%n", k == 0 ? "single" : "sweep", seconds[k],
                        Json.read(out.resolve(OutputFiles.TRAINING), TrainingReport.class).trainExamples(),
                        Files.readString(Path.of("/proc/loadavg")).trim());
            }
            System.out.printf(Locale.ROOT, "SWEEPRATIO %.3f%n", seconds[1] / seconds[0]);
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
                quiet, JobOptions.DEFAULTS.withThreadsPerTrial(threads));
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
