package dev.finetune.engine.data;

import java.util.List;
import java.util.Optional;

/**
 * The three splits of a dataset and the class names their label indices refer to.
 *
 * @param duplicatesAcrossSplits for sources that can tell (images, by content hash): how many distinct examples
 *                               appear in more than one split
 */
public record SplitData(List<String> classes, LabeledRows train, LabeledRows validation, LabeledRows test,
                        Optional<Integer> duplicatesAcrossSplits) {

    public SplitData(List<String> classes, LabeledRows train, LabeledRows validation, LabeledRows test) {
        this(classes, train, validation, test, Optional.empty());
    }

    public int numClasses() {
        return classes.size();
    }

    public int featureCount() {
        return train.featureCount();
    }
}
