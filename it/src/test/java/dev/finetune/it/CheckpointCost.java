package dev.finetune.it;

import dev.finetune.engine.model.Net;
import dev.finetune.engine.report.AtomicFiles;
import dev.finetune.engine.train.Checkpoints;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.util.ModelSerializer;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.factory.Nd4j;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;

/**
 * What a checkpoint's network costs to write (issue 18: on short epochs it cost more than the epoch), side by side in
 * one JVM: the model zip with the updater's state ({@code ModelSerializer.writeModel(net, file, true)}, as checkpoints
 * were written before) against the raw state {@link Checkpoints#writeState} writes now (parameters, updater state,
 * counts), both through {@link AtomicFiles} as checkpoints are, alternated, PAIRS pairs per network.
 * Usage: {@code CheckpointCost DIR PAIRS NETWORK.zip...} (networks on 784 inputs and 10 classes, e.g. the example's LeNet); prints {@code CHECKPOINT network params zip|raw seconds...} and
 * the median ratio. Not a test: timings depend on the machine.
 */
public final class CheckpointCost {

    private CheckpointCost() {
    }

    public static void main(String[] args) throws Exception {
        Path dir = Files.createDirectories(Path.of(args[0]));
        int pairs = Integer.parseInt(args[1]);
        for (String zip : Arrays.asList(args).subList(2, args.length)) {
            MultiLayerNetwork net = ModelSerializer.restoreMultiLayerNetwork(Path.of(zip).toFile(), false);
            // one step, so the updater has its state (Adam's moments), as during training; both networks read 784 pixels
            net.fit(Nd4j.rand(DataType.FLOAT, 8, 784), Nd4j.eye(10).getRows(0, 1, 2, 3, 4, 5, 6, 7).castTo(DataType.FLOAT));
            List<Double> zipSeconds = new ArrayList<>();
            List<Double> rawSeconds = new ArrayList<>();
            for (int i = 0; i <= pairs; i++) {
                long a = System.nanoTime();
                AtomicFiles.write(dir.resolve("net.zip"), temp -> ModelSerializer.writeModel(net, temp.toFile(), true));
                long b = System.nanoTime();
                AtomicFiles.write(dir.resolve("net.state.bin"), temp -> Checkpoints.writeState(Net.of(net), temp));
                long c = System.nanoTime();
                if (i > 0) { // the first pair warms up
                    zipSeconds.add((b - a) / 1e9);
                    rawSeconds.add((c - b) / 1e9);
                }
            }
            String name = Path.of(zip).getFileName().toString();
            print(name, net.numParams(), "zip", zipSeconds);
            print(name, net.numParams(), "raw", rawSeconds);
            List<Double> ratios = new ArrayList<>();
            for (int i = 0; i < pairs; i++) {
                ratios.add(zipSeconds.get(i) / rawSeconds.get(i));
            }
            System.out.printf(Locale.ROOT, "CHECKPOINT %s zip/raw median %.2f, zip %.4f s, raw %.4f s, sizes %d / %d bytes%n", name,
                    SweepBenchmark.median(ratios), SweepBenchmark.median(zipSeconds),
                    SweepBenchmark.median(rawSeconds), Files.size(dir.resolve("net.zip")),
                    Files.size(dir.resolve("net.state.bin")));
        }
    }

    private static void print(String name, long params, String kind, List<Double> seconds) {
        StringBuilder line = new StringBuilder(String.format(Locale.ROOT, "CHECKPOINT %s %d %s", name, params, kind));
        seconds.forEach(s -> line.append(String.format(Locale.ROOT, " %.4f", s)));
        System.out.println(line);
    }
}
