package dev.finetune.it;

import dev.finetune.engine.data.Batches;
import dev.finetune.engine.event.EventSink;
import dev.finetune.engine.event.JobEvent;
import dev.finetune.engine.model.Net;
import dev.finetune.engine.train.Checkpoints;
import dev.finetune.engine.train.TrainingRun;
import dev.finetune.engine.train.TrainingTarget;
import dev.finetune.spec.FinetuneSpec;
import dev.finetune.spec.SpecParser;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The plugin's epoch ({@link TrainingRun#epoch()}: shuffled batches, the fit, the validation metrics from one forward
 * pass, the best epoch's parameters, the epoch event, and its checkpoints as a build writes them) against
 * {@link PlainLoop#epoch} doing the same work (minibatches cut with one {@code pullRows}, as the plugin does, then one
 * forward pass over the validation rows) on copies of the same network and data, rotated epoch by epoch on one thread
 * of one JVM, so all are equally warm and equally disturbed by the machine's other load. The plugin runs three ways:
 * without checkpoints, with the default ones (paced to at most 2% of training time) and with one after every epoch
 * (the default before). Prints {@code OVERHEAD workload threads variant wall|cpu ratio...} (plugin / plain, per
 * round): wall-clock seconds, and the process's CPU seconds (all its threads), which a loaded machine disturbs far
 * less (with passive OpenMP waiting, threads waiting for work use none).
 */
final class EpochOverhead {

    private static final String SPEC = """
            base: { path: base.zip }
            dataset: { path: data.csv }
            training: { updater: adam, learningRate: %s, batchSize: %d, epochs: %d, seed: 42 }
            """;

    /** The plugin's checkpoint settings compared: none, the default, one per epoch. */
    private static final List<String> VARIANTS = List.of("no-checkpoints", "paced-2%", "every-epoch");

    private EpochOverhead() {
    }

    static void measure(PeerBenchmark.Workload workload, Path csv, Path base, int trainRows, int validationRows, int threads,
                        int rounds) throws Exception {
        PlainLoop.Setup setup = PlainLoop.setup(workload, csv, base, trainRows, validationRows, PeerBenchmark.LEARNING_RATE);
        MultiLayerNetwork plain = setup.net().clone();
        FinetuneSpec spec = new SpecParser().parse("finetune.yaml",
                SPEC.formatted(PeerBenchmark.LEARNING_RATE, PeerBenchmark.BATCH, rounds + 1));
        Path checkpointDirs = Files.createTempDirectory("epoch-overhead");
        List<Runnable> epochs = new ArrayList<>();
        epochs.add(new Runnable() {
            private final Random shuffle = new Random(42);

            @Override
            public void run() {
                PlainLoop.epoch(plain, setup.train(), setup.validation(), PeerBenchmark.BATCH, shuffle, true);
            }
        });
        Map<String, List<Double>> written = new ConcurrentHashMap<>();
        for (String variant : VARIANTS) {
            EventSink costs = e -> {
                if (e instanceof JobEvent.CheckpointWritten c) {
                    written.computeIfAbsent(variant, v -> new ArrayList<>()).add(c.seconds());
                }
            };
            Optional<Checkpoints> checkpoints = variant.equals("no-checkpoints") ? Optional.empty()
                    : Optional.of(Checkpoints.open(checkpointDirs.resolve(variant), variant.equals("every-epoch")
                    ? new Checkpoints.Policy(variant, 1, 0) : new Checkpoints.Policy(variant, 0, 0, 0.02), costs));
            TrainingRun run = new TrainingRun(spec, "overhead", TrainingTarget.full(Net.of(setup.net().clone()), Batches.inMemory(setup.train()),
                    Batches.inMemory(setup.validation())), List.of("0", "1", "2", "3", "4", "5", "6", "7", "8", "9"),
                    EventSink.NONE, Optional.empty(), checkpoints);
            epochs.add(run::epoch);
        }
        // one epoch each first: JIT compilation and workspaces
        epochs.forEach(Runnable::run);
        int n = epochs.size();
        List<List<Double>> wall = new ArrayList<>();
        List<List<Double>> cpu = new ArrayList<>();
        for (int v = 0; v < n; v++) {
            wall.add(new ArrayList<>());
            cpu.add(new ArrayList<>());
        }
        for (int r = 0; r < rounds; r++) {
            // rotate who goes first in a round
            double[][] t = new double[n][];
            for (int k = 0; k < n; k++) {
                int v = (k + r) % n;
                t[v] = timed(epochs.get(v));
            }
            for (int v = 1; v < n; v++) {
                wall.get(v).add(t[v][0] / t[0][0]);
                cpu.get(v).add(t[v][1] / t[0][1]);
            }
        }
        for (int v = 1; v < n; v++) {
            print(workload, threads, VARIANTS.get(v - 1), "wall", wall.get(v));
            print(workload, threads, VARIANTS.get(v - 1), "cpu", cpu.get(v));
        }
        written.forEach((variant, seconds) -> System.out.printf(Locale.ROOT, "# %s %s: %d checkpoints in %d epochs, median %.4f s each%n",
                workload, variant, seconds.size(), rounds + 1, upperMedian(seconds)));
    }

    private static void print(PeerBenchmark.Workload workload, int threads, String variant, String clock, List<Double> ratios) {
        StringBuilder line = new StringBuilder(String.format(Locale.ROOT, "OVERHEAD %s %d %s %s", workload, threads, variant, clock));
        ratios.forEach(r -> line.append(String.format(Locale.ROOT, " %.3f", r)));
        line.append(String.format(Locale.ROOT, " median %.3f", upperMedian(ratios)));
        System.out.println(line);
    }

    /** The middle value, the upper one of the two for an even count (as the README's figures were taken). */
    private static double upperMedian(List<Double> values) {
        return values.stream().sorted().skip(values.size() / 2).findFirst().orElse(Double.NaN);
    }

    /** Wall-clock and process CPU seconds of one epoch. */
    private static double[] timed(Runnable epoch) {
        var os = (com.sun.management.OperatingSystemMXBean) java.lang.management.ManagementFactory.getOperatingSystemMXBean();
        long cpu = os.getProcessCpuTime();
        long start = System.nanoTime();
        epoch.run();
        return new double[] {(System.nanoTime() - start) / 1e9, (os.getProcessCpuTime() - cpu) / 1e9};
    }
}
