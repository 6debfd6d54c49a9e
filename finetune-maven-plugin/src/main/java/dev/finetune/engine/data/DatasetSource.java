package dev.finetune.engine.data;

import dev.finetune.spec.FinetuneSpec.DatasetSpec;
import dev.finetune.spec.Location;
import org.nd4j.linalg.dataset.api.preprocessor.DataNormalization;

import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.function.Function;

/**
 * Where a spec's examples come from, by {@code dataset.type}: the one seam between the kind of data and the rest
 * of the engine. Creating a source and asking for its input files or problems needs no ND4J (both run in Maven's
 * JVM); loading and batching run in the engine's.
 */
public sealed interface DatasetSource permits CsvDatasetSource, ImageFolderSource {

    /**
     * @param resolver turns a path written in the spec into a file (relative to the project)
     */
    static DatasetSource of(DatasetSpec spec, Function<String, Path> resolver) {
        return of(spec, resolver, ImageShape.BaseInput.UNKNOWN);
    }

    /**
     * @param base what the base says about its input: images are resized to it unless the spec says otherwise
     */
    static DatasetSource of(DatasetSpec spec, Function<String, Path> resolver, ImageShape.BaseInput base) {
        return of(spec, resolver, base, Optional.empty());
    }

    /**
     * @param cacheDir where CSV data is parsed to once and read from by row index
     *                 ({@link dev.finetune.engine.layout.OutputFiles#DATA_CACHE_DIR} under the output directory);
     *                 without one, a CSV is read whole into memory
     */
    static DatasetSource of(DatasetSpec spec, Function<String, Path> resolver, ImageShape.BaseInput base,
                            Optional<Path> cacheDir) {
        return switch (spec.type()) {
            case csv -> new CsvDatasetSource(spec, resolver, cacheDir);
            case images -> new ImageFolderSource(spec, resolver, base);
        };
    }

    /** The input files as the spec writes them (relative to the project), in spec order: what the fingerprint hashes. */
    List<String> inputPaths();

    /**
     * Checks the inputs before training, without ND4J: files that do not exist (each at its spec key, sorted), then
     * what reading them finds, naming the file and row.
     *
     * @param locate where a spec key such as {@code dataset.path} stood in the spec file
     */
    Inspection inspect(Function<String, Location> locate);

    /** {@link #inspect}'s problems alone. */
    default List<String> problems(Function<String, Location> locate) {
        return inspect(locate).problems();
    }

    /** The train/validation/test splits; the same spec and files always give the same splits. */
    SplitData load();

    /**
     * Whether every pass over a split yields the same examples. Not so with data augmentation, which makes cached
     * outputs of frozen layers stale after one epoch ({@link dev.finetune.engine.train.FrozenFeatureCache}).
     */
    boolean deterministic();

    /** Training and validation as the network takes them, with the normaliser fitted on the training split only. */
    TrainingSplits trainingSplits(SplitData data);

    /** One split of {@code data} for evaluation, scaled by a normaliser fitted before (the one stored with a model). */
    Batches batches(LabeledRows split, int numClasses, Optional<DataNormalization> normalizer);

    /**
     * What {@link #inspect} found.
     *
     * @param problems     each naming the spec key, or the data file and row; empty when the data is usable
     * @param featureCount the number of input features, when the data could be read
     * @param warnings     what is usable but likely a mistake (e.g. the same image in two splits)
     * @param classes      the class names, when the data could be read
     * @param counts       what {@code dataset.gates} limits, when the data could be read and checked
     */
    record Inspection(List<String> problems, OptionalInt featureCount, List<String> warnings, List<String> classes,
                      Optional<DataCounts> counts) {
        public Inspection {
            problems = List.copyOf(problems);
            warnings = List.copyOf(warnings);
            classes = List.copyOf(classes);
        }

        public Inspection(List<String> problems, OptionalInt featureCount, List<String> warnings, List<String> classes) {
            this(problems, featureCount, warnings, classes, Optional.empty());
        }

        public Inspection(List<String> problems, OptionalInt featureCount) {
            this(problems, featureCount, List.of(), List.of());
        }
    }

    /**
     * @param normalizer fitted on {@code train}, already applied to both splits; stored with the model
     */
    record TrainingSplits(Batches train, Batches validation, Optional<DataNormalization> normalizer) {
    }
}
