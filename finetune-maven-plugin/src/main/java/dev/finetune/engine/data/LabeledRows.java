package dev.finetune.engine.data;

import java.util.Optional;

/**
 * Rows of one split: features and class indices, with the CSV row each came from (1-based, as in an editor). Rows
 * of a text dataset ({@code dataset.textColumn}) hold each example's text and no numeric features until a text
 * encoder turns the texts into features ({@link #withFeatures}). Features of CSV data stay in their {@link RowFile}
 * ({@link RowFeatures.Stored}); read them with {@link #store()}, not {@link #features()}.
 *
 * @param texts each row's text; empty for numeric data
 */
public record LabeledRows(String source, RowFeatures store, int[] labels, int[] rows, Optional<String[]> texts) {

    public LabeledRows(String source, float[][] features, int[] labels, int[] rows, Optional<String[]> texts) {
        this(source, new RowFeatures.InMemory(features), labels, rows, texts);
    }

    public LabeledRows(String source, float[][] features, int[] labels, int[] rows) {
        this(source, features, labels, rows, Optional.empty());
    }

    /** Every row's features as arrays: a copy for stored rows, so only for data known to be small. */
    public float[][] features() {
        return store.materialize();
    }

    public int size() {
        return labels.length;
    }

    public int featureCount() {
        return store.featureCount();
    }

    /** The same rows with these features (one per row, in order) instead of their texts. */
    public LabeledRows withFeatures(float[][] encoded) {
        if (encoded.length != size()) {
            throw new IllegalArgumentException(encoded.length + " feature rows for " + size() + " examples");
        }
        return new LabeledRows(source, encoded, labels, rows, Optional.empty());
    }

    /** The rows at the given positions, in that order. */
    public LabeledRows select(String name, int[] positions) {
        int[] l = new int[positions.length];
        int[] r = new int[positions.length];
        String[] t = texts.isPresent() ? new String[positions.length] : null;
        for (int i = 0; i < positions.length; i++) {
            l[i] = labels[positions[i]];
            r[i] = rows[positions[i]];
            if (t != null) {
                t[i] = texts.get()[positions[i]];
            }
        }
        return new LabeledRows(name, store.select(positions), l, r, Optional.ofNullable(t));
    }
}
