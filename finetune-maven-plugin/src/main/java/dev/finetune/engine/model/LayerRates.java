package dev.finetune.engine.model;

import dev.finetune.engine.UserInputException;
import dev.finetune.spec.FinetuneSpec.LayerLearningRate;
import dev.finetune.spec.FinetuneSpec.LayerRef;
import dev.finetune.spec.FinetuneSpec.TrainingSpec;
import org.deeplearning4j.nn.conf.MultiLayerConfiguration;
import org.deeplearning4j.nn.conf.graph.LayerVertex;
import org.deeplearning4j.nn.conf.layers.BaseLayer;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;

import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;

/**
 * {@code training.layerLearningRates} (discriminative fine-tuning): each named base layer gets its own updater with
 * its own rate, set in the configuration before the network (and so its updater) is built; the other layers and the
 * head keep {@code training.learningRate}.
 */
public final class LayerRates {

    private static final String KEY = "`training.layerLearningRates`";

    private LayerRates() {
    }

    /**
     * The rate of each base layer index the spec names, checked against the base: real layers, kept by the head, not
     * frozen, each named once.
     *
     * @param names   the base's layer names, in index order
     * @param kept    how many of them the head keeps (from the bottom)
     * @param frozen  the indices {@code freeze} selects
     */
    public static Map<Integer, Double> resolve(List<LayerLearningRate> rates, List<String> names, int kept,
                                               Collection<Integer> frozen, String baseName) {
        Map<Integer, Double> byIndex = new TreeMap<>();
        for (LayerLearningRate rate : rates) {
            LayerRef ref = rate.layers();
            String text = ref.toString();
            String[] ends = ref.name().isPresent() && text.contains("..") ? text.split("\\.\\.", 2) : new String[]{text, text};
            int from = index(ends[0], ref, names, baseName);
            int to = index(ends[1], ref, names, baseName);
            if (from > to) {
                throw new UserInputException(ref.location() + ": " + KEY + " range `" + text + "` runs downwards (" + from + ".."
                        + to + "); write it from the lower layer up: `" + ends[1] + ".." + ends[0] + "`");
            }
            for (int i = from; i <= to; i++) {
                if (i >= kept) {
                    throw new UserInputException(ref.location() + ": " + KEY + " names layer " + i + " (`" + names.get(i)
                            + "`), which the head removes (`head.removeLayers`); the head's own layers train at"
                            + " `training.learningRate`; layers kept: " + LayerSelection.describe(names.subList(0, kept)));
                }
                if (frozen.contains(i)) {
                    throw new UserInputException(ref.location() + ": " + KEY + " names layer " + i + " (`" + names.get(i)
                            + "`), which `freeze` freezes, so no rate moves it; remove it from one of the two");
                }
                if (byIndex.put(i, rate.learningRate()) != null) {
                    throw new UserInputException(ref.location() + ": " + KEY + " names layer " + i + " (`" + names.get(i)
                            + "`) a second time; give each layer one rate");
                }
            }
        }
        return byIndex;
    }

    /**
     * {@code training.layerLearningRateDecay}: the rate of each base layer by its depth below the head, with the
     * layers {@code explicit} names ({@code layerLearningRates}) at their own rates. Depth k counts the kept layers
     * that have parameters from the top down (k = 1 for the one right below the head), frozen ones included, so a
     * layer's rate does not depend on what else is frozen; layers without parameters (pooling, activations) neither
     * count nor get a rate, having nothing to move.
     *
     * @param kept     the base's kept layers, bottom to top, by index
     * @param params   each base layer's parameter count, by index
     * @return every base layer's own rate by index; {@code explicit} itself when there is no decay
     */
    public static Map<Integer, Double> withDecay(Map<Integer, Double> explicit, TrainingSpec training, List<Integer> kept,
                                                 List<Long> params, Collection<Integer> frozen) {
        if (training.layerLearningRateDecay() == TrainingSpec.NO_DECAY) {
            return explicit;
        }
        Map<Integer, Double> out = new TreeMap<>();
        int depth = 0;
        for (int i = kept.size() - 1; i >= 0; i--) {
            int index = kept.get(i);
            if (params.get(index) <= 0) {
                continue;
            }
            depth++;
            if (!frozen.contains(index)) {
                out.put(index, training.learningRate() * Math.pow(training.layerLearningRateDecay(), depth));
            }
        }
        out.putAll(explicit);
        return out;
    }

    /** Whether the decay leaves any base layer training at a rate of its own: some kept layer with parameters trains. */
    public static boolean decayActsOn(List<Integer> kept, List<Long> params, Collection<Integer> frozen) {
        return kept.stream().anyMatch(i -> params.get(i) > 0 && !frozen.contains(i));
    }

    private static int index(String end, LayerRef ref, List<String> names, String baseName) {
        String trimmed = end.trim();
        int at = names.indexOf(trimmed);
        if (at < 0 && trimmed.matches("[0-9]+")) {
            at = Integer.parseInt(trimmed);
            if (at >= names.size()) {
                throw new UserInputException(ref.location() + ": " + KEY + " layer index " + at + " is out of range; " + baseName
                        + " has layers 0.." + (names.size() - 1) + ": " + LayerSelection.describe(names));
            }
        }
        if (at < 0) {
            String hint = closest(trimmed, names).map(n -> "; did you mean `" + n + "`?").orElse("");
            throw new UserInputException(ref.location() + ": " + KEY + " names layer `" + trimmed + "`, which " + baseName
                    + " does not have; its layers are: " + LayerSelection.describe(names) + hint);
        }
        return at;
    }

    /** The name at the smallest edit distance, when close enough to be a typo. */
    private static Optional<String> closest(String typo, List<String> names) {
        String best = null;
        int bestDistance = Integer.MAX_VALUE;
        for (String name : names) {
            int d = distance(typo.toLowerCase(java.util.Locale.ROOT), name.toLowerCase(java.util.Locale.ROOT));
            if (d < bestDistance) {
                best = name;
                bestDistance = d;
            }
        }
        return best != null && bestDistance <= Math.max(1, typo.length() / 3) ? Optional.of(best) : Optional.empty();
    }

    private static int distance(String a, String b) {
        int[] previous = new int[b.length() + 1];
        for (int j = 0; j <= b.length(); j++) {
            previous[j] = j;
        }
        for (int i = 1; i <= a.length(); i++) {
            int[] current = new int[b.length() + 1];
            current[0] = i;
            for (int j = 1; j <= b.length(); j++) {
                current[j] = Math.min(Math.min(current[j - 1], previous[j]) + 1,
                        previous[j - 1] + (a.charAt(i - 1) == b.charAt(j - 1) ? 0 : 1));
            }
            previous = current;
        }
        return previous[b.length()];
    }

    /** A stack with each layer of {@code rates} on its own rate; the same network when there are none. */
    static MultiLayerNetwork apply(MultiLayerNetwork net, Map<Integer, Double> rates, TrainingSpec training) {
        if (rates.isEmpty()) {
            return net;
        }
        MultiLayerConfiguration conf = net.getLayerWiseConfigurations().clone();
        rates.forEach((index, rate) -> conf.getConf(index).setLayer(withRate(conf.getConf(index).getLayer(), training, rate)));
        MultiLayerNetwork out = new MultiLayerNetwork(conf);
        out.init(net.params().dup(), false);
        return out;
    }

    /** A graph with each named layer vertex of {@code rates} on its own rate. */
    static ComputationGraph apply(ComputationGraph graph, Map<String, Double> rates, TrainingSpec training) {
        if (rates.isEmpty()) {
            return graph;
        }
        var conf = graph.getConfiguration().clone();
        rates.forEach((name, rate) -> {
            var layerConf = ((LayerVertex) conf.getVertices().get(name)).getLayerConf();
            layerConf.setLayer(withRate(layerConf.getLayer(), training, rate));
        });
        ComputationGraph out = new ComputationGraph(conf);
        out.init(graph.params().dup(), false);
        return out;
    }

    private static org.deeplearning4j.nn.conf.layers.Layer withRate(org.deeplearning4j.nn.conf.layers.Layer layer,
                                                                    TrainingSpec training, double rate) {
        // measured: Adam at rate 0 still moved a layer (norm of the change ~1e-6 after one step); plain SGD at
        // rate 0 multiplies every gradient by 0, so the layer stays bit for bit while gradients still pass down
        org.nd4j.linalg.learning.config.IUpdater updater = rate == 0 ? new org.nd4j.linalg.learning.config.Sgd(0.0)
                : Updaters.of(training.updater(), rate);
        // layers without parameters (pooling) have no updater: a range over them is fine, there is nothing to move
        if (layer instanceof BaseLayer b) {
            b.setIUpdater(updater);
            b.setBiasUpdater(null);
        }
        return layer;
    }
}
