package dev.finetune.it;

import dev.finetune.engine.layout.OutputFiles;
import dev.finetune.engine.job.FinetuneJob;
import dev.finetune.engine.job.JobOptions;
import dev.finetune.engine.report.AtomicFiles;
import dev.finetune.engine.report.Json;
import dev.finetune.engine.report.RunInfo;
import dev.finetune.engine.report.SweepReport;
import dev.finetune.engine.report.TrainingReport;
import dev.finetune.engine.report.TrainingTimings;
import dev.finetune.engine.event.EventSink;
import dev.finetune.engine.event.JobEvent;
import dev.finetune.spec.FinetuneSpec;
import dev.finetune.spec.SpecParser;
import org.nd4j.linalg.factory.Nd4j;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;

/**
 * Measures, in one JVM and one run, on the bundled example's base and data:
 * <ol>
 * <li>time per epoch with and without the frozen-feature cache (the example's own split and head);</li>
 * <li>an 8-trial sweep over head settings against one trial of the same settings, as {@code finetune:train} runs
 * them (data loading, base loading, featurizing and training included), and the same single trial without the
 * cache, for scale.</li>
 * </ol>
 * Run: {@code mvn -B -q install -DskipTests && mvn -B -q -pl it test-compile exec:java -Pbenchmark}. Writes
 * {@code it/target/benchmark/benchmark.md}. Not a test: timings depend on the machine and its load.
 */
public final class SweepBenchmark {

    /** The example's inputs, relative to its model module {@code it/example/digits-5to9}. */
    static final String BASE_FILE = "../mnist-lenet/mnist-lenet.zip";
    static final String BASE = "dev.finetune.examples:mnist-lenet:1.0.0";
    static final String DATA = "data/digits-5to9-28x28.csv";
    private static final int OMP_THREADS = 2;
    private static final int BLAS_THREADS = 1;
    private static final int REPEATS = 5;

    /** The example's spec (it/example/digits-5to9/finetune.yaml), without the from-scratch baseline and gates. */
    private static final String EXAMPLE = """
            base: { artifact: "%s" }
            dataset:
              path: %s
              normalize: image
              split: { train: 0.05, validation: 0.1, test: 0.85, seed: 7, stratify: true }
            freeze: { upTo: pool2 }
            head: { removeLayers: 1, hidden: %s }
            training: { updater: adam, learningRate: %s, batchSize: 16, epochs: %d, seed: 42 }
            %s
            %s""";
    private static final String EARLY_STOPPING = "earlyStopping: { metric: accuracy, patience: 8 }";
    private static final String SWEEP = """
            sweep:
              maxTrials: 8
              earlyTermination: { policy: successiveHalving, gracePeriod: 4, reductionFactor: 2 }
              parameters:
                head.hidden: { values: [[], [32], [64], [128]] }
                training.learningRate: { values: [0.001, 0.003] }
            """;

    public static void main(String[] args) throws Exception {
        Path example = Path.of(args.length > 0 ? args[0] : "example");
        Path out = Path.of(args.length > 1 ? args[1] : "target/benchmark");
        // the fork's defaults (finetune.threads 2, finetune.blasThreads 1)
        Nd4j.getEnvironment().setMaxThreads(OMP_THREADS);
        org.nd4j.nativeblas.NativeOpsHolder.getInstance().getDeviceNativeOps().setOmpNumThreads(OMP_THREADS);
        Nd4j.factory().blas().setMaxThreads(BLAS_THREADS);

        // warm-up of both code paths: class loading, JIT compilation (which, on 2 busy cores, keeps the first few
        // dozen small head epochs ~50x slower) and native set-up are paid here, not by whichever measurement runs first
        train(example, out.resolve("warmup"), spec("[]", "0.001", 40, EARLY_STOPPING, SWEEP), true);
        train(example, out.resolve("warmup"), spec("[]", "0.001", 3, "", ""), false);

        // rounds of all five measurements, alternated and repeated, medians reported: the machine is shared, and a
        // burst of load from other processes must not decide a ratio
        List<Double> cachedEpoch = new ArrayList<>();
        List<Double> fullEpoch = new ArrayList<>();
        List<Double> singles = new ArrayList<>();
        List<Double> sweeps = new ArrayList<>();
        List<Double> singlesFull = new ArrayList<>();
        String loadBefore = loadAverage();
        for (int i = 0; i < REPEATS; i++) {
            // (1) per-epoch time, 15 epochs each, no early stopping so both run the same epochs
            cachedEpoch.add(median(epochSeconds(train(example, out.resolve("epochs-cached"), spec("[]", "0.001", 15, "", ""), true))));
            fullEpoch.add(median(epochSeconds(train(example, out.resolve("epochs-full"), spec("[]", "0.001", 15, "", ""), false))));
            // (2) one trial vs 8 trials of head settings, with the example's training settings (early stopping on)
            singles.add(train(example, out.resolve("single"), spec("[]", "0.001", 40, EARLY_STOPPING, ""), true).seconds);
            sweeps.add(train(example, out.resolve("sweep"), spec("[]", "0.001", 40, EARLY_STOPPING, SWEEP), true).seconds);
            singlesFull.add(train(example, out.resolve("single-full"), spec("[]", "0.001", 40, EARLY_STOPPING, ""), false).seconds);
        }
        String loadAfter = loadAverage();
        double cachedPerEpoch = median(cachedEpoch);
        double fullPerEpoch = median(fullEpoch);
        double single = median(singles);
        double sweep = median(sweeps);
        double singleFull = median(singlesFull);
        SweepReport report = Json.read(out.resolve("sweep").resolve(OutputFiles.SWEEP), SweepReport.class);
        int singleEpochs = Json.read(out.resolve("single").resolve(OutputFiles.TRAINING), TrainingReport.class).epochsRun();
        int sweepEpochs = report.trials().stream().mapToInt(t -> t.epochsRun()).sum();

        List<String> lines = new ArrayList<>();
        lines.add("# Sweep benchmark (bundled example: MNIST LeNet base, digits 5-9, 45 train / 89 validation rows)");
        lines.add("");
        lines.add(String.format(Locale.ROOT, "%d cores, Java %s, ND4J %d OpenMP / %d BLAS threads, sweep parallelism %d; "
                        + "load average %s before, %s after; medians of %d alternated rounds (all values in brackets).",
                Runtime.getRuntime().availableProcessors(), System.getProperty("java.version"), OMP_THREADS, BLAS_THREADS,
                report.parallelism(), loadBefore, loadAfter, REPEATS));
        lines.add("");
        lines.add("| measurement | value |");
        lines.add("|---|---|");
        lines.add(String.format(Locale.ROOT, "| time per epoch, frozen-feature cache (head only) [%s] | %.4f s |", seconds(cachedEpoch), cachedPerEpoch));
        lines.add(String.format(Locale.ROOT, "| time per epoch, full forward passes [%s] | %.4f s |", seconds(fullEpoch), fullPerEpoch));
        lines.add(String.format(Locale.ROOT, "| **per-epoch speed-up of the cache** | **%.1fx** |", fullPerEpoch / cachedPerEpoch));
        lines.add(String.format(Locale.ROOT, "| one trial: the whole train step, cache on, %d epochs [%s] | %.2f s |",
                singleEpochs, seconds(singles), single));
        lines.add(String.format(Locale.ROOT, "| 8-trial sweep over head.hidden x learningRate, successive halving, %d epochs in all [%s] | %.2f s |",
                sweepEpochs, seconds(sweeps), sweep));
        lines.add(String.format(Locale.ROOT, "| **8-trial sweep / one trial** (target <= 2.0), medians | **%.2fx** |", sweep / single));
        lines.add(String.format(Locale.ROOT, "| 8-trial sweep / one trial, fastest of each (least disturbed by other load) | %.2fx |",
                min(sweeps) / min(singles)));
        lines.add(String.format(Locale.ROOT, "| one trial without the cache (as before the cache) [%s] | %.2f s |", seconds(singlesFull), singleFull));
        lines.add(String.format(Locale.ROOT, "| 8-trial sweep / one trial without the cache | %.2fx |", sweep / singleFull));
        lines.add("");
        lines.add(String.format(Locale.ROOT, "Sweep winner: trial %d %s, validation %s %.4f.", report.winner(), report.winnerParameters(),
                report.metric(), report.trials().get(0).value().orElseThrow()));
        String text = String.join("\n", lines) + "\n";
        System.out.println(text);
        AtomicFiles.write(out.resolve("benchmark.md"), text.getBytes(StandardCharsets.UTF_8));
    }

    private static String spec(String hidden, String learningRate, int epochs, String earlyStopping, String sweep) {
        return EXAMPLE.formatted(BASE, DATA, hidden, learningRate, epochs, earlyStopping, sweep);
    }

    private record Run(double seconds, Path out) {
    }

    private static Run train(Path example, Path out, String yaml, boolean cache) throws Exception {
        FinetuneSpec spec = new SpecParser().parse("finetune.yaml", yaml);
        EventSink quiet = event -> {
            if (event instanceof JobEvent.Warning w) {
                System.out.println("[WARN] " + w.message());
            }
        };
        FinetuneJob job = new FinetuneJob(spec, example.toAbsolutePath(), example.resolve(BASE_FILE).toAbsolutePath().normalize(),
                out.toAbsolutePath(),
                data -> new RunInfo("benchmark", "cpu", OMP_THREADS, BLAS_THREADS,
                        System.getenv().getOrDefault("OMP_WAIT_POLICY", "unset"), System.getProperty("java.version"), "", data.classes()),
                quiet, JobOptions.DEFAULTS.withFrozenFeatureCache(cache).withThreadsPerTrial(OMP_THREADS));
        // each run on a fresh thread, as each build's training runs on a fresh JVM's main thread: ND4J keeps
        // per-thread state (workspaces, OpenMP team), and a thread that ran other networks before was measured
        // to be erratically slower for small heads on this shared machine
        double[] seconds = new double[1];
        Exception[] failure = new Exception[1];
        Thread thread = new Thread(() -> {
            try {
                long started = System.nanoTime();
                job.train();
                seconds[0] = (System.nanoTime() - started) / 1e9;
            } catch (Exception e) {
                failure[0] = e;
            }
        }, "benchmark-run");
        thread.start();
        thread.join();
        if (failure[0] != null) {
            throw failure[0];
        }
        return new Run(seconds[0], out);
    }

    private static double[] epochSeconds(Run run) throws Exception {
        TrainingTimings[] timings = Json.read(run.out().resolve(OutputFiles.TIMINGS), TrainingTimings[].class);
        return timings[0].epochSeconds().stream().mapToDouble(Double::doubleValue).toArray();
    }

    static double median(List<Double> values) {
        return median(values.stream().mapToDouble(Double::doubleValue).toArray());
    }

    private static double min(List<Double> values) {
        return values.stream().mapToDouble(Double::doubleValue).min().orElse(Double.NaN);
    }

    private static String loadAverage() {
        try {
            return String.join(" ", Arrays.asList(java.nio.file.Files.readString(Path.of("/proc/loadavg")).split(" ")).subList(0, 3));
        } catch (java.io.IOException | RuntimeException e) {
            return "unknown";
        }
    }

    private static double median(double[] values) {
        double[] sorted = values.clone();
        Arrays.sort(sorted);
        int n = sorted.length;
        return n % 2 == 1 ? sorted[n / 2] : (sorted[n / 2 - 1] + sorted[n / 2]) / 2;
    }

    private static String seconds(List<Double> values) {
        return String.join(", ", values.stream().map(v -> String.format(Locale.ROOT, v < 0.1 ? "%.4f" : "%.2f", v)).toList());
    }

}
