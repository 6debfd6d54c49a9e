package dev.finetune.engine.train;

import dev.finetune.engine.event.EventSink;
import dev.finetune.engine.model.Net;
import dev.finetune.engine.report.TrainingReport;
import dev.finetune.engine.report.TrainingTimings;
import dev.finetune.spec.FinetuneSpec;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Optional;
import java.util.Random;

/**
 * The training loop ({@link TrainingRun}, run to its end): seeded shuffles, minibatches, a validation check after
 * every epoch and early stopping. The network ends with the parameters of its best validation epoch.
 */
public final class Trainer {

    private final FinetuneSpec spec;
    private final EventSink log;

    public Trainer(FinetuneSpec spec, EventSink log) {
        this.spec = spec;
        this.log = log;
    }

    /** The report (reproducible) and the wall-clock times of one training run. */
    public record Result(TrainingReport report, TrainingTimings timings) {
    }

    /** Trains {@code target} to its end (epoch limit or patience) and leaves the best epoch's parameters in it. */
    public Result train(String label, TrainingTarget target, List<String> classes) {
        TrainingRun run = new TrainingRun(spec, label, target, classes, log, Optional.empty());
        while (!run.finished()) {
            run.epoch();
        }
        return run.finish();
    }

    /** Trains the whole network on the data, without the frozen-feature cache. */
    public Result train(String label, Net net, DataSet train, DataSet validation, List<String> classes) {
        return train(label, TrainingTarget.full(net, train, validation), classes);
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
            out.add(new DataSet(rows(train.getFeatures(), rows), train.getLabels().getRows(rows)));
        }
        return out;
    }

    /** The given rows of a matrix, or of a higher-rank array such as cached convolution outputs [n, c, h, w]. */
    private static INDArray rows(INDArray array, int[] rows) {
        if (array.rank() == 2) {
            return array.getRows(rows);
        }
        long[] shape = array.shape().clone();
        INDArray picked = array.reshape('c', shape[0], array.length() / shape[0]).getRows(rows);
        shape[0] = rows.length;
        return picked.reshape('c', shape);
    }
}
