package dev.finetune.engine.train;

import dev.finetune.engine.data.Batches;
import dev.finetune.engine.data.LabeledRows;
import dev.finetune.engine.data.RowBatches;
import dev.finetune.engine.data.RowFeatures;
import dev.finetune.engine.data.RowFile;
import dev.finetune.engine.event.EventSink;
import dev.finetune.engine.model.Net;
import org.deeplearning4j.nn.api.Layer;
import org.deeplearning4j.nn.conf.InputPreProcessor;
import org.deeplearning4j.nn.conf.MultiLayerConfiguration;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.layers.FrozenLayer;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Frozen layers at the input never change and run in inference mode (no dropout), so their outputs are a fixed
 * function of the data: this computes them once per split (as DL4J's {@code TransferLearningHelper.featurize} does)
 * and trains only the layers above on them, every epoch and every sweep trial with the same frozen prefix. The
 * top network starts from the whole network's parameters and is fitted with the same updater, batches and random
 * draws, so it ends where full forward passes would (FrozenFeatureCacheTest measures the difference).
 *
 * <p>Falls back to full forward passes, saying why, when switched off, when the dataset source is not deterministic
 * (augmentation gives other inputs every epoch, so outputs computed once would be stale), for networks without a
 * frozen input layer, and for ComputationGraphs whose trainable layers are not one chain on top of the frozen ones
 * ({@link GraphSplit}: a frozen imported CNN under a new dense head is such a chain). Instances are per dataset; safe
 * to share between trial threads.
 *
 * <p>The outputs stay in memory up to a budget (by default a quarter of ND4J's off-heap limit, where they live);
 * beyond it they spill to a row file ({@link RowFile}, under {@code target/finetune/feature-cache}) that training
 * reads by row index, so a split larger than memory is cached too. Both give the same floats, so the same training.
 * A graph's frozen outputs are held in memory only (image bases here have hundreds of images, not millions).
 */
public final class FrozenFeatureCache {

    /** Frozen outputs are computed in chunks so a large split does not need one huge activation array. */
    private static final int CHUNK = 256;

    private final Batches train;
    private final Batches validation;
    private final boolean deterministic;
    private final boolean enabled;
    private final EventSink log;
    /** The splits already are a frozen body's outputs (an ONNX model's, computed once): the whole network is the top. */
    private final boolean precomputed;
    private final Map<Integer, Batches[]> featurized = new HashMap<>();
    /** For graphs: the boundary vertex's outputs, by the boundary's name. */
    private final Map<String, Batches[]> featurizedGraph = new HashMap<>();
    /** Bytes of frozen outputs held in memory per split before they go to a file instead. */
    private final long memoryBudget;
    private final Optional<Path> spillDir;
    private final List<String> reported = new ArrayList<>();

    /**
     * @param deterministic whether every pass over the data yields the same examples
     *                      ({@link dev.finetune.engine.data.DatasetSource#deterministic()}); the cache needs that
     * @param enabled       off only to measure or debug the cache
     */
    public FrozenFeatureCache(Batches train, Batches validation, boolean deterministic, boolean enabled, EventSink log) {
        this(train, validation, deterministic, enabled, log, Optional.empty(), defaultBudget());
    }

    /**
     * @param spillDir     where outputs beyond {@code memoryBudget} go ({@code target/finetune/feature-cache}); the
     *                     temporary directory when empty
     * @param memoryBudget bytes of outputs per split kept in memory
     */
    public FrozenFeatureCache(Batches train, Batches validation, boolean deterministic, boolean enabled, EventSink log,
                              Optional<Path> spillDir, long memoryBudget) {
        this(train, validation, deterministic, enabled, log, false, spillDir, memoryBudget);
    }

    /** A quarter of the off-heap memory ND4J may use (JavaCPP's maxbytes, by default the heap's size). */
    public static long defaultBudget() {
        return Math.max(1L << 20, org.bytedeco.javacpp.Pointer.maxBytes() / 4);
    }

    private FrozenFeatureCache(Batches train, Batches validation, boolean deterministic, boolean enabled, EventSink log,
                               boolean precomputed, Optional<Path> spillDir, long memoryBudget) {
        this.spillDir = spillDir;
        this.memoryBudget = memoryBudget;
        this.train = train;
        this.validation = validation;
        this.deterministic = deterministic;
        this.enabled = enabled;
        this.log = log;
        this.precomputed = precomputed;
    }

    /**
     * For splits that are a frozen body's outputs already, computed once outside DL4J (an ONNX model's features): the
     * networks trained on them are heads alone, each trained whole on these splits, every epoch and trial.
     */
    public static FrozenFeatureCache precomputed(Batches train, Batches validation, EventSink log) {
        return new FrozenFeatureCache(train, validation, true, true, log, true, Optional.empty(), defaultBudget());
    }

    /** The target to train {@code net} on: its top on cached features when possible, else the whole network. */
    public synchronized TrainingTarget target(Net net) {
        if (precomputed) {
            return TrainingTarget.full(net, train, validation);
        }
        Optional<String> why = unsupported(net);
        if (why.isPresent()) {
            say("frozen-feature cache off: " + why.get() + "; training runs full forward passes");
            return TrainingTarget.full(net, train, validation);
        }
        if (net.model() instanceof ComputationGraph graph) {
            return graphTarget(net, graph);
        }
        MultiLayerNetwork whole = (MultiLayerNetwork) net.model();
        int prefix = frozenPrefix(net);
        Batches[] splits = featurized.get(prefix);
        if (splits == null) {
            long started = System.nanoTime();
            splits = onOwnThread(() -> new Batches[] {featurize(whole, prefix, train, "train"),
                    featurize(whole, prefix, validation, "validation")});
            featurized.put(prefix, splits);
            log.info(String.format(java.util.Locale.ROOT, "frozen-feature cache: outputs of the %d frozen input layer(s) computed once "
                            + "for %d train + %d validation rows in %.2f s; training fits only the layers above",
                    prefix, train.numExamples(), validation.numExamples(), (System.nanoTime() - started) / 1e9));
        }
        long offset = 0;
        for (int i = 0; i < prefix; i++) {
            offset += whole.getLayer(i).numParams();
        }
        return new TrainingTarget(net, top(whole, prefix, offset), splits[0], splits[1], offset);
    }

    /** Why the cache cannot serve this network; empty when it can. */
    public Optional<String> unsupported(Net net) {
        if (precomputed) {
            return Optional.empty();
        }
        if (!enabled) {
            return Optional.of("switched off");
        }
        if (!deterministic) {
            return Optional.of("the dataset source is not deterministic (dataset.augmentation changes the training images every epoch)");
        }
        if (net.model() instanceof ComputationGraph graph) {
            String[] why = new String[1];
            return GraphSplit.of(graph, why) == null ? Optional.of(why[0]) : Optional.empty();
        }
        if (frozenPrefix(net) == 0) {
            return Optional.of("no frozen layer at the input");
        }
        return Optional.empty();
    }

    /** Graph chunks are smaller: a CNN's activations for 256 images at once would need gigabytes. */
    private static final int GRAPH_CHUNK = 32;

    private TrainingTarget graphTarget(Net net, ComputationGraph graph) {
        GraphSplit split = GraphSplit.of(graph, new String[1]);
        Batches[] splits = featurizedGraph.get(split.boundary());
        if (splits == null) {
            long started = System.nanoTime();
            ComputationGraph bottom = split.bottom(graph);
            splits = onOwnThread(() -> new Batches[] {GraphSplit.featurize(bottom, train, GRAPH_CHUNK),
                    GraphSplit.featurize(bottom, validation, GRAPH_CHUNK)});
            featurizedGraph.put(split.boundary(), splits);
            log.info(String.format(java.util.Locale.ROOT, "frozen-feature cache: outputs of the frozen graph up to `%s` computed once "
                            + "for %d train + %d validation rows in %.2f s; training fits only the %d layer(s) above",
                    split.boundary(), train.numExamples(), validation.numExamples(), (System.nanoTime() - started) / 1e9,
                    split.chain().size()));
        }
        return new TrainingTarget(net, Net.of(split.top(graph)), splits[0], splits[1], 0);
    }

    /** How many layers from the input are frozen without backprop: the part whose output is fixed. */
    static int frozenPrefix(Net net) {
        int n = 0;
        for (Layer layer : net.layers()) {
            if (!(layer instanceof FrozenLayer)) {
                break;
            }
            n++;
        }
        return n;
    }

    /**
     * Runs the frozen layers' forward pass on a short-lived thread of its own. Measured here (2 cores, LeNet base):
     * when the thread that then trains the small top had run the convolutions itself, its epochs took 0.1-0.4 s
     * instead of ~0.01 s. Likely per-thread native state left by the large pass (ND4J workspaces, the OpenMP team);
     * not investigated further, since a fresh thread avoids it.
     */
    private static <T> T onOwnThread(java.util.function.Supplier<T> work) {
        Object[] result = new Object[1];
        RuntimeException[] failure = new RuntimeException[1];
        Thread thread = new Thread(() -> {
            try {
                result[0] = work.get();
            } catch (RuntimeException e) {
                failure[0] = e;
            }
        }, "finetune-featurize");
        thread.start();
        try {
            thread.join();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while computing frozen features", e);
        }
        if (failure[0] != null) {
            throw failure[0];
        }
        @SuppressWarnings("unchecked")
        T t = (T) result[0];
        return t;
    }

    /**
     * The frozen prefix's outputs for every example with the labels: what the top trains on. In memory while they fit
     * the budget; past it, everything computed so far and the rest goes to a row file, read back by row index.
     */
    private Batches featurize(MultiLayerNetwork whole, int prefix, Batches data, String split) {
        List<INDArray> chunks = new ArrayList<>();
        List<INDArray> labels = new ArrayList<>();
        long bytes = 0;
        RowFile.Writer spill = null;
        Path spillFile = null;
        long[] exampleShape = null;
        int numClasses = 0;
        try {
            for (Iterator<DataSet> batches = data.inOrder(CHUNK); batches.hasNext(); ) {
                DataSet batch = batches.next();
                // element 0 is the input, element i + 1 the output of layer i; inference mode, as frozen layers run
                INDArray out = whole.feedForwardToLayer(prefix - 1, batch.getFeatures(), false).get(prefix).detach();
                exampleShape = java.util.Arrays.copyOfRange(out.shape(), 1, out.rank());
                numClasses = (int) batch.getLabels().size(1);
                if (spill == null) {
                    chunks.add(out);
                    labels.add(batch.getLabels());
                    bytes += out.length() * out.dataType().width();
                    if (bytes > memoryBudget) {
                        Path dir = spillDir.orElse(Path.of(System.getProperty("java.io.tmpdir")));
                        Files.createDirectories(dir);
                        // named after this JVM, so a later build can tell a killed JVM's leftover from a running one's file
                        spillFile = Files.createTempFile(dir, dev.finetune.engine.data.CachePruning.spillPrefix() + prefix
                                + "-" + split + "-", ".rows");
                        spillFile.toFile().deleteOnExit();
                        spill = new RowFile.Writer(spillFile, (int) (out.length() / out.size(0)));
                        for (int c = 0; c < chunks.size(); c++) {
                            append(spill, chunks.get(c), labels.get(c));
                        }
                        chunks.clear();
                        labels.clear();
                    }
                } else {
                    append(spill, out, batch.getLabels());
                }
            }
            if (spill == null) {
                return Batches.inMemory(new DataSet(concat(chunks), concat(labels)));
            }
            spill.finish(List.of());
            RowFile file = RowFile.open(spillFile);
            log.info(String.format(java.util.Locale.ROOT, "frozen-feature cache: the %s outputs (%d rows, %.1f MiB) exceed the"
                    + " in-memory budget of %.1f MiB; they are read from %s", split, file.rowCount(),
                    (double) file.rowCount() * file.featureCount() * Float.BYTES / (1 << 20), memoryBudget / (double) (1 << 20), spillFile));
            LabeledRows rows = new LabeledRows(split, new RowFeatures.Stored(file, Batches.inOrderIndices(file.rowCount())),
                    file.labels(), file.lines(), Optional.empty());
            return new RowBatches(rows, numClasses, Optional.empty(), exampleShape);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write the frozen-feature cache under " + spillDir.orElse(null), e);
        } finally {
            if (spill != null) {
                try {
                    spill.close();
                } catch (IOException e) {
                    // the temporary file is deleted on exit
                }
            }
        }
    }

    /** Rows of a chunk of outputs, flattened in C order as InMemoryBatches reshapes them, with their classes. */
    private static void append(RowFile.Writer spill, INDArray out, INDArray labels) throws IOException {
        int n = (int) out.size(0);
        float[][] rows = out.castTo(org.nd4j.linalg.api.buffer.DataType.FLOAT).dup('c').reshape('c', n, out.length() / n).toFloatMatrix();
        INDArray classes = labels.argMax(1);
        for (int i = 0; i < n; i++) {
            spill.add(rows[i], 0, classes.getInt(i), 0);
        }
    }

    private static INDArray concat(List<INDArray> chunks) {
        return chunks.size() == 1 ? chunks.get(0) : Nd4j.concat(0, chunks.toArray(INDArray[]::new));
    }

    /** Layers {@code prefix..} as a network of their own, with their preprocessors, starting from the same parameters. */
    private static Net top(MultiLayerNetwork whole, int prefix, long offset) {
        MultiLayerConfiguration conf = whole.getLayerWiseConfigurations();
        List<NeuralNetConfiguration> confs = new ArrayList<>();
        Map<Integer, InputPreProcessor> preprocessors = new HashMap<>();
        for (int i = prefix; i < conf.getConfs().size(); i++) {
            confs.add(conf.getConf(i).clone());
            if (conf.getInputPreProcess(i) != null) {
                preprocessors.put(i - prefix, conf.getInputPreProcess(i).clone());
            }
        }
        MultiLayerConfiguration topConf = new MultiLayerConfiguration.Builder()
                .confs(confs)
                .inputPreProcessors(preprocessors)
                .backpropType(conf.getBackpropType())
                .tBPTTForwardLength(conf.getTbpttFwdLength())
                .tBPTTBackwardLength(conf.getTbpttBackLength())
                .trainingWorkspaceMode(conf.getTrainingWorkspaceMode())
                .inferenceWorkspaceMode(conf.getInferenceWorkspaceMode())
                .cacheMode(conf.getCacheMode())
                .dataType(conf.getDataType())
                .build();
        INDArray all = whole.params();
        INDArray params = all.reshape(1, all.length()).get(NDArrayIndex.interval(0, 1), NDArrayIndex.interval(offset, all.length())).dup();
        MultiLayerNetwork top = new MultiLayerNetwork(topConf);
        top.init(params, false);
        return Net.of(top);
    }

    private void say(String message) {
        if (!reported.contains(message)) {
            reported.add(message);
            log.info(message);
        }
    }
}
