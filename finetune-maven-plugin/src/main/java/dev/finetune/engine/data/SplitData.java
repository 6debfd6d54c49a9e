package dev.finetune.engine.data;

import java.util.List;

/** The three splits of a dataset and the class names their label indices refer to. */
public record SplitData(List<String> classes, LabeledRows train, LabeledRows validation, LabeledRows test) {

    public int numClasses() {
        return classes.size();
    }

    public int featureCount() {
        return train.featureCount();
    }
}
