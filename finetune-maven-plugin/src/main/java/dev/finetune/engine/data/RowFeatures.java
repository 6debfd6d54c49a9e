package dev.finetune.engine.data;

import java.util.Arrays;

/**
 * The features of a split's rows: held in memory (images, text encodings, small test data) or read by index from a
 * {@link RowFile} (CSV data, parsed once), so a split larger than the heap is a list of row positions, not arrays.
 */
public sealed interface RowFeatures permits RowFeatures.InMemory, RowFeatures.Stored {

    int size();

    int featureCount();

    /** Copies row {@code i}'s features into {@code into} from {@code offset}. */
    void read(int i, float[] into, int offset);

    /** The rows at the given positions, in that order. */
    RowFeatures select(int[] positions);

    /** Every row as an array of its own: for data known to be small (tests, retention data); stored rows are copied. */
    float[][] materialize();

    /** Rows as arrays in memory. */
    record InMemory(float[][] rows) implements RowFeatures {
        @Override
        public int size() {
            return rows.length;
        }

        @Override
        public int featureCount() {
            return rows.length == 0 ? 0 : rows[0].length;
        }

        @Override
        public void read(int i, float[] into, int offset) {
            System.arraycopy(rows[i], 0, into, offset, rows[i].length);
        }

        @Override
        public RowFeatures select(int[] positions) {
            float[][] picked = new float[positions.length][];
            for (int i = 0; i < positions.length; i++) {
                picked[i] = rows[positions[i]];
            }
            return new InMemory(picked);
        }

        @Override
        public float[][] materialize() {
            return rows;
        }
    }

    /**
     * Rows of a file, by position in it.
     *
     * @param positions row {@code i} of this split is row {@code positions[i]} of the file
     */
    record Stored(RowFile file, int[] positions) implements RowFeatures {
        @Override
        public int size() {
            return positions.length;
        }

        @Override
        public int featureCount() {
            return file.featureCount();
        }

        @Override
        public void read(int i, float[] into, int offset) {
            file.read(positions[i], into, offset);
        }

        @Override
        public RowFeatures select(int[] picked) {
            int[] composed = new int[picked.length];
            for (int i = 0; i < picked.length; i++) {
                composed[i] = positions[picked[i]];
            }
            return new Stored(file, composed);
        }

        @Override
        public float[][] materialize() {
            float[][] out = new float[positions.length][featureCount()];
            for (int i = 0; i < positions.length; i++) {
                read(i, out[i], 0);
            }
            return out;
        }

        @Override
        public String toString() {
            return "Stored[" + file.file() + ", " + positions.length + " of " + file.rowCount() + " rows, "
                    + Arrays.hashCode(positions) + "]";
        }
    }
}
