package dev.finetune.engine.inputs;

import dev.finetune.engine.UserInputException;
import dev.finetune.engine.data.DatasetSource;
import dev.finetune.engine.data.ImageShape;
import dev.finetune.engine.data.SplitData;
import dev.finetune.engine.event.EventSink;
import dev.finetune.engine.layout.ProjectPaths;
import dev.finetune.engine.model.BaseFormat;
import dev.finetune.engine.model.Net;
import dev.finetune.engine.train.FrozenFeatureCache;
import dev.finetune.spec.FinetuneSpec;

import java.nio.file.Files;
import java.nio.file.Path;

/**
 * What training works on, loaded from a spec: the splits as batches (normaliser fitted on train), the base network and
 * the frozen-feature cache. One place for the training job and for a Spark executor that loads the same inputs in
 * its own JVM, so both train on exactly the same data.
 */
public record TrainingInputs(SplitData data, DatasetSource.TrainingSplits splits, Net base, FrozenFeatureCache cache) {

    /** The spec's dataset, its paths resolved in the project. */
    public static DatasetSource source(FinetuneSpec spec, ProjectPaths paths, Path baseModel) {
        return source(spec, paths, baseModel, java.util.Optional.empty());
    }

    /** @param dataCache where CSV data is parsed to once and streamed from ({@code target/finetune/data-cache}) */
    public static DatasetSource source(FinetuneSpec spec, ProjectPaths paths, Path baseModel, java.util.Optional<Path> dataCache) {
        return DatasetSource.of(spec.dataset(), paths::resolve, baseInput(spec, baseModel), dataCache);
    }

    /** Image data is resized to the base's input; CSV rows need nothing from the base here. */
    private static ImageShape.BaseInput baseInput(FinetuneSpec spec, Path baseModel) {
        if (spec.dataset().type() != FinetuneSpec.DatasetSpec.Type.images || !Files.isRegularFile(baseModel)) {
            return ImageShape.BaseInput.UNKNOWN;
        }
        BaseFormat format = BaseFormat.of(baseModel, spec.base());
        return new ImageShape.BaseInput(format.inspect(baseModel).inputShape(), format.channelsLast(baseModel));
    }

    /** The splits, the base (checked against the data's width) and the cache, over data already loaded. */
    public static TrainingInputs prepare(FinetuneSpec spec, DatasetSource source, SplitData data, Path baseModel,
                                         boolean frozenFeatureCache, EventSink log) {
        DatasetSource.TrainingSplits splits = source.trainingSplits(data);
        BaseFormat format = BaseFormat.of(baseModel, spec.base());
        Net base = format.load(baseModel);
        format.inspect(baseModel).inputSize().filter(n -> n != data.featureCount()).ifPresent(n -> {
            throw new UserInputException(spec.base() + " takes " + n + " inputs but the dataset has "
                    + data.featureCount() + " feature columns");
        });
        FrozenFeatureCache cache = new FrozenFeatureCache(splits.train(), splits.validation(), source.deterministic(),
                frozenFeatureCache, log);
        return new TrainingInputs(data, splits, base, cache);
    }
}
