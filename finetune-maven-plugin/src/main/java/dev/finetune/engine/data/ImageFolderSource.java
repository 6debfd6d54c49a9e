package dev.finetune.engine.data;

import dev.finetune.engine.UserInputException;
import dev.finetune.spec.FinetuneSpec.DatasetSpec;
import dev.finetune.spec.FinetuneSpec.ImageSpec;
import dev.finetune.spec.Location;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.dataset.api.preprocessor.DataNormalization;
import org.nd4j.linalg.dataset.api.preprocessor.NormalizerStandardize;
import org.nd4j.linalg.factory.Nd4j;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.function.Function;

/**
 * Folders of PNG/JPEG images, one sub-folder per class ({@code dataset.type: images}). Checking ({@link #inspect})
 * reads only file headers, in plain Java ({@link ImageFolder}); loading decodes every image with DataVec, resized to
 * the base's input (or {@code dataset.image}), and holds the resized pixels of all splits in memory as float rows
 * (4 bytes per value: 28x28 grey is 3 KiB an image, 224x224 RGB 588 KiB). Scaling is the usual 0..255 to 0..1, or
 * per-channel mean/std, stored with the model as its normaliser. With {@code dataset.augmentation} the training
 * split's images change every epoch, so the source is not deterministic and the frozen-feature cache is off.
 */
public final class ImageFolderSource implements DatasetSource {

    private final DatasetSpec spec;
    private final Function<String, Path> resolver;
    private final ImageShape.BaseInput base;

    ImageFolderSource(DatasetSpec spec, Function<String, Path> resolver, ImageShape.BaseInput base) {
        this.spec = spec;
        this.resolver = resolver;
        this.base = base;
    }

    private ImageSpec image() {
        return spec.image().orElse(new ImageSpec(Optional.empty(), Optional.empty(), Optional.empty(), List.of(), List.of()));
    }

    /** The folders by the spec key that names them, in spec order. */
    private Map<String, String> folders() {
        Map<String, String> folders = new LinkedHashMap<>();
        spec.path().ifPresent(p -> folders.put("dataset.path", p));
        spec.files().ifPresent(f -> {
            folders.put("dataset.files.train", f.train());
            folders.put("dataset.files.validation", f.validation());
            folders.put("dataset.files.test", f.test());
        });
        return folders;
    }

    /** The folders: the fingerprint hashes each as a tree (every file's path and bytes), so any change retrains. */
    @Override
    public List<String> inputPaths() {
        return List.copyOf(folders().values());
    }

    @Override
    public Inspection inspect(Function<String, Location> locate) {
        List<String> problems = new ArrayList<>();
        folders().forEach((key, path) -> {
            Path dir = resolver.apply(path);
            if (!Files.exists(dir)) {
                problems.add(locate.apply(key) + ": `" + key + "` names " + path + ", which does not exist");
            } else if (!Files.isDirectory(dir)) {
                problems.add(locate.apply(key) + ": `" + key + "` names " + path + ", which is a file; image data is a folder"
                        + " with one sub-folder per class");
            }
        });
        Optional<ImageShape> shape = shape(locate, problems);
        if (!problems.isEmpty()) {
            return new Inspection(problems.stream().sorted().toList(), OptionalInt.empty());
        }
        ImageFolder.Listing listing;
        try {
            listing = new ImageFolder(spec, resolver).scan();
        } catch (UserInputException e) {
            return new Inspection(e.getMessage().lines().toList(), OptionalInt.empty());
        }
        return new Inspection(listing.problems(), listing.problems().isEmpty() ? OptionalInt.of(shape.orElseThrow().size())
                : OptionalInt.empty(), listing.warnings(), listing.classes(),
                listing.problems().isEmpty() ? Optional.of(listing.counts()) : Optional.empty());
    }

    /** The shape images are resized to; a located problem when it cannot be known or does not fit the mean/std. */
    private Optional<ImageShape> shape(Function<String, Location> locate, List<String> problems) {
        ImageShape.Result resolved = ImageShape.resolve(image(), base);
        if (resolved.problem().isPresent()) {
            problems.add(locate.apply("dataset") + ": " + resolved.problem().get());
            return Optional.empty();
        }
        ImageShape shape = resolved.shape().orElseThrow();
        if (!image().mean().isEmpty() && image().mean().size() != shape.channels()) {
            problems.add(locate.apply("dataset.image.mean") + ": `dataset.image.mean` has " + image().mean().size()
                    + " value(s) but the images have " + shape.channels() + " channel(s); give one per channel");
        }
        return Optional.of(shape);
    }

    private ImageShape requireShape() {
        List<String> problems = new ArrayList<>();
        Optional<ImageShape> shape = shape(key -> new Location("finetune.yaml", 1, 1), problems);
        if (!problems.isEmpty()) {
            throw new UserInputException(String.join("\n", problems));
        }
        return shape.orElseThrow();
    }

    @Override
    public SplitData load() {
        ImageShape shape = requireShape();
        ImageFolder.Listing listing = new ImageFolder(spec, resolver).scan();
        if (!listing.problems().isEmpty()) {
            throw new UserInputException(String.join("\n", listing.problems()));
        }
        ImageDecoder decoder = new ImageDecoder(shape);
        String name = spec.path().orElseGet(() -> "images");
        List<String> problems = new ArrayList<>();
        SplitData data = new SplitData(listing.classes(),
                decoder.decode(name + " (train)", listing.train(), listing.classes(), problems),
                decoder.decode(name + " (validation)", listing.validation(), listing.classes(), problems),
                decoder.decode(name + " (test)", listing.test(), listing.classes(), problems),
                Optional.of(listing.duplicates()));
        if (!problems.isEmpty()) {
            throw new UserInputException(String.join("\n", problems.stream().sorted().toList()));
        }
        return data;
    }

    @Override
    public boolean deterministic() {
        return !spec.augments();
    }

    @Override
    public TrainingSplits trainingSplits(SplitData data) {
        if (!spec.augments() && image().mean().isEmpty()) {
            return DataSets.trainingSplits(data, spec.normalize());
        }
        DataSet train = DataSets.of(data.train(), data.numClasses());
        DataSet validation = DataSets.of(data.validation(), data.numClasses());
        Optional<DataNormalization> normalizer = image().mean().isEmpty() ? Normalizers.fit(spec.normalize(), train)
                : Optional.of(channelStandardizer(requireShape()));
        normalizer.ifPresent(n -> n.transform(validation));
        Batches trainBatches;
        if (spec.augments()) {
            trainBatches = new AugmentedBatches(data.train(), data.numClasses(), normalizer,
                    new Augmenter(spec.augmentation().orElseThrow(), requireShape()));
        } else {
            normalizer.ifPresent(n -> n.transform(train));
            trainBatches = Batches.inMemory(train);
        }
        return new TrainingSplits(trainBatches, Batches.inMemory(validation), normalizer);
    }

    /**
     * (x / 255 - mean) / std per channel, as a standardiser of the raw 0..255 values with per-value statistics
     * (255 mean, 255 std), so it is stored with the model and applied like any other normaliser.
     */
    private NormalizerStandardize channelStandardizer(ImageShape shape) {
        float[] mean = new float[shape.size()];
        float[] std = new float[shape.size()];
        for (int y = 0; y < shape.height(); y++) {
            for (int x = 0; x < shape.width(); x++) {
                for (int c = 0; c < shape.channels(); c++) {
                    mean[shape.index(y, x, c)] = (float) (255 * image().mean().get(c));
                    std[shape.index(y, x, c)] = (float) (255 * image().std().get(c));
                }
            }
        }
        return new NormalizerStandardize(Nd4j.create(mean).reshape(1, shape.size()).castTo(DataType.FLOAT),
                Nd4j.create(std).reshape(1, shape.size()).castTo(DataType.FLOAT));
    }

    /** The size and channel order images are decoded to: the base's input unless {@code dataset.image} says otherwise. */
    public ImageShape shape() {
        return requireShape();
    }

    /**
     * The pixel scaling a network is fed through (the normaliser {@link #trainingSplits} stores with a model): 0..255
     * to 0..1 ({@code normalize: image}), per-channel mean/std, or another {@code dataset.normalize} fitted on the
     * training split. An ONNX image body is fed pixels scaled by it, once, before its features are computed.
     */
    public Optional<DataNormalization> pixelNormalizer(SplitData data) {
        return image().mean().isEmpty() ? Normalizers.fit(spec.normalize(), DataSets.of(data.train(), data.numClasses()))
                : Optional.of(channelStandardizer(requireShape()));
    }

    /** {@link #pixelNormalizer} in words, for reports and the lineage. */
    public String pixelScaling() {
        if (!image().mean().isEmpty()) {
            return "(pixel / 255 - mean) / std per channel, mean " + image().mean() + ", std " + image().std();
        }
        return switch (spec.normalize()) {
            case image -> "pixel / 255 (0..1)";
            case standardize -> "standardised per value (mean and std of the training images)";
            case minMax -> "min-max per value to 0..1 (of the training images)";
            case none -> "none (0..255)";
        };
    }

    @Override
    public Batches batches(LabeledRows split, int numClasses, Optional<DataNormalization> normalizer) {
        return DataSets.batches(split, numClasses, normalizer);
    }
}
