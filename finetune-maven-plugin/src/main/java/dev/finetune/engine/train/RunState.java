package dev.finetune.engine.train;

import dev.finetune.engine.report.EpochRecord;
import dev.finetune.engine.report.SplitMetrics;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.ObjectInputFilter;
import java.io.ObjectInputStream;
import java.io.ObjectOutputStream;
import java.io.UncheckedIOException;
import java.util.Base64;
import java.util.List;
import java.util.Random;

/**
 * A {@link TrainingRun}'s bookkeeping after an epoch, as a checkpoint keeps it (JSON; doubles round-trip exactly).
 *
 * @param shuffle     the batch-order generator ({@link Random}, carried across epochs), Java-serialised, Base64
 * @param netFile     the checkpoint's network (with updater state), beside this file
 * @param bestFile    the best epoch's parameters so far, beside this file
 * @param stopReason  null unless it stopped early
 * @param lastFiniteLoss null before any batch
 */
record RunState(int epoch, List<EpochRecord> epochs, List<SplitMetrics> validationByEpoch, List<Double> epochSeconds,
                double bestValue, int bestEpoch, int sinceBest, boolean finished, boolean stoppedEarly, String stopReason,
                long nanos, Double lastFiniteLoss, String lastFiniteAt, String shuffle, String netFile, String bestFile) {

    /** A state without its files' names, which {@link Checkpoints} adds when it writes them. */
    record Builder(int epoch, List<EpochRecord> epochs, List<SplitMetrics> validationByEpoch, List<Double> epochSeconds,
                   double bestValue, int bestEpoch, int sinceBest, boolean finished, boolean stoppedEarly, String stopReason,
                   long nanos, Double lastFiniteLoss, String lastFiniteAt, String shuffle) {

        RunState build(String netFile, String bestFile) {
            return new RunState(epoch, epochs, validationByEpoch, epochSeconds, bestValue, bestEpoch, sinceBest, finished,
                    stoppedEarly, stopReason, nanos, lastFiniteLoss, lastFiniteAt, shuffle, netFile, bestFile);
        }
    }

    static String encode(Random random) {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (ObjectOutputStream out = new ObjectOutputStream(bytes)) {
            out.writeObject(random);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return Base64.getEncoder().encodeToString(bytes.toByteArray());
    }

    /** The generator back; nothing but a {@link Random} may come out of the bytes (the file could have been edited). */
    static Random decode(String text) {
        try (ObjectInputStream in = new ObjectInputStream(new ByteArrayInputStream(Base64.getDecoder().decode(text)))) {
            in.setObjectInputFilter(ObjectInputFilter.Config.createFilter("java.util.Random;maxdepth=2;!*"));
            return (Random) in.readObject();
        } catch (IOException | ClassNotFoundException e) {
            throw new IllegalStateException("the checkpoint's shuffle state cannot be read: " + e.getMessage(), e);
        }
    }
}
