package dev.finetune.engine.data;

import dev.finetune.spec.FinetuneSpec.Normalization;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.dataset.api.preprocessor.DataNormalization;
import org.nd4j.linalg.factory.Nd4j;

import java.util.Optional;

/**
 * Turns rows into ND4J data sets: float features and one-hot labels. Kept apart from the sources, which must load
 * without ND4J (validation runs in Maven's JVM).
 */
public final class DataSets {

    private DataSets() {
    }

    public static DataSet of(LabeledRows rows, int numClasses) {
        INDArray features = rows.size() == 0
                ? Nd4j.create(DataType.FLOAT, 0, rows.featureCount())
                : Nd4j.create(rows.features());
        INDArray labels = Nd4j.zeros(DataType.FLOAT, rows.size(), numClasses);
        for (int i = 0; i < rows.size(); i++) {
            labels.putScalar(i, rows.labels()[i], 1f);
        }
        return new DataSet(features, labels);
    }

    /** Training and validation in memory, scaled by a normaliser fitted on the training rows only. */
    static DatasetSource.TrainingSplits trainingSplits(SplitData data, Normalization kind) {
        DataSet train = of(data.train(), data.numClasses());
        DataSet validation = of(data.validation(), data.numClasses());
        Optional<DataNormalization> normalizer = Normalizers.fit(kind, train);
        normalizer.ifPresent(n -> {
            n.transform(train);
            n.transform(validation);
        });
        return new DatasetSource.TrainingSplits(Batches.inMemory(train), Batches.inMemory(validation), normalizer);
    }

    /** Training and validation in memory as they are: features a frozen body computed, which no normaliser rescales. */
    public static DatasetSource.TrainingSplits featureSplits(SplitData data) {
        return trainingSplits(data, Normalization.none);
    }

    /** One split in memory, scaled by a normaliser fitted before (the one stored with a model). */
    public static Batches batches(LabeledRows rows, int numClasses, Optional<DataNormalization> normalizer) {
        DataSet data = of(rows, numClasses);
        normalizer.ifPresent(n -> n.transform(data));
        return Batches.inMemory(data);
    }
}
