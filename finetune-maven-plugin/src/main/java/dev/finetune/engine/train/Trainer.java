package dev.finetune.engine.train;

import dev.finetune.engine.eval.Evaluator;
import dev.finetune.engine.model.Net;
import dev.finetune.engine.report.EpochRecord;
import dev.finetune.engine.report.SplitMetrics;
import dev.finetune.engine.report.TrainingReport;
import dev.finetune.engine.report.TrainingTimings;
import dev.finetune.spec.FinetuneSpec;
import dev.finetune.spec.Metric;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.factory.Nd4j;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Locale;
import java.util.Random;

/**
 * The training loop: seeded shuffles, minibatches, a validation check after every epoch and early stopping.
 * The network ends with the parameters of its best validation epoch. The test split never comes here.
 */
public final class Trainer {

    private final FinetuneSpec spec;
    private final ProgressLog log;

    public Trainer(FinetuneSpec spec, ProgressLog log) {
        this.spec = spec;
        this.log = log;
    }

    /** The report (reproducible) and the wall-clock times of one training run. */
    public record Result(TrainingReport report, TrainingTimings timings) {
    }

    public Result train(String label, Net net, DataSet train, DataSet validation, List<String> classes) {
        var training = spec.training();
        Metric metric = spec.earlyStopping().map(FinetuneSpec.EarlyStoppingSpec::metric).orElse(Metric.loss);
        int maxEpochs = spec.maxEpochs();
        int patience = spec.earlyStopping().map(FinetuneSpec.EarlyStoppingSpec::patience).orElse(Integer.MAX_VALUE);
        long trainable = trainableParams(net);
        log.info(String.format(Locale.ROOT, "%s: %d examples, batch %d, up to %d epochs, %s lr %s, %,d of %,d parameters trainable%s",
                label, train.numExamples(), training.batchSize(), maxEpochs, training.updater(), training.learningRate(),
                trainable, net.numParams(), net.frozenLayerNames().isEmpty() ? "" : ", frozen: " + net.frozenLayerNames()));

        Nd4j.getRandom().setSeed(training.seed());
        Random shuffle = new Random(training.seed());
        List<EpochRecord> epochs = new ArrayList<>();
        List<Double> epochSeconds = new ArrayList<>();
        INDArray best = net.params().dup();
        double bestValue = Double.NaN;
        int bestEpoch = 0;
        int sinceBest = 0;
        boolean stoppedEarly = false;
        long started = System.nanoTime();
        for (int epoch = 1; epoch <= maxEpochs; epoch++) {
            long epochStart = System.nanoTime();
            double lossSum = 0;
            int batches = 0;
            for (DataSet batch : batches(train, training.batchSize(), shuffle)) {
                net.fit(batch);
                lossSum += net.model().score();
                batches++;
            }
            SplitMetrics val = Evaluator.evaluate(net, validation, classes, "validation");
            double seconds = (System.nanoTime() - epochStart) / 1e9;
            epochs.add(new EpochRecord(epoch, lossSum / batches, val.loss(), val.accuracy(), val.macroF1()));
            epochSeconds.add(seconds);
            double value = val.value(metric);
            boolean improved = Double.isNaN(bestValue) || (metric.higherIsBetter() ? value > bestValue : value < bestValue);
            if (improved) {
                bestValue = value;
                bestEpoch = epoch;
                best = net.params().dup();
                sinceBest = 0;
            } else {
                sinceBest++;
            }
            double elapsed = (System.nanoTime() - started) / 1e9;
            double eta = elapsed / epoch * (maxEpochs - epoch);
            log.info(String.format(Locale.ROOT, "%s epoch %d/%d  loss %.4f  val %s %.4f%s  %.1fs  ETA %s",
                    label, epoch, maxEpochs, lossSum / batches, metric, value,
                    improved ? " *" : String.format(Locale.ROOT, " (best %.4f @%d)", bestValue, bestEpoch),
                    seconds, formatEta(eta)));
            if (sinceBest >= patience) {
                stoppedEarly = epoch < maxEpochs;
                log.info(String.format(Locale.ROOT, "%s: no %s improvement for %d epochs; stopping, keeping epoch %d",
                        label, metric, patience, bestEpoch));
                break;
            }
        }
        net.setParams(best);
        double seconds = (System.nanoTime() - started) / 1e9;
        return new Result(new TrainingReport(label, metric.name(), epochs.size(), bestEpoch, bestValue, stoppedEarly,
                train.numExamples(), validation.numExamples(), trainable, net.numParams(), net.frozenLayerNames(),
                List.copyOf(epochs)), new TrainingTimings(label, seconds, List.copyOf(epochSeconds)));
    }

    /** A seeded shuffle of the training set cut into minibatches; the last one may be smaller. */
    static List<DataSet> batches(DataSet train, int batchSize, Random shuffle) {
        int n = train.numExamples();
        List<Integer> order = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            order.add(i);
        }
        Collections.shuffle(order, shuffle);
        List<DataSet> out = new ArrayList<>();
        for (int start = 0; start < n; start += batchSize) {
            int[] rows = order.subList(start, Math.min(n, start + batchSize)).stream().mapToInt(Integer::intValue).toArray();
            out.add(new DataSet(train.getFeatures().getRows(rows), train.getLabels().getRows(rows)));
        }
        return out;
    }

    private static long trainableParams(Net net) {
        long frozen = 0;
        for (var layer : net.layers()) {
            if (Net.isFrozen(layer)) {
                frozen += layer.numParams();
            }
        }
        return net.numParams() - frozen;
    }

    static String formatEta(double seconds) {
        long s = Math.round(seconds);
        return s < 60 ? s + "s" : (s / 60) + "m" + String.format(Locale.ROOT, "%02d", s % 60) + "s";
    }
}
