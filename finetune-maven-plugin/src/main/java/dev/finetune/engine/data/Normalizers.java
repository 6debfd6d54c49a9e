package dev.finetune.engine.data;

import dev.finetune.spec.FinetuneSpec.Normalization;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.dataset.api.preprocessor.DataNormalization;
import org.nd4j.linalg.dataset.api.preprocessor.ImagePreProcessingScaler;
import org.nd4j.linalg.dataset.api.preprocessor.NormalizerMinMaxScaler;
import org.nd4j.linalg.dataset.api.preprocessor.NormalizerStandardize;

import java.util.Optional;

/** Feature scaling, always fitted on the training split only so validation and test stay unseen. */
public final class Normalizers {

    private Normalizers() {
    }

    public static Optional<DataNormalization> fit(Normalization kind, DataSet train) {
        DataNormalization normalizer = switch (kind) {
            case standardize -> new NormalizerStandardize();
            case minMax -> new NormalizerMinMaxScaler(0, 1);
            case image -> new ImagePreProcessingScaler(0, 1, 8);
            case none -> null;
        };
        if (normalizer == null) {
            return Optional.empty();
        }
        normalizer.fit(train);
        return Optional.of(normalizer);
    }
}
