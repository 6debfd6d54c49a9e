package dev.finetune.engine.train;

import dev.finetune.engine.event.EventSink;
import dev.finetune.engine.event.JobEvent;
import dev.finetune.engine.model.Net;
import dev.finetune.engine.report.AtomicFiles;
import dev.finetune.engine.report.Json;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Stream;

/**
 * Training runs' checkpoints in one directory ({@code target/finetune/checkpoints}), so a build killed mid-training
 * resumes where it stopped. A run's checkpoint is its fitted network's parameters, updater state and iteration counts
 * (raw: {@link #writeState}), the best epoch's parameters so far, and the
 * loop's bookkeeping ({@link RunState}: epochs, early stopping, the shuffle generator). ND4J's generator needs no saving:
 * every epoch reseeds it from the run's seed and the epoch ({@link TrainingRun}). So a resumed run ends with the same
 * parameters, bit for bit, as one that was never stopped (CheckpointResumeTest).
 *
 * <p>The directory belongs to one set of inputs, its {@code key} (the training fingerprint): opened for another key,
 * it is emptied first. Files are written whole (temp + move) and the state last, naming the network and parameter files
 * of its epoch, so a kill at any moment leaves the last complete checkpoint readable.
 */
public final class Checkpoints {

    private static final String KEY_FILE = "key";
    private static final String STATE_FORMAT = "finetune-checkpoint-state-1";

    /**
     * How often to checkpoint; not part of the inputs' fingerprint, since it changes no result.
     *
     * @param key          what the checkpoints belong to (the training fingerprint): others are not resumed
     * @param everyEpochs  checkpoint after every this many epochs; 0 for none by count
     * @param everyMinutes also after the first epoch that ends this many minutes after the last checkpoint; 0 for none
     * @param maxOverhead  also after the first epoch that ends once the training time since the last checkpoint is at
     *                     least the last checkpoint's own time over this share (0.02: checkpoints cost at most ~2% of
     *                     training), and after a run's first epoch while no checkpoint has been timed; 0 for none
     */
    public record Policy(String key, int everyEpochs, int everyMinutes, double maxOverhead) {
        public Policy {
            if (everyEpochs < 0 || everyMinutes < 0 || !(maxOverhead >= 0 && maxOverhead < 1)) {
                throw new IllegalArgumentException("checkpoint policy " + everyEpochs + ", " + everyMinutes + ", " + maxOverhead);
            }
        }

        /** Fixed counts, no pacing by cost. */
        public Policy(String key, int everyEpochs, int everyMinutes) {
            this(key, everyEpochs, everyMinutes, 0);
        }

        public boolean enabled() {
            return everyEpochs > 0 || everyMinutes > 0 || maxOverhead > 0;
        }

        /** For the log: {@code every epoch}, {@code paced to at most 5% of training time}, ... */
        public String describe() {
            List<String> rules = new ArrayList<>();
            if (everyEpochs > 0) {
                rules.add(everyEpochs == 1 ? "every epoch" : "every " + everyEpochs + " epochs");
            }
            if (everyMinutes > 0) {
                rules.add("every " + everyMinutes + " minute" + (everyMinutes == 1 ? "" : "s"));
            }
            if (maxOverhead > 0) {
                rules.add("paced to at most " + String.format(Locale.ROOT, "%.1f", maxOverhead * 100).replaceFirst("\\.0$", "")
                        + "% of training time");
            }
            return rules.isEmpty() ? "none" : String.join(", ", rules);
        }
    }

    /** A run's state as the checkpoint left it; the fitted network was restored in place. */
    record Resumed(RunState state, INDArray best) {
    }

    private final Path dir;
    private final Policy policy;
    private final EventSink log;
    /** The last checkpoint's time in nanoseconds, -1 before the first; shared by a sweep's trials (same networks, mostly). */
    private final AtomicLong lastCostNanos = new AtomicLong(-1);

    private Checkpoints(Path dir, Policy policy, EventSink log) {
        this.dir = dir;
        this.policy = policy;
        this.log = log;
    }

    /** Opens {@code dir} for {@code policy}'s key; what other inputs left there is removed. */
    public static Checkpoints open(Path dir, Policy policy, EventSink log) throws IOException {
        Path keyFile = dir.resolve(KEY_FILE);
        if (Files.isDirectory(dir)) {
            Optional<String> key = Files.isRegularFile(keyFile) ? Optional.of(Files.readString(keyFile, StandardCharsets.UTF_8).trim())
                    : Optional.empty();
            if (!key.equals(Optional.of(policy.key()))) {
                if (!isEmpty(dir)) {
                    log.info("checkpoints in " + dir.getFileName() + " were made from other inputs (or settings); starting over");
                }
                discard(dir);
            }
        }
        Files.createDirectories(dir);
        AtomicFiles.removeLeftovers(dir);
        AtomicFiles.write(keyFile, (policy.key() + "\n").getBytes(StandardCharsets.UTF_8));
        return new Checkpoints(dir, policy, log);
    }

    /** Removes {@code dir} and everything in it (checkpoints of a finished step, or {@code -Dfinetune.force}). */
    public static void discard(Path dir) throws IOException {
        if (!Files.exists(dir)) {
            return;
        }
        try (Stream<Path> files = Files.walk(dir)) {
            for (Path p : files.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        }
    }

    public Path dir() {
        return dir;
    }

    public String key() {
        return policy.key();
    }

    /**
     * Whether a run writes a checkpoint that has run {@code epochsSince} epochs since its last one, {@code nanosSince}
     * by the clock and {@code trainingNanosSince} of its own training (which pacing by cost compares with: a sweep's
     * other trials, or evaluation, are not this run's training).
     */
    boolean due(int epochsSince, long nanosSince, long trainingNanosSince, boolean finished) {
        if (!policy.enabled()) {
            return false;
        }
        // a finished run always leaves one: a crash in a later run of the same step then does not retrain it
        return finished || (policy.everyEpochs() > 0 && epochsSince >= policy.everyEpochs())
                || (policy.everyMinutes() > 0 && nanosSince >= policy.everyMinutes() * 60_000_000_000L)
                || (policy.maxOverhead() > 0 && paced(lastCostNanos.get(), trainingNanosSince, policy.maxOverhead()));
    }

    /**
     * Pacing by cost: on short epochs a checkpoint (the network and the updater's state, written whole) takes longer than
     * the epoch (measured on the example: 0.09 s against 0.04 s with the model zip checkpoints were before, 0.04 s
     * against 0.02 s raw), so one per epoch would more than double the training time. With no checkpoint timed yet, the first epoch's end writes one, which also bounds what a kill loses.
     */
    static boolean paced(long lastCostNanos, long trainingNanosSince, double maxOverhead) {
        return lastCostNanos < 0 || trainingNanosSince * maxOverhead >= lastCostNanos;
    }

    /** Writes run {@code run}'s checkpoint after {@code state.epoch()}; the state goes last, so it names whole files. */
    void save(String run, Net fitted, INDArray best, RunState.Builder state) {
        long started = System.nanoTime();
        int epoch = state.epoch();
        String stem = fileStem(run) + String.format(Locale.ROOT, "-e%05d", epoch);
        Path net = dir.resolve(stem + ".state.bin");
        Path bestFile = dir.resolve(stem + ".best.bin");
        Path stateFile = dir.resolve(fileStem(run) + ".json");
        try {
            AtomicFiles.write(net, temp -> writeState(fitted, temp));
            AtomicFiles.write(bestFile, temp -> Nd4j.saveBinary(best, temp.toFile()));
            Json.write(stateFile, state.build(net.getFileName().toString(), bestFile.getFileName().toString()));
            // the older epochs of this run are no longer the last complete checkpoint
            try (Stream<Path> files = Files.list(dir)) {
                for (Path f : files.toList()) {
                    String name = f.getFileName().toString();
                    if (name.startsWith(fileStem(run) + "-e") && !name.startsWith(stem + ".")) {
                        Files.deleteIfExists(f);
                    }
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write the checkpoint of " + run + " in " + dir + ": " + e.getMessage(), e);
        }
        long cost = System.nanoTime() - started;
        lastCostNanos.set(cost);
        log.emit(new JobEvent.CheckpointWritten(run, epoch, dir.getFileName() + "/" + stateFile.getFileName(), cost / 1e9));
    }

    /**
     * Restores run {@code run}'s last checkpoint into {@code fitted} (parameters, updater state, iteration and epoch
     * counts), if there is a readable one; one that cannot be read is reported and ignored.
     */
    Optional<Resumed> load(String run, Net fitted) {
        Path stateFile = dir.resolve(fileStem(run) + ".json");
        if (!Files.isRegularFile(stateFile)) {
            return Optional.empty();
        }
        try {
            RunState state = Json.read(stateFile, RunState.class);
            Path net = dir.resolve(state.netFile());
            Path bestFile = dir.resolve(state.bestFile());
            INDArray best = Nd4j.readBinary(bestFile.toFile());
            readState(net, fitted);
            return Optional.of(new Resumed(state, best));
        } catch (IOException | RuntimeException e) {
            log.emit(new JobEvent.Warning("cannot resume " + run + " from " + stateFile + " (" + e.getMessage() + "); training it from the start"));
            return Optional.empty();
        }
    }

    /**
     * What a resume needs of the fitted network, raw: its parameters, its updater's state (Adam's moments) and its
     * iteration and epoch counts (which Adam's bias correction and schedules read). Not a model zip: the configuration
     * is the run's own, and compressing the arrays made a checkpoint cost more than a short epoch.
     * Public for the side-by-side cost measurement in {@code it/} ({@code CheckpointCost}).
     */
    public static void writeState(Net net, Path file) throws IOException {
        try (DataOutputStream out = new DataOutputStream(new BufferedOutputStream(Files.newOutputStream(file), 1 << 16))) {
            out.writeUTF(STATE_FORMAT);
            out.writeInt(net.iterationCount());
            out.writeInt(net.epochCount());
            Nd4j.write(net.params(), out);
            INDArray updater = net.updaterState();
            out.writeBoolean(updater != null);
            if (updater != null) {
                Nd4j.write(updater, out);
            }
        }
    }

    private static void readState(Path file, Net target) throws IOException {
        try (DataInputStream in = new DataInputStream(new BufferedInputStream(Files.newInputStream(file), 1 << 16))) {
            if (!STATE_FORMAT.equals(in.readUTF())) {
                throw new IOException("not a checkpoint of this plugin's format");
            }
            int iterations = in.readInt();
            int epochs = in.readInt();
            INDArray params = Nd4j.read(in);
            if (params.length() != target.numParams()) {
                throw new IOException("the checkpoint has " + params.length() + " parameters, the network " + target.numParams());
            }
            INDArray updater = in.readBoolean() ? Nd4j.read(in) : null;
            INDArray to = target.updaterState();
            // updaters without state (plain SGD) have nothing to carry over
            if ((updater == null) != (to == null) || (updater != null && updater.length() != to.length())) {
                throw new IOException("the checkpoint's updater state does not fit the network's");
            }
            target.setParams(params);
            if (to != null) {
                to.assign(updater.reshape(to.shape()));
            }
            target.setCounts(iterations, epochs);
        }
    }

    private static String fileStem(String run) {
        return run.toLowerCase(Locale.ROOT).replaceAll("[^a-z0-9-]+", "-");
    }

    private static boolean isEmpty(Path dir) throws IOException {
        try (Stream<Path> files = Files.list(dir)) {
            return files.noneMatch(f -> !f.getFileName().toString().equals(KEY_FILE));
        }
    }
}
