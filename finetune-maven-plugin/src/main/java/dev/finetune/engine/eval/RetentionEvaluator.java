package dev.finetune.engine.eval;

import dev.finetune.engine.UserInputException;
import dev.finetune.engine.data.Batches;
import dev.finetune.engine.data.CsvDatasetLoader;
import dev.finetune.engine.data.DataSets;
import dev.finetune.engine.data.LabeledRows;
import dev.finetune.engine.data.Normalizers;
import dev.finetune.engine.model.ModelSurgery;
import dev.finetune.engine.model.Net;
import dev.finetune.engine.report.RetentionReport;
import dev.finetune.engine.report.SplitMetrics;
import dev.finetune.spec.FinetuneSpec;
import dev.finetune.spec.FinetuneSpec.DatasetSpec;
import dev.finetune.spec.FinetuneSpec.RetentionSpec;
import dev.finetune.spec.FinetuneSpec.SplitSpec;
import dev.finetune.spec.Metric;
import org.deeplearning4j.nn.api.Layer;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.dataset.api.preprocessor.DataNormalization;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Function;

/**
 * Catastrophic forgetting, measured: the base's original task data scored by the base as loaded and by the
 * fine-tuned body under the base's own top layers. The head replaces the base's top layers but sits on the body's
 * unchanged output, so those layers with their original weights always fit back on; what changes the score is only
 * how much training moved the body's weights (a fully frozen body gives the base's numbers exactly).
 */
public final class RetentionEvaluator {

    static final String METHOD = "the fine-tuned network's layers below its new head, under the base's removed top"
            + " layers with their original weights";

    private final RetentionSpec spec;
    private final Function<String, Path> resolver;

    public RetentionEvaluator(RetentionSpec spec, Function<String, Path> resolver) {
        this.spec = spec;
        this.resolver = resolver;
    }

    /**
     * @param spec  where each key stood, for the checks' locations
     * @param base  the base network as loaded
     * @param tuned the fine-tuned network (as {@code model.zip} holds it)
     */
    public RetentionReport measure(FinetuneSpec specFile, Net base, Net tuned, String baseName) {
        Net after = withBaseHead(base, tuned, baseName);
        int outputs = outputCount(base);
        var data = spec.data();
        DatasetSpec asDataset = new DatasetSpec(DatasetSpec.Type.csv, Optional.of(data.path()), Optional.empty(), data.labelColumn(),
                data.header(), data.delimiter(), new SplitSpec(1, 0, 0, 0, false), data.normalize());
        CsvDatasetLoader.Whole whole = new CsvDatasetLoader(resolver).loadWhole(asDataset);
        LabeledRows rows = byOutputIndex(whole, outputs);
        List<String> classes = outputNames(whole.classes(), outputs);
        DataSet all = DataSets.of(rows, outputs);
        Optional<DataNormalization> normalizer = Normalizers.fit(data.normalize(), all);
        SplitMetrics before;
        SplitMetrics afterMetrics;
        try {
            before = Evaluator.evaluate(base, batches(rows, outputs, normalizer), classes, "retention (base)");
            afterMetrics = Evaluator.evaluate(after, batches(rows, outputs, normalizer), classes, "retention (fine-tuned)");
        } catch (RuntimeException e) {
            throw new UserInputException(data.path() + " (`evaluation.retention.data`): the base cannot read its rows ("
                    + rows.featureCount() + " features): " + e.getMessage());
        }
        Map<Metric, Double> drop = RetentionReport.drops(before, afterMetrics);
        List<RetentionReport.Check> checks = new ArrayList<>();
        spec.maxDrop().forEach((metric, max) -> checks.add(new RetentionReport.Check(metric, max, drop.get(metric),
                drop.get(metric) <= max, specFile.locate("evaluation.retention.maxDrop." + metric).toString())));
        return new RetentionReport(data.path(), METHOD, before, afterMetrics, drop, checks);
    }

    private static Batches batches(LabeledRows rows, int outputs, Optional<DataNormalization> normalizer) {
        return DataSets.batches(rows, outputs, normalizer);
    }

    /**
     * Labels as the base's output indices: integer labels are the index itself (so data with some of the base's
     * classes still lines up); other labels, sorted, must be as many as the base's outputs.
     */
    static LabeledRows byOutputIndex(CsvDatasetLoader.Whole whole, int outputs) {
        List<String> classes = whole.classes();
        boolean integers = classes.stream().allMatch(c -> c.matches("[0-9]+"));
        if (!integers) {
            if (classes.size() != outputs) {
                throw new UserInputException(whole.rows().source() + " (`evaluation.retention.data`): its " + classes.size()
                        + " labels " + classes + " are not output indices, and the base has " + outputs
                        + " outputs; label each row with the index of the base's output for its class (0.." + (outputs - 1) + ")");
            }
            return whole.rows();
        }
        int[] index = classes.stream().mapToInt(c -> Integer.parseInt(c)).toArray();
        Arrays.stream(index).filter(i -> i >= outputs).findFirst().ifPresent(i -> {
            throw new UserInputException(whole.rows().source() + " (`evaluation.retention.data`): label " + i
                    + " is not an output of the base, which has " + outputs + " (0.." + (outputs - 1) + ")");
        });
        LabeledRows rows = whole.rows();
        int[] labels = new int[rows.size()];
        for (int r = 0; r < labels.length; r++) {
            labels[r] = index[rows.labels()[r]];
        }
        return new LabeledRows(rows.source(), rows.features(), labels, rows.rows());
    }

    private static List<String> outputNames(List<String> classes, int outputs) {
        if (classes.stream().allMatch(c -> c.matches("[0-9]+"))) {
            List<String> names = new ArrayList<>();
            for (int i = 0; i < outputs; i++) {
                names.add(String.valueOf(i));
            }
            return names;
        }
        return classes;
    }

    private static int outputCount(Net net) {
        Layer[] layers = net.layers();
        var top = layers[layers.length - 1].conf().getLayer();
        if (top instanceof org.deeplearning4j.nn.conf.layers.FeedForwardLayer ff && ff.getNOut() > 0) {
            return (int) ff.getNOut();
        }
        if (net instanceof Net.Graph) {
            // a graph's last layer in topological order may not be its output: read the output vertex
            var graph = ((ComputationGraph) net.model());
            var out = graph.getLayer(graph.getConfiguration().getNetworkOutputs().get(0)).conf().getLayer();
            if (out instanceof org.deeplearning4j.nn.conf.layers.FeedForwardLayer ff && ff.getNOut() > 0) {
                return (int) ff.getNOut();
            }
        }
        // a loss layer on top (Keras imports): the layer below it gives the size
        for (int i = layers.length - 1; i >= 0; i--) {
            if (layers[i].conf().getLayer() instanceof org.deeplearning4j.nn.conf.layers.FeedForwardLayer ff && ff.getNOut() > 0) {
                return (int) ff.getNOut();
            }
        }
        throw new UserInputException("`evaluation.retention`: cannot tell how many outputs the base has");
    }

    /**
     * The base with the fine-tuned weights of every layer the tuned network kept from it: the base's removed top
     * layers keep their original weights, the new head is left out.
     */
    static Net withBaseHead(Net base, Net tuned, String baseName) {
        Net after = base.copy();
        Map<String, INDArray> baseParams = after.paramTable();
        List<String> keptLayers = keptLayerKeys(tuned);
        int copied = 0;
        for (Map.Entry<String, INDArray> p : tuned.paramTable().entrySet()) {
            String layer = p.getKey().substring(0, p.getKey().lastIndexOf('_'));
            if (!keptLayers.contains(layer)) {
                continue;
            }
            INDArray original = baseParams.get(p.getKey());
            if (original == null || !Arrays.equals(original.shape(), p.getValue().shape())) {
                throw new UserInputException("`evaluation.retention`: parameter " + p.getKey() + " of the fine-tuned model "
                        + (original == null ? "is not in " + baseName : "has shape " + Arrays.toString(p.getValue().shape())
                        + " but " + Arrays.toString(original.shape()) + " in " + baseName)
                        + ", so the base's top layers cannot sit on the fine-tuned body");
            }
            setParam(after, p.getKey(), p.getValue().dup());
            copied++;
        }
        if (copied == 0 && !keptLayers.isEmpty()) {
            throw new UserInputException("`evaluation.retention`: no parameter of the fine-tuned body matches " + baseName);
        }
        return after;
    }

    /**
     * Parameter-key prefixes of the layers the tuned network kept from the base: a stack's layers by index below
     * the first head layer; a graph's by name, leaving out the head's layers.
     */
    private static List<String> keptLayerKeys(Net tuned) {
        List<String> kept = new ArrayList<>();
        Layer[] layers = tuned.layers();
        for (int i = 0; i < layers.length; i++) {
            String name = Net.layerName(layers[i]);
            boolean head = name != null && (name.equals(ModelSurgery.HEAD_OUTPUT) || name.startsWith("head_dense_"));
            if (tuned.isGraph()) {
                if (!head) {
                    kept.add(name);
                }
            } else {
                if (head) {
                    break;
                }
                kept.add(String.valueOf(i));
            }
        }
        return kept;
    }

    private static void setParam(Net net, String key, INDArray value) {
        if (net.model() instanceof MultiLayerNetwork m) {
            m.setParam(key, value);
        } else {
            ((ComputationGraph) net.model()).setParam(key, value);
        }
    }
}
