package dev.finetune.engine.data;

import dev.finetune.engine.UserInputException;
import dev.finetune.spec.FinetuneSpec.DatasetSpec;
import dev.finetune.spec.Location;
import org.nd4j.linalg.dataset.api.preprocessor.DataNormalization;

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
 * CSV files with one label column ({@code dataset.type: csv}); every pass yields the same rows. Numeric data is
 * parsed once into a row file under the output directory ({@link CsvRowCache}) and streamed from it in batches
 * ({@link RowBatches}), its normaliser fitted in a streaming pass ({@link RowStatistics}), so a file larger than the
 * heap trains; text data ({@code dataset.textColumn}) is read whole ({@link CsvDatasetLoader}).
 */
public final class CsvDatasetSource implements DatasetSource {

    private final DatasetSpec spec;
    private final Function<String, Path> resolver;
    private final Optional<Path> cacheDir;

    CsvDatasetSource(DatasetSpec spec, Function<String, Path> resolver, Optional<Path> cacheDir) {
        this.spec = spec;
        this.resolver = resolver;
        this.cacheDir = cacheDir;
    }

    /** The files by the spec key that names them, in spec order. */
    private Map<String, String> files() {
        Map<String, String> files = new LinkedHashMap<>();
        spec.path().ifPresent(p -> files.put("dataset.path", p));
        spec.files().ifPresent(f -> {
            files.put("dataset.files.train", f.train());
            files.put("dataset.files.validation", f.validation());
            files.put("dataset.files.test", f.test());
        });
        return files;
    }

    @Override
    public List<String> inputPaths() {
        return List.copyOf(files().values());
    }

    @Override
    public Inspection inspect(Function<String, Location> locate) {
        List<String> missing = new ArrayList<>();
        files().forEach((key, path) -> {
            if (!Files.isRegularFile(resolver.apply(path))) {
                missing.add(locate.apply(key) + ": `" + key + "` names " + path + ", which does not exist");
            }
        });
        if (!missing.isEmpty()) {
            return new Inspection(missing.stream().sorted().toList(), OptionalInt.empty());
        }
        try {
            SplitData data = new CsvDatasetLoader(resolver, cacheDir).load(spec);
            RowChecks.Found found = RowChecks.check(data);
            return new Inspection(List.of(), OptionalInt.of(data.featureCount()), found.warnings(), data.classes(),
                    Optional.of(found.counts()));
        } catch (UserInputException e) {
            // one problem per line: a data file's bad cells are each a problem of their own
            return new Inspection(e.getMessage().lines().toList(), OptionalInt.empty());
        }
    }

    @Override
    public SplitData load() {
        SplitData data = new CsvDatasetLoader(resolver, cacheDir).load(spec);
        // the gate-able count of leaked rows, for dataset.json; validate prints the warnings themselves
        return new SplitData(data.classes(), data.train(), data.validation(), data.test(),
                Optional.of(RowChecks.check(data).leaked()));
    }

    @Override
    public boolean deterministic() {
        return true;
    }

    @Override
    public TrainingSplits trainingSplits(SplitData data) {
        if (spec.textColumn().isPresent()) {
            return DataSets.trainingSplits(data, spec.normalize());
        }
        Optional<DataNormalization> normalizer = RowStatistics.fit(spec.normalize(), data.train());
        return new TrainingSplits(new RowBatches(data.train(), data.numClasses(), normalizer),
                new RowBatches(data.validation(), data.numClasses(), normalizer), normalizer);
    }

    @Override
    public Batches batches(LabeledRows split, int numClasses, Optional<DataNormalization> normalizer) {
        if (spec.textColumn().isPresent()) {
            return DataSets.batches(split, numClasses, normalizer);
        }
        return new RowBatches(split, numClasses, normalizer);
    }
}
