package dev.finetune.engine.dataparallel;

import dev.finetune.engine.event.EventSink;
import dev.finetune.engine.model.Net;
import dev.finetune.engine.report.DataParallelInfo;
import dev.finetune.engine.sweep.spark.SparkContexts;
import dev.finetune.engine.sweep.spark.SparkSettings;
import dev.finetune.engine.train.EpochFitter;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.spark.api.RDDTrainingApproach;
import org.deeplearning4j.spark.impl.graph.SparkComputationGraph;
import org.deeplearning4j.spark.impl.multilayer.SparkDl4jMultiLayer;
import org.deeplearning4j.spark.impl.paramavg.ParameterAveragingTrainingMaster;
import org.nd4j.linalg.dataset.DataSet;

import java.util.IdentityHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Data-parallel training on Spark ({@code -Dfinetune.spark.mode=data-parallel}): each epoch's minibatches (the local
 * run's, in its order) become an RDD over the workers, and DL4J's {@link ParameterAveragingTrainingMaster} fits them:
 * every worker fits {@code averagingFrequency} minibatches from the current parameters, then the driver averages the
 * workers' parameters and updater states, and so on to the epoch's end. The driver (this JVM) keeps validation, early
 * stopping and reports ({@link dev.finetune.engine.train.TrainingRun}).
 *
 * <p>Not bit-identical to the local loop: an averaged step is not the sum of sequential steps. It is repeatable: the
 * split into rounds is seeded from the spec's training seed, the workers' generators from {@link SeedingHook}, and with
 * two workers the averaged sum does not depend on which task ends first (measured: DataParallelTest).
 */
public final class SparkDataParallel implements EpochFitter, AutoCloseable {

    private final JavaSparkContext spark;
    private final SparkSettings settings;
    private final int batchSize;
    private final long seed;
    private final EventSink log;
    /** One training master per network: its generator for the rounds' splits goes on from epoch to epoch. */
    private final Map<Object, Wrapped> networks = new IdentityHashMap<>();
    private long fitNanos;
    private int epochs;
    private long rounds;

    private record Wrapped(ParameterAveragingTrainingMaster master, SparkDl4jMultiLayer stack, SparkComputationGraph graph) {
    }

    private SparkDataParallel(JavaSparkContext spark, SparkSettings settings, int batchSize, long seed, EventSink log) {
        this.spark = spark;
        this.settings = settings;
        this.batchSize = batchSize;
        this.seed = seed;
        this.log = log;
    }

    /**
     * Starts the Spark application for one training.
     *
     * @param batchSize the spec's minibatch size, each worker's
     * @param seed      the spec's training seed (the rounds' splits)
     */
    public static SparkDataParallel start(SparkSettings settings, int batchSize, long seed, EventSink log) {
        long t0 = System.nanoTime();
        JavaSparkContext context = SparkContexts.start(settings, "finetune data-parallel training");
        SparkDataParallel d = new SparkDataParallel(context, settings, batchSize, seed, log);
        log.info(String.format(Locale.ROOT, "data-parallel: on Spark %s (%s), %d workers, parameter averaging every %d"
                        + " minibatch(es) of %d per worker; started in %.1f s", context.version(), settings.master(),
                d.workers(), settings.averagingFrequency(), batchSize, (System.nanoTime() - t0) / 1e9));
        return d;
    }

    /** What the lineage records of this training's distribution. */
    public DataParallelInfo info() {
        return new DataParallelInfo("spark", settings.master(), spark.version(), workers(), settings.averagingFrequency(),
                batchSize, DataParallelInfo.PARAMETER_AVERAGING);
    }

    private int workers() {
        return spark.defaultParallelism();
    }

    /** @return the workers' mean minibatch loss at the epoch's last averaging (DL4J's score of that round) */
    @Override
    public double fit(Net net, List<DataSet> batches, long epochSeed) {
        long t0 = System.nanoTime();
        Wrapped w = networks.computeIfAbsent(net.model(), m -> wrap(net));
        SeedingHook hook = new SeedingHook(epochSeed);
        // DL4J splits the epoch into rounds of workers x averagingFrequency minibatches, averaging after each
        rounds += (batches.size() + (long) workers() * settings.averagingFrequency() - 1) / ((long) workers() * settings.averagingFrequency());
        w.master().addHook(hook);
        try {
            JavaRDD<DataSet> rdd = spark.parallelize(batches, workers());
            double score;
            if (w.stack() != null) {
                w.stack().fit(rdd);
                score = w.stack().getScore();
            } else {
                w.graph().fit(rdd);
                score = w.graph().getScore();
            }
            return score;
        } finally {
            w.master().removeHook(hook);
            fitNanos += System.nanoTime() - t0;
            epochs++;
        }
    }

    private Wrapped wrap(Net net) {
        ParameterAveragingTrainingMaster master = new ParameterAveragingTrainingMaster.Builder(workers(), batchSize)
                .batchSizePerWorker(batchSize)
                .averagingFrequency(settings.averagingFrequency())
                // the workers fit in their task's thread: a prefetch thread per worker only competes for the cores
                .workerPrefetchNumBatches(0)
                // minibatches go to the workers in the RDD, not through files in an export directory
                .rddTrainingApproach(RDDTrainingApproach.Direct)
                .saveUpdater(true)
                .collectTrainingStats(false)
                .rngSeed(seed)
                .build();
        if (net.model() instanceof MultiLayerNetwork stack) {
            return new Wrapped(master, new SparkDl4jMultiLayer(spark, stack, master), null);
        }
        return new Wrapped(master, null, new SparkComputationGraph(spark, (ComputationGraph) net.model(), master));
    }

    @Override
    public void close() {
        if (epochs > 0) {
            log.info(String.format(Locale.ROOT, "data-parallel: %d epoch(s) fitted on Spark in %.2f s (%.2f s per epoch,"
                    + " validation on the driver not included), %d averaging round(s), %.3f s per round", epochs,
                    fitNanos / 1e9, fitNanos / 1e9 / epochs, rounds, fitNanos / 1e9 / Math.max(1, rounds)));
        }
        spark.stop();
    }
}
