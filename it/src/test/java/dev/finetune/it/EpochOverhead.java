package dev.finetune.it;

import dev.finetune.engine.data.Batches;
import dev.finetune.engine.event.EventSink;
import dev.finetune.engine.model.Net;
import dev.finetune.engine.train.TrainingRun;
import dev.finetune.engine.train.TrainingTarget;
import dev.finetune.spec.FinetuneSpec;
import dev.finetune.spec.SpecParser;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.Random;

/**
 * The plugin's epoch ({@link TrainingRun#epoch()}: shuffled batches, the fit, the validation metrics from one forward
 * pass, the best epoch's parameters, the epoch event) against {@link PlainLoop#epoch} on a copy of the same network
 * and the same data, alternated epoch by epoch on one thread of one JVM, so both are equally warm and equally
 * disturbed by the machine's other load. Prints {@code OVERHEAD workload threads wall|cpu ratio...} (plugin / plain, per
 * pair): wall-clock seconds, and the process's CPU seconds (all its threads), which a loaded machine disturbs far less
 * (with passive OpenMP waiting, threads waiting for work use none).
 */
final class EpochOverhead {

    private static final String SPEC = """
            base: { path: base.zip }
            dataset: { path: data.csv }
            training: { updater: adam, learningRate: %s, batchSize: %d, epochs: %d, seed: 42 }
            """;

    private EpochOverhead() {
    }

    static void measure(PeerBenchmark.Workload workload, Path csv, Path base, int trainRows, int validationRows, int threads,
                        int pairs) throws Exception {
        PlainLoop.Setup setup = PlainLoop.setup(workload, csv, base, trainRows, validationRows, PeerBenchmark.LEARNING_RATE);
        MultiLayerNetwork plain = setup.net().clone();
        Net fitted = Net.of(setup.net());
        FinetuneSpec spec = new SpecParser().parse("finetune.yaml",
                SPEC.formatted(PeerBenchmark.LEARNING_RATE, PeerBenchmark.BATCH, pairs + 1));
        TrainingRun run = new TrainingRun(spec, "overhead", TrainingTarget.full(fitted, Batches.inMemory(setup.train()),
                Batches.inMemory(setup.validation())), List.of("0", "1", "2", "3", "4", "5", "6", "7", "8", "9"),
                EventSink.NONE, Optional.empty(), Duration.ZERO);
        Random shuffle = new Random(42);
        // one epoch each first: JIT compilation and workspaces
        run.epoch();
        PlainLoop.epoch(plain, setup.train(), setup.validation(), PeerBenchmark.BATCH, shuffle);
        List<Double> wall = new ArrayList<>();
        List<Double> cpu = new ArrayList<>();
        StringBuilder detail = new StringBuilder();
        for (int i = 0; i < pairs; i++) {
            // alternate who goes first in a pair
            double[] p;
            double[] q;
            if (i % 2 == 0) {
                p = timed(run::epoch);
                q = timed(() -> PlainLoop.epoch(plain, setup.train(), setup.validation(), PeerBenchmark.BATCH, shuffle));
            } else {
                q = timed(() -> PlainLoop.epoch(plain, setup.train(), setup.validation(), PeerBenchmark.BATCH, shuffle));
                p = timed(run::epoch);
            }
            wall.add(p[0] / q[0]);
            cpu.add(p[1] / q[1]);
            detail.append(String.format(Locale.ROOT, " %.3f/%.3f", p[1], q[1]));
        }
        print(workload, threads, "wall", wall);
        print(workload, threads, "cpu", cpu);
        System.out.println("# plugin/plain epoch CPU seconds " + workload + " " + threads + ":" + detail);
    }

    private static void print(PeerBenchmark.Workload workload, int threads, String clock, List<Double> ratios) {
        StringBuilder line = new StringBuilder(String.format(Locale.ROOT, "OVERHEAD %s %d %s", workload, threads, clock));
        ratios.forEach(r -> line.append(String.format(Locale.ROOT, " %.3f", r)));
        System.out.println(line);
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
