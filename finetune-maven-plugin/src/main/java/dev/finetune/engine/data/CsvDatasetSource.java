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
 * Numeric CSV files with one label column ({@code dataset.type: csv}): small data, loaded whole and held in memory
 * ({@link CsvDatasetLoader}); every pass yields the same rows.
 */
public final class CsvDatasetSource implements DatasetSource {

    private final DatasetSpec spec;
    private final Function<String, Path> resolver;

    CsvDatasetSource(DatasetSpec spec, Function<String, Path> resolver) {
        this.spec = spec;
        this.resolver = resolver;
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
            SplitData data = load();
            return new Inspection(List.of(), OptionalInt.of(data.featureCount()), List.of(), data.classes());
        } catch (UserInputException e) {
            // one problem per line: a data file's bad cells are each a problem of their own
            return new Inspection(e.getMessage().lines().toList(), OptionalInt.empty());
        }
    }

    @Override
    public SplitData load() {
        return new CsvDatasetLoader(resolver).load(spec);
    }

    @Override
    public boolean deterministic() {
        return true;
    }

    @Override
    public TrainingSplits trainingSplits(SplitData data) {
        return DataSets.trainingSplits(data, spec.normalize());
    }

    @Override
    public Batches batches(LabeledRows split, int numClasses, Optional<DataNormalization> normalizer) {
        return DataSets.batches(split, numClasses, normalizer);
    }
}
