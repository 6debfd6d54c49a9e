package dev.finetune.engine.train;

import dev.finetune.engine.event.EventSink;
import dev.finetune.engine.event.JobEvent;
import dev.finetune.engine.model.Net;
import dev.finetune.engine.report.AtomicFiles;
import dev.finetune.engine.report.Json;
import org.deeplearning4j.nn.api.Model;
import org.deeplearning4j.nn.api.Updater;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.util.ModelSerializer;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.Locale;
import java.util.Optional;
import java.util.stream.Stream;

/**
 * Training runs' checkpoints in one directory ({@code target/finetune/checkpoints}), so a build killed mid-training
 * resumes where it stopped. A run's checkpoint is its fitted network with the updater's state
 * ({@link ModelSerializer#writeModel(Model, java.io.File, boolean)}), the best epoch's parameters so far, and the
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

    /**
     * How often to checkpoint; not part of the inputs' fingerprint, since it changes no result.
     *
     * @param key          what the checkpoints belong to (the training fingerprint): others are not resumed
     * @param everyEpochs  checkpoint after every this many epochs; 0 for none by count
     * @param everyMinutes also after the first epoch that ends this many minutes after the last checkpoint; 0 for none
     */
    public record Policy(String key, int everyEpochs, int everyMinutes) {
        public boolean enabled() {
            return everyEpochs > 0 || everyMinutes > 0;
        }
    }

    /** A run's state as the checkpoint left it; the fitted network was restored in place. */
    record Resumed(RunState state, INDArray best) {
    }

    private final Path dir;
    private final Policy policy;
    private final EventSink log;

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

    /** Whether a run that has run {@code epochsSince} epochs and {@code nanosSince} since its last checkpoint writes one. */
    boolean due(int epochsSince, long nanosSince, boolean finished) {
        if (!policy.enabled()) {
            return false;
        }
        // a finished run always leaves one: a crash in a later run of the same step then does not retrain it
        return finished || (policy.everyEpochs() > 0 && epochsSince >= policy.everyEpochs())
                || (policy.everyMinutes() > 0 && nanosSince >= policy.everyMinutes() * 60_000_000_000L);
    }

    /** Writes run {@code run}'s checkpoint after {@code state.epoch()}; the state goes last, so it names whole files. */
    void save(String run, Net fitted, INDArray best, RunState.Builder state) {
        long started = System.nanoTime();
        int epoch = state.epoch();
        String stem = fileStem(run) + String.format(Locale.ROOT, "-e%05d", epoch);
        Path net = dir.resolve(stem + ".zip");
        Path bestFile = dir.resolve(stem + ".best.bin");
        Path stateFile = dir.resolve(fileStem(run) + ".json");
        try {
            AtomicFiles.write(net, temp -> ModelSerializer.writeModel(fitted.model(), temp.toFile(), true));
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
        log.emit(new JobEvent.CheckpointWritten(run, epoch, dir.getFileName() + "/" + stateFile.getFileName(),
                (System.nanoTime() - started) / 1e9));
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
            Model saved = fitted.isGraph() ? ModelSerializer.restoreComputationGraph(net.toFile(), true)
                    : ModelSerializer.restoreMultiLayerNetwork(net.toFile(), true);
            if (saved.numParams() != fitted.numParams()) {
                throw new IOException("the checkpoint has " + saved.numParams() + " parameters, the network " + fitted.numParams());
            }
            INDArray best = Nd4j.readBinary(bestFile.toFile());
            restoreInto(fitted.model(), saved);
            return Optional.of(new Resumed(state, best));
        } catch (IOException | RuntimeException e) {
            log.emit(new JobEvent.Warning("cannot resume " + run + " from " + stateFile + " (" + e.getMessage() + "); training it from the start"));
            return Optional.empty();
        }
    }

    private static void restoreInto(Model target, Model saved) {
        target.setParams(saved.params());
        if (target instanceof MultiLayerNetwork t && saved instanceof MultiLayerNetwork s) {
            copyUpdaterState(t.getUpdater(), s.getUpdater());
            t.getLayerWiseConfigurations().setIterationCount(s.getLayerWiseConfigurations().getIterationCount());
            t.getLayerWiseConfigurations().setEpochCount(s.getLayerWiseConfigurations().getEpochCount());
        } else if (target instanceof ComputationGraph t && saved instanceof ComputationGraph s) {
            copyUpdaterState(t.getUpdater(), s.getUpdater());
            t.getConfiguration().setIterationCount(s.getConfiguration().getIterationCount());
            t.getConfiguration().setEpochCount(s.getConfiguration().getEpochCount());
        } else {
            throw new IllegalStateException("the checkpoint holds a " + saved.getClass().getSimpleName() + ", the run trains a "
                    + target.getClass().getSimpleName());
        }
    }

    private static void copyUpdaterState(Updater target, Updater saved) {
        INDArray from = stateView(saved);
        INDArray to = stateView(target);
        if (from == null || to == null) {
            // updaters without state (plain SGD) have nothing to carry over
            if ((from == null) != (to == null)) {
                throw new IllegalStateException("the checkpoint's updater state does not fit the network's");
            }
            return;
        }
        to.assign(from);
    }

    private static INDArray stateView(Updater updater) {
        return updater == null ? null : updater.getStateViewArray();
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
