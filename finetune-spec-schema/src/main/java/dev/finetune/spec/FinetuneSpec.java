package dev.finetune.spec;

import java.util.Collections;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The whole of a {@code finetune.yaml}, with defaults filled in.
 *
 * @param base          the pretrained network to start from
 * @param dataset       where the examples come from and how they are split
 * @param freeze        which layers of the base keep their parameters
 * @param head          what replaces the base's output layer
 * @param training      optimiser and loop settings
 * @param earlyStopping stop when the validation metric stops improving; empty when not configured
 * @param evaluation    quality gates on the test split
 * @param sweep         a hyperparameter sweep: train several trials, keep the best on validation; empty for one run
 * @param allowPathsOutsideProject whether paths may point outside the project directory: the parser's setting (from the POM
 *                                 or command line), never the spec's
 * @param locations     where each value stood in the file, by path such as {@code dataset.path}
 */
public record FinetuneSpec(
        BaseSpec base,
        DatasetSpec dataset,
        FreezeSpec freeze,
        HeadSpec head,
        TrainingSpec training,
        Optional<EarlyStoppingSpec> earlyStopping,
        EvaluationSpec evaluation,
        Optional<SweepSpec> sweep,
        boolean allowPathsOutsideProject,
        Map<String, Location> locations) {

    /** Where the value at {@code path} stood in the spec file (the file's start when unknown). */
    public Location locate(String path) {
        Location at = locations.get(path);
        return at != null ? at : locations.getOrDefault("", new Location("finetune.yaml", 1, 1));
    }

    /** The number of epochs the training loop may run at most. */
    public int maxEpochs() {
        return earlyStopping.map(EarlyStoppingSpec::maxEpochs).orElse(training.epochs());
    }

    /**
     * The base model: exactly one of {@code path} and {@code artifact}.
     *
     * @param path              a DL4J model zip (MultiLayerNetwork or ComputationGraph), a Keras 2 {@code .h5} or an
     *                          ONNX model, relative to the project directory (or an archive holding one, see {@code entry})
     * @param artifact          Maven coordinates {@code groupId:artifactId:version[:classifier]} of a model file
     * @param sha256            the expected SHA-256 of the file {@code path} or {@code artifact} names (the archive itself
     *                          when {@code entry} picks a file inside it), checked before it is used
     * @param format            how to read the model file; empty: recognised by its content
     * @param extension         the artifact's file extension (Maven's type), e.g. {@code jar}; empty: {@code zip}
     * @param entry             the model's path inside the archive (zip or jar) that {@code path} or {@code artifact} names
     * @param tokenizer         ONNX text encoders: the Hugging Face {@code tokenizer.json}, in the same archive as
     *                          {@code entry} or, without one, in the project; empty: found beside the model
     * @param output            ONNX bases: the output tensor whose values are the features; empty: the model's first
     * @param pooling           ONNX bases with per-token outputs: how tokens become one vector; empty: {@code mean}
     * @param maxSequenceLength ONNX text encoders: tokens per example, longer texts truncated; empty: 128
     */
    public record BaseSpec(Optional<String> path, Optional<String> artifact, Optional<String> sha256, Optional<Format> format,
                           Optional<String> extension, Optional<String> entry, Optional<String> tokenizer,
                           Optional<String> output, Optional<Pooling> pooling, Optional<Integer> maxSequenceLength) {

        /** Tokens per example when {@code base.maxSequenceLength} is not given. */
        public static final int DEFAULT_MAX_SEQUENCE_LENGTH = 128;

        /** A base model file's format, named by {@code base.format}. */
        public enum Format {
            /** DL4J's model zip, as ModelSerializer (and this plugin) writes it */
            dl4j,
            /** a Keras 2 HDF5 model, as {@code model.save("model.h5")} writes it */
            keras,
            /** an ONNX model, run by ONNX Runtime as a frozen body */
            onnx
        }

        /** How an ONNX output of one vector per token becomes one vector per example. */
        public enum Pooling {
            /** the mean over the tokens the attention mask marks (as sentence-transformers do) */
            mean,
            /** the first token's vector ([CLS]) */
            cls
        }

        public BaseSpec(Optional<String> path, Optional<String> artifact, Optional<String> sha256, Optional<Format> format) {
            this(path, artifact, sha256, format, Optional.empty(), Optional.empty(), Optional.empty(), Optional.empty(),
                    Optional.empty(), Optional.empty());
        }

        /** A base with its format recognised by content. */
        public BaseSpec(Optional<String> path, Optional<String> artifact, Optional<String> sha256) {
            this(path, artifact, sha256, Optional.empty());
        }

        public static BaseSpec ofPath(String path) {
            return new BaseSpec(Optional.of(path), Optional.empty(), Optional.empty());
        }

        /** The spec key that names the base, for messages: {@code base.path} or {@code base.artifact}. */
        public String key() {
            return path.isPresent() ? "base.path" : "base.artifact";
        }

        /** The artifact's extension: {@code base.extension}, else {@code zip}. */
        public String artifactExtension() {
            return extension.orElse("zip");
        }

        public int sequenceLength() {
            return maxSequenceLength.orElse(DEFAULT_MAX_SEQUENCE_LENGTH);
        }

        /** The base as the spec names it: its path or its coordinates, with the entry inside. */
        @Override
        public String toString() {
            return path.orElseGet(() -> artifact.orElse("?")) + entry.map(e -> "!" + e).orElse("");
        }
    }

    /**
     * @param type        what kind of data the files hold, which decides how the engine reads them
     * @param path        one CSV file (or, for images, one folder) split by {@link #split}; empty when separate files
     *                    are given
     * @param files       separate train/validation/test files (folders for images); empty when {@link #path} is used
     * @param labelColumn the column holding the class (CSV only, as {@code header} and {@code delimiter})
     * @param header      whether the first line names the columns
     * @param delimiter   the field separator
     * @param split       ratios used with {@link #path}
     * @param normalize   how features are scaled (fitted on the training split only)
     * @param image        for {@code type: images}: the size images are resized to and per-channel scaling; empty
     *                     for CSV data
     * @param augmentation for {@code type: images}: random changes to training images, drawn anew each epoch; empty
     *                     when off
     * @param textColumn  the column holding each example's text, for text encoder bases; the example is then that
     *                    text alone (other columns besides the label are not read); empty: numeric columns
     * @param gates       limits on what the data check counts (duplicates, leakage), checked before training
     */
    public record DatasetSpec(
            Type type,
            Optional<String> path,
            Optional<SplitFiles> files,
            ColumnRef labelColumn,
            boolean header,
            char delimiter,
            SplitSpec split,
            Normalization normalize,
            Optional<ImageSpec> image,
            Optional<AugmentationSpec> augmentation,
            Optional<ColumnRef> textColumn,
            DataGates gates) {

        /** Data without gates. */
        public DatasetSpec(Type type, Optional<String> path, Optional<SplitFiles> files, ColumnRef labelColumn, boolean header,
                           char delimiter, SplitSpec split, Normalization normalize, Optional<ImageSpec> image,
                           Optional<AugmentationSpec> augmentation, Optional<ColumnRef> textColumn) {
            this(type, path, files, labelColumn, header, delimiter, split, normalize, image, augmentation, textColumn,
                    DataGates.NONE);
        }

        /** CSV data of numbers, which has no image settings and no text column. */
        public DatasetSpec(Type type, Optional<String> path, Optional<SplitFiles> files, ColumnRef labelColumn, boolean header,
                           char delimiter, SplitSpec split, Normalization normalize) {
            this(type, path, files, labelColumn, header, delimiter, split, normalize, Optional.empty(), Optional.empty(),
                    Optional.empty());
        }

        /** Image data (or CSV without a text column). */
        public DatasetSpec(Type type, Optional<String> path, Optional<SplitFiles> files, ColumnRef labelColumn, boolean header,
                           char delimiter, SplitSpec split, Normalization normalize, Optional<ImageSpec> image,
                           Optional<AugmentationSpec> augmentation) {
            this(type, path, files, labelColumn, header, delimiter, split, normalize, image, augmentation, Optional.empty());
        }

        /** CSV data with a text column. */
        public DatasetSpec(Type type, Optional<String> path, Optional<SplitFiles> files, ColumnRef labelColumn, boolean header,
                           char delimiter, SplitSpec split, Normalization normalize, Optional<ColumnRef> textColumn) {
            this(type, path, files, labelColumn, header, delimiter, split, normalize, Optional.empty(), Optional.empty(),
                    textColumn);
        }

        /** The kind of data, named by {@code dataset.type}. */
        public enum Type {
            /** numeric CSV columns plus one label column */
            csv,
            /** a folder of PNG/JPEG images with one sub-folder per class */
            images
        }

        /** Whether augmentation changes any training image. */
        public boolean augments() {
            return augmentation.filter(AugmentationSpec::changesImages).isPresent();
        }
    }

    /**
     * Limits on what {@code finetune:validate}'s data check counts ({@code dataset.gates}); a count above its limit
     * fails the build before training, as a metric gate fails it after. Each empty when not given.
     *
     * @param maxDuplicatesAcrossSplits CSV: validation and test rows with a training row's features; images: distinct
     *                                  images (by content) in more than one split ({@code dataset.json}'s
     *                                  {@code duplicatesAcrossSplits})
     * @param maxDuplicates             examples that repeat an earlier one exactly: CSV rows (label and features, or
     *                                  label and text), images by content
     */
    public record DataGates(Optional<Integer> maxDuplicatesAcrossSplits, Optional<Integer> maxDuplicates) {
        public static final DataGates NONE = new DataGates(Optional.empty(), Optional.empty());

        public boolean isEmpty() {
            return maxDuplicatesAcrossSplits.isEmpty() && maxDuplicates.isEmpty();
        }
    }

    /**
     * How images become network input ({@code dataset.image}).
     *
     * @param height   rows images are resized to; empty: the base's input height
     * @param width    columns images are resized to; empty: the base's input width
     * @param channels 1 (grey) or 3 (RGB); empty: the base's input channels
     * @param mean     per-channel mean subtracted after scaling to 0..1 (with {@link #std}); empty: none
     * @param std      per-channel standard deviation divided by after subtracting {@link #mean}
     */
    public record ImageSpec(Optional<Integer> height, Optional<Integer> width, Optional<Integer> channels,
                            List<Double> mean, List<Double> std) {
        public ImageSpec {
            mean = List.copyOf(mean);
            std = List.copyOf(std);
        }
    }

    /**
     * Random changes to training images ({@code dataset.augmentation}), drawn per epoch from the training seed;
     * validation and test images are never changed.
     *
     * @param flip       mirror an image with probability 1/2 (per axis for {@code both})
     * @param shift      translate by up to this many pixels along each axis
     * @param rotate     rotate by up to this many degrees either way
     * @param brightness scale pixel values by a factor in [1 - brightness, 1 + brightness]
     */
    public record AugmentationSpec(Flip flip, int shift, double rotate, double brightness) {

        public enum Flip { none, horizontal, vertical, both }

        public boolean changesImages() {
            return flip != Flip.none || shift > 0 || rotate > 0 || brightness > 0;
        }
    }

    public record SplitFiles(String train, String validation, String test) {
    }

    /** A CSV column by 0-based index (negative counts from the end) or by header name. */
    public record ColumnRef(Optional<Integer> index, Optional<String> name) {
        public static ColumnRef ofIndex(int index) {
            return new ColumnRef(Optional.of(index), Optional.empty());
        }

        public static ColumnRef ofName(String name) {
            return new ColumnRef(Optional.empty(), Optional.of(name));
        }

        @Override
        public String toString() {
            return index.map(String::valueOf).orElseGet(() -> name.orElseThrow());
        }
    }

    public record SplitSpec(double train, double validation, double test, long seed, boolean stratify) {
    }

    public enum Normalization {
        /** zero mean, unit variance per feature */
        standardize,
        /** each feature scaled to [0, 1] */
        minMax,
        /** 8-bit pixel values 0..255 scaled to [0, 1] */
        image,
        none
    }

    /**
     * @param layers layers frozen one by one
     * @param upTo   freeze every layer from the input up to and including this one
     * @param all    freeze every layer the head keeps ({@code freeze: all}); the only choice for ONNX bases
     */
    public record FreezeSpec(List<LayerRef> layers, Optional<LayerRef> upTo, boolean all) {
        public FreezeSpec(List<LayerRef> layers, Optional<LayerRef> upTo) {
            this(layers, upTo, false);
        }

        public boolean isEmpty() {
            return layers.isEmpty() && upTo.isEmpty() && !all;
        }
    }

    /** A layer of the base by 0-based index or by name. */
    public record LayerRef(Optional<Integer> index, Optional<String> name, Location location) {
        @Override
        public String toString() {
            return index.map(String::valueOf).orElseGet(() -> name.orElseThrow());
        }
    }

    /**
     * @param removeLayers how many layers to remove from the top of the base (its output layer is 1); ignored when
     *                     {@code replaceFrom} is given
     * @param replaceFrom  the lowest layer the head replaces: it and every layer above it are removed, and the head
     *                     sits on what feeds it (resolved against the base's layers, which the spec module does not know)
     * @param hidden       new dense layers added before the output layer
     */
    public record HeadSpec(int removeLayers, Optional<LayerRef> replaceFrom, List<DenseLayerSpec> hidden) {

        public HeadSpec {
            hidden = List.copyOf(hidden);
        }

        /** A head that removes the top {@code removeLayers} layers. */
        public HeadSpec(int removeLayers, List<DenseLayerSpec> hidden) {
            this(removeLayers, Optional.empty(), hidden);
        }

        public HeadSpec withHidden(List<DenseLayerSpec> newHidden) {
            return new HeadSpec(removeLayers, replaceFrom, newHidden);
        }

        /** What the head removes, for people: {@code the top 4 layer(s)} or {@code dense_1 and every layer above it}. */
        public String removedText() {
            return replaceFrom.map(r -> "`" + r + "` and every layer above it").orElse("the top " + removeLayers + " layer(s)");
        }
    }

    public record DenseLayerSpec(int units, Activation activation) {
    }

    public enum Activation { relu, leakyrelu, tanh, sigmoid, elu, gelu, swish, identity }

    public enum Updater { adam, nadam, sgd, nesterovs, rmsprop, adagrad }

    /**
     * @param dropout            probability of dropping an activation in trainable layers (0 = off)
     * @param layerLearningRates learning rates of single base layers or ranges of them, instead of {@code learningRate}
     *                           (discriminative fine-tuning); empty: every trainable layer at {@code learningRate}
     * @param l2sp               L2-SP: the weight λ of the penalty λ/2·||w − w_base||² that pulls the weights of the
     *                           base's layers that train toward their pretrained values (0 = off); {@code l2} still
     *                           pulls every trainable layer toward zero
     * @param stages             staged fine-tuning (gradual unfreezing): trainings run in order, each from the
     *                           previous one's best epoch; empty: one training with the settings above
     * @param layerLearningRateDecay discriminative fine-tuning by depth: the k-th base layer with parameters below the
     *                           head (k = 1 for the top one) trains at {@code learningRate} × decay^k, unless
     *                           {@code layerLearningRates} names it; 1: every layer at {@code learningRate}
     */
    public record TrainingSpec(Updater updater, double learningRate, int batchSize, int epochs,
                               double l2, double dropout, long seed, List<LayerLearningRate> layerLearningRates,
                               double l2sp, List<StageSpec> stages, double layerLearningRateDecay) {
        /** {@code training.layerLearningRateDecay} when the spec leaves it out: no decay. */
        public static final double NO_DECAY = 1.0;

        public TrainingSpec {
            layerLearningRates = List.copyOf(layerLearningRates);
            stages = List.copyOf(stages);
        }

        /** Without a per-layer decay. */
        public TrainingSpec(Updater updater, double learningRate, int batchSize, int epochs, double l2, double dropout,
                            long seed, List<LayerLearningRate> layerLearningRates, double l2sp, List<StageSpec> stages) {
            this(updater, learningRate, batchSize, epochs, l2, dropout, seed, layerLearningRates, l2sp, stages, NO_DECAY);
        }

        /** In one stage. */
        public TrainingSpec(Updater updater, double learningRate, int batchSize, int epochs, double l2, double dropout,
                            long seed, List<LayerLearningRate> layerLearningRates, double l2sp) {
            this(updater, learningRate, batchSize, epochs, l2, dropout, seed, layerLearningRates, l2sp, List.of());
        }

        /** Without L2-SP. */
        public TrainingSpec(Updater updater, double learningRate, int batchSize, int epochs, double l2, double dropout,
                            long seed, List<LayerLearningRate> layerLearningRates) {
            this(updater, learningRate, batchSize, epochs, l2, dropout, seed, layerLearningRates, 0);
        }

        /** The same settings with another L2-SP weight. */
        public TrainingSpec withL2sp(double weight) {
            return new TrainingSpec(updater, learningRate, batchSize, epochs, l2, dropout, seed, layerLearningRates, weight,
                    stages, layerLearningRateDecay);
        }

        /** The same settings with other stages (none: one training). */
        public TrainingSpec withStages(List<StageSpec> changed) {
            return new TrainingSpec(updater, learningRate, batchSize, epochs, l2, dropout, seed, layerLearningRates, l2sp,
                    changed, layerLearningRateDecay);
        }

        /** The same settings with other per-layer rates. */
        public TrainingSpec withLayerLearningRates(List<LayerLearningRate> changed) {
            return new TrainingSpec(updater, learningRate, batchSize, epochs, l2, dropout, seed, changed, l2sp, stages,
                    layerLearningRateDecay);
        }

        /** The same settings with another per-layer decay. */
        public TrainingSpec withLayerLearningRateDecay(double decay) {
            return new TrainingSpec(updater, learningRate, batchSize, epochs, l2, dropout, seed, layerLearningRates, l2sp,
                    stages, decay);
        }

        /** Whether any base layer trains at a rate of its own ({@code layerLearningRates} or a decay). */
        public boolean hasLayerRates() {
            return !layerLearningRates.isEmpty() || layerLearningRateDecay != NO_DECAY;
        }

        /** Every trainable layer at {@code learningRate}. */
        public TrainingSpec(Updater updater, double learningRate, int batchSize, int epochs, double l2, double dropout, long seed) {
            this(updater, learningRate, batchSize, epochs, l2, dropout, seed, List.of());
        }
    }

    /**
     * One {@code training.layerLearningRates} entry.
     *
     * @param layers a base layer by index or name, or a range {@code "from..to"} of them (both ends included)
     */
    public record LayerLearningRate(LayerRef layers, double learningRate) {
    }

    /**
     * One {@code training.stages} entry; what it leaves out is the top-level value ({@code freeze},
     * {@code training.*}, {@code earlyStopping.patience}).
     *
     * @param epochs             the most epochs this stage runs
     * @param patience           early stopping's patience in this stage (on {@code earlyStopping.metric}, else loss)
     * @param layerLearningRates per-layer rates in this stage; empty: the top-level {@code training.layerLearningRates}
     * @param layerLearningRateDecay the per-layer decay in this stage; empty: the top-level one
     * @param location           where the entry stands in the spec
     */
    public record StageSpec(Optional<FreezeSpec> freeze, Optional<Integer> epochs, Optional<Double> learningRate,
                            Optional<Integer> patience, Optional<List<LayerLearningRate>> layerLearningRates,
                            Optional<Double> layerLearningRateDecay, Location location) {

        /** Without a decay of its own. */
        public StageSpec(Optional<FreezeSpec> freeze, Optional<Integer> epochs, Optional<Double> learningRate,
                         Optional<Integer> patience, Optional<List<LayerLearningRate>> layerLearningRates, Location location) {
            this(freeze, epochs, learningRate, patience, layerLearningRates, Optional.empty(), location);
        }

        public StageSpec withFreeze(FreezeSpec changed) {
            return new StageSpec(Optional.of(changed), epochs, learningRate, patience, layerLearningRates,
                    layerLearningRateDecay, location);
        }

        public StageSpec withEpochs(int changed) {
            return new StageSpec(freeze, Optional.of(changed), learningRate, patience, layerLearningRates,
                    layerLearningRateDecay, location);
        }

        public StageSpec withLearningRate(double changed) {
            return new StageSpec(freeze, epochs, Optional.of(changed), patience, layerLearningRates, layerLearningRateDecay,
                    location);
        }

        public StageSpec withPatience(int changed) {
            return new StageSpec(freeze, epochs, learningRate, Optional.of(changed), layerLearningRates,
                    layerLearningRateDecay, location);
        }

        public StageSpec withLayerLearningRates(List<LayerLearningRate> changed) {
            return new StageSpec(freeze, epochs, learningRate, patience, Optional.of(List.copyOf(changed)),
                    layerLearningRateDecay, location);
        }

        public StageSpec withLayerLearningRateDecay(double changed) {
            return new StageSpec(freeze, epochs, learningRate, patience, layerLearningRates, Optional.of(changed), location);
        }
    }

    public record EarlyStoppingSpec(Metric metric, int patience, int maxEpochs) {
    }

    /**
     * @param gates              conditions on the test metrics that must hold or the build fails
     * @param compareWithScratch also train the same architecture from random weights on the same data
     *                           and report both, to show whether the pretrained base helps
     * @param regression         the most each test metric may get worse than in the baseline model that
     *                           {@code finetune:diff} compares with (a drop, or a rise for loss); in metric order
     */
    public record EvaluationSpec(List<Gate> gates, boolean compareWithScratch, Map<Metric, Double> regression,
                                 Optional<RetentionSpec> retention) {
        public EvaluationSpec {
            gates = List.copyOf(gates);
            regression = sortedByMetric(regression);
        }

        /** Without a retention check. */
        public EvaluationSpec(List<Gate> gates, boolean compareWithScratch, Map<Metric, Double> regression) {
            this(gates, compareWithScratch, regression, Optional.empty());
        }
    }

    private static Map<Metric, Double> sortedByMetric(Map<Metric, Double> values) {
        EnumMap<Metric, Double> sorted = new EnumMap<>(Metric.class);
        sorted.putAll(values);
        return Collections.unmodifiableMap(sorted);
    }

    /**
     * How much of the base's own task the fine-tuned model still does ({@code evaluation.retention}): the base's
     * original test data scored by the base before and by the tuned body under the base's original head after.
     *
     * @param data    the base's original task data, used whole as a test set
     * @param maxDrop the most each metric may get worse from before to after (a drop, or a rise for loss); more fails
     *                {@code finetune:evaluate}
     */
    public record RetentionSpec(RetentionData data, Map<Metric, Double> maxDrop) {
        public RetentionSpec {
            maxDrop = sortedByMetric(maxDrop);
        }
    }

    /**
     * A CSV of the base's original task ({@code evaluation.retention.data}): features as the base takes them, then
     * (by default) the label; integer labels are the base's output index, other labels are sorted and must number
     * as many as the base's outputs.
     *
     * @param normalize fitted on this data itself ({@code image}: pixels / 255, as most image bases were trained)
     */
    public record RetentionData(String path, ColumnRef labelColumn, boolean header, char delimiter, Normalization normalize) {
    }
}
