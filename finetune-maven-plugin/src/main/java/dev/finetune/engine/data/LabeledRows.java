package dev.finetune.engine.data;

/**
 * Rows of one split: features and class indices, with the CSV row each came from (1-based, as in an editor).
 */
public record LabeledRows(String source, float[][] features, int[] labels, int[] rows) {

    public int size() {
        return labels.length;
    }

    public int featureCount() {
        return features.length == 0 ? 0 : features[0].length;
    }

    /** The rows at the given positions, in that order. */
    public LabeledRows select(String name, int[] positions) {
        float[][] f = new float[positions.length][];
        int[] l = new int[positions.length];
        int[] r = new int[positions.length];
        for (int i = 0; i < positions.length; i++) {
            f[i] = features[positions[i]];
            l[i] = labels[positions[i]];
            r[i] = rows[positions[i]];
        }
        return new LabeledRows(name, f, l, r);
    }
}
