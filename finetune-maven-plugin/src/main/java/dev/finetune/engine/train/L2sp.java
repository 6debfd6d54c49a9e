package dev.finetune.engine.train;

import dev.finetune.engine.model.ModelSurgery;
import dev.finetune.engine.model.Net;
import org.deeplearning4j.nn.api.Layer;
import org.deeplearning4j.nn.api.Model;
import org.deeplearning4j.optimize.api.BaseTrainingListener;
import org.deeplearning4j.optimize.api.TrainingListener;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * L2-SP ({@code training.l2sp}): the penalty λ/2·||w − w₀||² toward the base's pretrained weights w₀, on the weights
 * (not biases, as DL4J's own L2) of the base's layers that train. DL4J has no such regularisation, and a custom
 * {@code Regularization} would be written into the model's configuration (and so into every saved model, which could
 * then not be read without this plugin). So it is a training listener instead: DL4J's optimiser calls
 * {@link #onGradientCalculation} after backpropagation and before the updater (and its own L2) sees the gradient, so
 * adding λ(w − w₀) there is exactly the penalty's gradient, passed through Adam and friends like any other. The
 * listener never goes into a saved model: {@link #detach} takes it off when the run ends.
 */
public final class L2sp extends BaseTrainingListener {

    private final INDArray anchor;
    /** λ on the entries the penalty covers, 0 elsewhere (frozen layers, biases, the new head). */
    private final INDArray weight;
    private final long covered;

    private L2sp(INDArray anchor, INDArray weight, long covered) {
        this.anchor = anchor;
        this.weight = weight;
        this.covered = covered;
    }

    /**
     * Anchors at {@code net}'s current parameters, which must be the base's (call it before any training or resume),
     * and starts pulling toward them on every minibatch.
     *
     * @return the listener, or nothing when {@code lambda} is 0 or no base layer of {@code net} trains
     */
    public static java.util.Optional<L2sp> attach(Net net, double lambda) {
        return attach(net, lambda, java.util.Optional.empty());
    }

    /**
     * @param pretrained where the anchor comes from when {@code net} no longer holds the base's weights (a later
     *                   stage starts from the previous stage's): a network with the base's weights, whose layers are
     *                   matched by name and parameter key; empty: {@code net}'s current parameters
     */
    public static java.util.Optional<L2sp> attach(Net net, double lambda, java.util.Optional<Net> pretrained) {
        if (lambda <= 0) {
            return java.util.Optional.empty();
        }
        INDArray flat = net.params();
        INDArray weight = Nd4j.zeros(flat.dataType(), flat.length());
        INDArray anchor = flat.dup().reshape(flat.length());
        Map<String, Layer> anchorLayers = new java.util.HashMap<>();
        pretrained.ifPresent(p -> java.util.Arrays.stream(p.layers()).forEach(l -> anchorLayers.put(Net.layerName(l), l)));
        long covered = 0;
        for (Layer layer : net.layers()) {
            String name = Net.layerName(layer);
            if (Net.isFrozen(layer) || isHead(name)) {
                continue;
            }
            var conf = layer.conf().getLayer();
            for (Map.Entry<String, INDArray> p : layer.paramTable().entrySet()) {
                if (!conf.initializer().isWeightParam(conf, p.getKey())) {
                    continue;
                }
                INDArray view = p.getValue();
                // parameter tables are views into the one flat parameter array: their offset is their position there
                long start = view.offset() - flat.offset();
                if (start < 0 || start + view.length() > flat.length()) {
                    throw new IllegalStateException("parameter " + name + "." + p.getKey() + " is not a view of the network's"
                            + " parameters (offset " + start + ")");
                }
                weight.get(NDArrayIndex.interval(start, start + view.length())).assign(lambda);
                if (pretrained.isPresent()) {
                    Layer source = anchorLayers.get(name);
                    INDArray value = source == null ? null : source.paramTable().get(p.getKey());
                    if (value == null || value.length() != view.length()) {
                        throw new IllegalStateException("L2-SP: no pretrained " + name + "." + p.getKey() + " of "
                                + view.length() + " values to pull toward");
                    }
                    // in the parameter's own order (weights are 'f'), which is how it lies in the flat array
                    anchor.get(NDArrayIndex.interval(start, start + view.length()))
                            .assign(Nd4j.toFlattened(view.ordering(), value).reshape(value.length()));
                }
                covered += view.length();
            }
        }
        if (covered == 0) {
            return java.util.Optional.empty();
        }
        L2sp l2sp = new L2sp(anchor, weight, covered);
        List<TrainingListener> listeners = listeners(net);
        listeners.add(l2sp);
        net.model().setListeners(listeners);
        return java.util.Optional.of(l2sp);
    }

    private static List<TrainingListener> listeners(Net net) {
        java.util.Collection<TrainingListener> now = net.model() instanceof org.deeplearning4j.nn.multilayer.MultiLayerNetwork m
                ? m.getListeners() : ((org.deeplearning4j.nn.graph.ComputationGraph) net.model()).getListeners();
        return now == null ? new ArrayList<>() : new ArrayList<>(now);
    }

    private static boolean isHead(String name) {
        return name.equals(ModelSurgery.HEAD_OUTPUT) || name.startsWith(ModelSurgery.HEAD_DENSE_PREFIX);
    }

    /** How many parameters the penalty covers. */
    public long covered() {
        return covered;
    }

    @Override
    public void onGradientCalculation(Model model) {
        // the flat gradient view the updater reads next, laid out as the flat parameters
        INDArray gradient = model.gradient().gradient();
        INDArray params = model.params();
        gradient.addi(params.reshape(params.length()).sub(anchor).muli(weight).reshape(gradient.shape()));
    }

    /** Takes the listener off {@code net}, so no later training (nor a saved model) carries it. */
    public void detach(Net net) {
        List<TrainingListener> listeners = listeners(net);
        listeners.removeIf(l -> l == this);
        net.model().setListeners(listeners);
    }

    /** The Euclidean distance of {@code net}'s covered weights from the anchor. */
    public double distance(Net net) {
        INDArray params = net.params();
        INDArray d = params.reshape(params.length()).sub(anchor).muli(weight.neq(0).castTo(params.dataType()));
        return d.norm2Number().doubleValue();
    }
}
