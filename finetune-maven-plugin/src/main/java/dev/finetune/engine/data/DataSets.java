package dev.finetune.engine.data;

import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.factory.Nd4j;

/** Turns rows into ND4J data sets: float features and one-hot labels. */
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
}
