package dev.finetune.engine.data;

/**
 * What the data check counted that {@code dataset.gates} can limit, each with the sentence that says what and where
 * (the warning's text), so a gate that fails can name the rows.
 *
 * @param duplicates            examples that repeat an earlier one exactly (CSV: label and features or text; images:
 *                              content)
 * @param duplicatesAcrossSplits CSV: validation and test rows with a training row's features (or text); images:
 *                              distinct images in more than one split
 */
public record DataCounts(Count duplicates, Count duplicatesAcrossSplits) {

    /** @param detail empty when {@code count} is 0 */
    public record Count(int count, String detail) {
        public static final Count NONE = new Count(0, "");
    }
}
