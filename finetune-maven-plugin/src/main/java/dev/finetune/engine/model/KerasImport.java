package dev.finetune.engine.model;

import dev.finetune.engine.UserInputException;
import org.deeplearning4j.nn.api.Model;
import org.deeplearning4j.nn.conf.ComputationGraphConfiguration;
import org.deeplearning4j.nn.conf.InputPreProcessor;
import org.deeplearning4j.nn.conf.MultiLayerConfiguration;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.graph.GraphVertex;
import org.deeplearning4j.nn.conf.graph.LayerVertex;
import org.deeplearning4j.nn.conf.graph.PreprocessorVertex;
import org.deeplearning4j.nn.conf.layers.DropoutLayer;
import org.deeplearning4j.nn.conf.layers.Layer;
import org.deeplearning4j.nn.conf.preprocessor.ComposableInputPreProcessor;
import org.deeplearning4j.nn.conf.preprocessor.FeedForwardToCnnPreProcessor;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.modelimport.keras.KerasLayer;
import org.deeplearning4j.nn.modelimport.keras.KerasModel;
import org.deeplearning4j.nn.modelimport.keras.KerasSequentialModel;
import org.deeplearning4j.nn.modelimport.keras.config.KerasModelConfiguration;
import org.deeplearning4j.nn.modelimport.keras.utils.KerasModelBuilder;
import org.deeplearning4j.nn.modelimport.keras.utils.KerasModelUtils;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;

import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Builds the DL4J network of a Keras 2 {@code .h5} with DL4J's Keras importer (deeplearning4j-modelimport): the
 * importer's own builder, given the model configuration as JSON and the weights from the file, which is what
 * {@code KerasModelImport.importKerasSequentialModelAndWeights(path, false)} and
 * {@code importKerasModelAndWeights(path, false)} do, but with the configuration fixed first. It works around what goes
 * wrong with 1.0.0-M2.1's importer out of the box (each measured on the test fixtures, see KerasH5FormatTest):
 * <ul>
 *   <li>integers where the importer casts to Double ({@code ReLU(max_value=6)}) throw a ClassCastException: the
 *       configuration goes in as JSON with those values as floats ({@link KerasModelConfig#importJson()}), with the
 *       weights read from the same file;</li>
 *   <li>every imported layer carries {@code Dropout(p=1.0)} (keep everything), whose backprop fails on channels-last
 *       convolutions: it is cleared on every layer but Dropout layers, on the configuration, before the network is
 *       initialised;</li>
 *   <li>the Keras training configuration is not imported (the spec's {@code training} section decides the updater,
 *       and the head replaces the loss), so a model saved with or without {@code compile()} gives the same layers
 *       (without it the last layer is a plain DenseLayer, which {@code head.removeLayers} replaces like an output
 *       layer) and Keras 2.11+ optimizer configurations are never read;</li>
 *   <li>image inputs get a reshape from the flat feature vector a dataset row gives to {@code [height, width,
 *       channels]} (channels last, the order {@code image.reshape(n, -1)} flattens them in).</li>
 * </ul>
 */
final class KerasImport {

    private KerasImport() {
    }

    static Net load(java.nio.file.Path file, KerasModelConfig config) {
        Net net;
        try {
            KerasModelBuilder builder = new KerasModelBuilder(new KerasModelConfiguration())
                    .modelJson(config.importJson())
                    .weightsHdf5Filename(file.toString())
                    .enforceTrainingConfig(false);
            net = config.sequential() ? sequential(builder) : graph(builder);
        } catch (UserInputException e) {
            throw e;
        } catch (Exception | LinkageError e) {
            boolean optimizer = config.hasOptimizerConfig() && String.valueOf(e.getMessage()).toLowerCase(java.util.Locale.ROOT)
                    .contains("optimizer");
            throw new UserInputException(file + ": DL4J's Keras import cannot read this " + config.className() + " model (Keras "
                    + config.kerasVersion() + "): " + e + (optimizer
                    ? "; the file holds an optimizer configuration (training_config), whose Keras 2.11+ form DL4J's "
                    + "importer does not read (deeplearning4j#10042): save the model without it "
                    + "(model.save(\"model.h5\", include_optimizer=False)) and try again" : ""), e);
        }
        return net;
    }

    private static Net sequential(KerasModelBuilder builder) throws Exception {
        KerasSequentialModel keras = builder.buildSequential();
        MultiLayerConfiguration conf = keras.getMultiLayerConfiguration();
        for (NeuralNetConfiguration layerConf : conf.getConfs()) {
            withoutDropout(layerConf.getLayer());
        }
        imageInput(keras).ifPresent(reshape -> {
            InputPreProcessor existing = conf.getInputPreProcess(0);
            conf.getInputPreProcessors().put(0, existing == null ? reshape : new ComposableInputPreProcessor(reshape, existing));
        });
        MultiLayerNetwork network = new MultiLayerNetwork(conf);
        network.init();
        copyWeights(network, keras.getLayers());
        return Net.of(network);
    }

    private static Net graph(KerasModelBuilder builder) throws Exception {
        KerasModel keras = builder.buildModel();
        ComputationGraphConfiguration conf = keras.getComputationGraphConfiguration();
        for (GraphVertex vertex : conf.getVertices().values()) {
            if (vertex instanceof LayerVertex lv) {
                withoutDropout(lv.getLayerConf().getLayer());
            }
        }
        Optional<InputPreProcessor> reshape = imageInput(keras);
        if (reshape.isPresent()) {
            List<String> inputs = conf.getNetworkInputs();
            for (Map.Entry<String, GraphVertex> entry : conf.getVertices().entrySet()) {
                List<String> in = conf.getVertexInputs().get(entry.getKey());
                if (in == null || in.size() != 1 || !inputs.contains(in.get(0))) {
                    continue;
                }
                if (entry.getValue() instanceof LayerVertex lv) {
                    lv.setPreProcessor(lv.getPreProcessor() == null ? reshape.get().clone()
                            : new ComposableInputPreProcessor(reshape.get().clone(), lv.getPreProcessor()));
                } else if (entry.getValue() instanceof PreprocessorVertex pv) {
                    entry.setValue(new PreprocessorVertex(new ComposableInputPreProcessor(reshape.get().clone(), pv.getPreProcessor())));
                }
            }
        }
        ComputationGraph graph = new ComputationGraph(conf);
        graph.init();
        copyWeights(graph, keras.getLayers());
        return Net.of(graph);
    }

    private static void copyWeights(Model model, Map<String, KerasLayer> layers) throws Exception {
        KerasModelUtils.copyWeightsToModel(model, layers);
    }

    /**
     * The importer gives every layer {@code Dropout(p=1.0)}: a no-op forward, but its backprop fails on channels-last
     * convolutions. Dropout layers keep theirs; the spec's {@code training.dropout} applies its own on top.
     */
    private static void withoutDropout(Layer layer) {
        if (!(layer instanceof DropoutLayer)) {
            layer.setIDropout(null);
        }
    }

    /**
     * For a channels-last image input: the reshape of a flat row ({@code [minibatch, height * width * channels]}) to
     * {@code [minibatch, height, width, channels]}, and of the gradient back. Written as DL4J's
     * FeedForwardToCnnPreProcessor, which reshapes to {@code [minibatch, numChannels, inputHeight, inputWidth]} in 'c'
     * order, with its three sizes given as height, width, channels: the same reshape into channels-last order. Not
     * ReshapePreprocessor, which takes the minibatch size from the graph, stale when output() follows fit() (measured:
     * "Input shape [179, 64] and target shape [13, 8, 8, 1] do not match"); and a core DL4J class, so the tuned
     * model loads without this plugin or the Keras importer. A 4D input passes through unchanged.
     */
    private static Optional<InputPreProcessor> imageInput(KerasModel keras) {
        String input = keras.getInputLayerNames().get(0);
        int[] shape = keras.getLayers().get(input).getInputShape();
        if (shape == null || shape.length != 3) {
            return Optional.empty();
        }
        // constructor order: (inputHeight, inputWidth, numChannels); output [mb, numChannels, inputHeight, inputWidth]
        return Optional.of(new FeedForwardToCnnPreProcessor(shape[1], shape[2], shape[0]));
    }
}
