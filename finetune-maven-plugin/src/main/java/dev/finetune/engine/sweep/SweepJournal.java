package dev.finetune.engine.sweep;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.datatype.jdk8.Jdk8Module;
import dev.finetune.engine.event.EventSink;
import dev.finetune.engine.model.Net;
import dev.finetune.engine.report.AtomicFiles;
import dev.finetune.engine.report.TrainingReport;
import dev.finetune.engine.report.TrainingTimings;
import dev.finetune.engine.train.Trainer;
import org.deeplearning4j.util.ModelSerializer;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The sweep's journal ({@code target/finetune/sweep-journal.jsonl}): one JSON line per finished trial, appended and
 * synced to disk as the trial ends, so a rerun after a crash or a cancelled build runs only the trials it lacks and
 * ranks them with the others as if nothing had happened. Lines belong to one set of inputs (the training fingerprint,
 * {@code key}) and name the trial's settings by the hash of its resolved spec: a journal of other inputs is started
 * anew, and a line for other settings is not used. A torn last line (a kill while writing) is ignored.
 *
 * <p>A finished trial's network at its kept epoch is saved beside the training checkpoints, so a winner from an
 * earlier run needs no training; when it is gone (the step completed and removed its checkpoints), the winner is
 * trained again, which gives the same network (training is deterministic).
 */
public final class SweepJournal {

    private static final ObjectMapper MAPPER = JsonMapper.builder()
            .addModule(new Jdk8Module())
            .disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
            .build();

    /**
     * One finished trial.
     *
     * @param settings       SHA-256 of the trial's resolved spec ({@link TrialTask#specYaml()})
     * @param stoppedBySweep whether the sweep's early termination ended it (it was still running when the policy
     *                       decided, which a replay of the rounds must know)
     * @param report         its run's report at the kept epoch; null when it failed
     * @param timings        its run's times; null when it failed
     * @param graph          whether its network is a ComputationGraph
     * @param stages         with {@code training.stages}: each stage's report (the last is {@code report}); null or
     *                       empty for one stage (lines written before stages could be swept have none)
     */
    public record Entry(String key, int trial, String settings, TrialOutcome outcome, boolean stoppedBySweep,
                        TrainingReport report, TrainingTimings timings, boolean graph, List<TrainingReport> stages) {

        /**
         * The outcome as the sweep saw it in round {@code epoch} of an uninterrupted run, before the policy decided:
         * still running while it had epochs to go (or when the policy stopped it in this very round).
         */
        TrialOutcome asOf(int epoch) {
            TrialOutcome o = outcome;
            boolean running = o.epochsRun() > epoch || (o.epochsRun() == epoch && (stoppedBySweep || o.status() == TrialOutcome.Status.failed));
            if (!running || o.epochsRun() == 0) {
                return o;
            }
            return new TrialOutcome(o.index(), TrialOutcome.Status.running, o.keptValues().subList(0, Math.min(epoch, o.epochsRun())),
                    o.bestEpoch(), false, null, null, o.seconds(), o.built(), o.featuresCached());
        }
    }

    private final Path file;
    private final Path netsDir;
    private final String key;
    private final boolean rerunFailed;
    private final Map<Integer, Entry> entries = new LinkedHashMap<>();

    private SweepJournal(Path file, Path netsDir, String key, boolean rerunFailed) {
        this.file = file;
        this.netsDir = netsDir;
        this.key = key;
        this.rerunFailed = rerunFailed;
    }

    /**
     * Reads the journal for {@code key}; a journal of other inputs is emptied.
     *
     * @param netsDir     where finished trials' networks go (the checkpoints folder)
     * @param rerunFailed whether trials recorded as failed run again
     */
    public static SweepJournal open(Path file, Path netsDir, String key, boolean rerunFailed) throws IOException {
        SweepJournal journal = new SweepJournal(file, netsDir, key, rerunFailed);
        boolean foreign = false;
        for (Entry e : read(file)) {
            if (e.key().equals(key)) {
                // a trial journaled twice (it failed, then ran again): the last line counts
                journal.entries.put(e.trial(), e);
            } else {
                foreign = true;
            }
        }
        if (foreign || !Files.exists(file)) {
            journal.entries.clear();
            AtomicFiles.write(file, new byte[0]);
        }
        return journal;
    }

    /** Whether {@code file} records a failed trial for {@code key}: then {@code rerunFailed} has something to do. */
    public static boolean hasFailedTrials(Path file, String key) {
        try {
            return read(file).stream().filter(e -> e.key().equals(key))
                    .collect(java.util.stream.Collectors.toMap(Entry::trial, e -> e, (a, b) -> b)).values().stream()
                    .anyMatch(e -> e.outcome().status() == TrialOutcome.Status.failed);
        } catch (IOException e) {
            return false;
        }
    }

    private static List<Entry> read(Path file) throws IOException {
        if (!Files.isRegularFile(file)) {
            return List.of();
        }
        return Files.readAllLines(file, StandardCharsets.UTF_8).stream().filter(l -> !l.isBlank()).map(l -> {
            try {
                return Optional.of(MAPPER.readValue(l, Entry.class));
            } catch (IOException e) {
                return Optional.<Entry>empty();
            }
        }).flatMap(Optional::stream).toList();
    }

    public Path file() {
        return file;
    }

    /** The tasks' trials that finished in an earlier run with the same settings (failed ones only without rerunFailed). */
    Map<Integer, Entry> finished(List<TrialTask> tasks) {
        Map<Integer, Entry> done = new LinkedHashMap<>();
        for (TrialTask t : tasks) {
            Entry e = entries.get(t.index());
            if (e != null && e.settings().equals(settings(t)) && !(rerunFailed && e.outcome().status() == TrialOutcome.Status.failed)) {
                done.put(t.index(), e);
            }
        }
        return done;
    }

    /** Journals a finished trial: its network first (when it has one), then its line, synced, so the line names a whole file. */
    synchronized void record(TrialTask task, TrialOutcome outcome, boolean stoppedBySweep, Optional<TrainedTrial> trained) {
        try {
            if (trained.isPresent()) {
                AtomicFiles.write(net(task.index()), temp -> trained.get().net().save(temp));
            }
            Entry e = new Entry(key, task.index(), settings(task), outcome, stoppedBySweep,
                    trained.map(t -> t.result().report()).orElse(null), trained.map(t -> t.result().timings()).orElse(null),
                    trained.map(t -> t.net().isGraph()).orElse(false), trained.map(TrainedTrial::stages).orElse(List.of()));
            byte[] line = (MAPPER.writeValueAsString(e) + "\n").getBytes(StandardCharsets.UTF_8);
            try (FileChannel out = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.WRITE, StandardOpenOption.APPEND)) {
                out.write(ByteBuffer.wrap(line));
                out.force(true);
            }
            entries.put(task.index(), e);
        } catch (IOException ex) {
            throw new UncheckedIOException("cannot journal sweep trial " + task.index() + " in " + file + ": " + ex.getMessage(), ex);
        }
    }

    /** A journaled trial's saved network and report, if its network is still there. */
    Optional<TrainedTrial> trained(Entry e) {
        Path net = net(e.trial());
        if (e.report() == null || !Files.isRegularFile(net)) {
            return Optional.empty();
        }
        try {
            // written by Net.save from the trial's own network, so its layers (frozen ones included) come back as they were
            Net loaded = e.graph() ? Net.of(ModelSerializer.restoreComputationGraph(net.toFile(), false))
                    : Net.of(ModelSerializer.restoreMultiLayerNetwork(net.toFile(), false));
            return Optional.of(new TrainedTrial(loaded, new Trainer.Result(e.report(), e.timings()),
                    e.stages() == null ? List.of() : e.stages()));
        } catch (IOException | RuntimeException ex) {
            return Optional.empty();
        }
    }

    private Path net(int trial) {
        return netsDir.resolve("sweep-trial-" + trial + ".zip");
    }

    static String settings(TrialTask task) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(task.specYaml().getBytes(StandardCharsets.UTF_8)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
