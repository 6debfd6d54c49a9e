package dev.finetune.engine.data;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;

/**
 * What is usable in split CSV data but likely a mistake, as warnings with counts: rows that repeat an earlier row
 * exactly (label and features), validation or test rows whose features are also a training row's (leakage: those
 * metrics are not on unseen data), and classes far apart in size. Works on row hashes (8 bytes a row, sorted), reading
 * features from the row file; rows with equal hashes are compared value by value, so counts are exact. Rows of a text
 * dataset ({@code dataset.textColumn}) are compared by their text, as numeric rows by their features.
 */
public final class RowChecks {

    /** The largest class at least this many times the smallest is worth a warning. */
    static final int IMBALANCE_RATIO = 10;

    private RowChecks() {
    }

    /**
     * @param leaked validation and test rows whose features equal a training row's: the gate-able number in
     *               {@code dataset.json} ({@code duplicatesAcrossSplits})
     * @param counts the counts {@code dataset.gates} limits, each with its warning's text
     */
    public record Found(List<String> warnings, int leaked, DataCounts counts) {
    }

    public static Found check(SplitData data) {
        List<String> warnings = new ArrayList<>();
        LabeledRows[] splits = {data.train(), data.validation(), data.test()};
        String[] names = {"train", "validation", "test"};
        DataCounts.Count repeats = duplicates(splits, names, data.classes(), warnings);
        DataCounts.Count leaked = leakage(splits, names, warnings);
        imbalance(data, warnings);
        return new Found(List.copyOf(warnings), leaked.count(), new DataCounts(repeats, leaked));
    }

    /** What rows are compared by, as messages say it. */
    private static String content(LabeledRows rows) {
        return rows.texts().isPresent() ? "text" : "features";
    }

    /** Exact duplicates (label and features) over all splits, counted beyond each row's first occurrence. */
    private static DataCounts.Count duplicates(LabeledRows[] splits, String[] names, List<String> classes, List<String> warnings) {
        int total = 0;
        for (LabeledRows s : splits) {
            total += s.size();
        }
        long[] keys = new long[total];
        int[] split = new int[total];
        int[] index = new int[total];
        int k = 0;
        for (int s = 0; s < splits.length; s++) {
            for (int i = 0; i < splits[s].size(); i++) {
                keys[k] = hash(splits[s], i, true);
                split[k] = s;
                index[k] = i;
                k++;
            }
        }
        Integer[] order = sortedBy(keys);
        int repeats = 0;
        String example = null;
        for (int a = 0; a < order.length; ) {
            int b = a + 1;
            while (b < order.length && keys[order[b]] == keys[order[a]]) {
                b++;
            }
            // inside a run of equal hashes, rows equal to the run's first (a collision would differ)
            int first = order[a];
            for (int r = a + 1; r < b; r++) {
                int other = order[r];
                if (sameRow(splits[split[first]], index[first], splits[split[other]], index[other], true)) {
                    repeats++;
                    if (example == null) {
                        example = "row " + splits[split[first]].rows()[index[first]] + " (" + names[split[first]]
                                + ") = row " + splits[split[other]].rows()[index[other]] + " (" + names[split[other]] + ", class `"
                                + classes.get(splits[split[first]].labels()[index[first]]) + "`)";
                    }
                }
            }
            a = b;
        }
        if (repeats == 0) {
            return DataCounts.Count.NONE;
        }
        String warning = repeats + (repeats == 1 ? " row repeats" : " rows repeat") + " an earlier row exactly (label and "
                + content(splits[0]) + "), e.g. " + example + "; duplicates weigh those examples more in training and,"
                + " across splits, in the metrics";
        warnings.add(warning);
        return new DataCounts.Count(repeats, warning);
    }

    /** Validation and test rows whose features are a training row's, by split. */
    private static DataCounts.Count leakage(LabeledRows[] splits, String[] names, List<String> warnings) {
        LabeledRows train = splits[0];
        long[] trainKeys = new long[train.size()];
        for (int i = 0; i < trainKeys.length; i++) {
            trainKeys[i] = hash(train, i, false);
        }
        Integer[] order = sortedBy(trainKeys);
        long[] sortedKeys = new long[order.length];
        for (int i = 0; i < order.length; i++) {
            sortedKeys[i] = trainKeys[order[i]];
        }
        int leaked = 0;
        List<String> counts = new ArrayList<>();
        String example = null;
        for (int s = 1; s < splits.length; s++) {
            int inSplit = 0;
            for (int i = 0; i < splits[s].size(); i++) {
                long key = hash(splits[s], i, false);
                int at = Arrays.binarySearch(sortedKeys, key);
                if (at < 0) {
                    continue;
                }
                while (at > 0 && sortedKeys[at - 1] == key) {
                    at--;
                }
                for (; at < sortedKeys.length && sortedKeys[at] == key; at++) {
                    if (sameRow(train, order[at], splits[s], i, false)) {
                        inSplit++;
                        if (example == null) {
                            example = "row " + train.rows()[order[at]] + " (train) = row " + splits[s].rows()[i]
                                    + " (" + names[s] + ")";
                        }
                        break;
                    }
                }
            }
            if (inSplit > 0) {
                counts.add("train & " + names[s] + " " + inSplit);
            }
            leaked += inSplit;
        }
        if (leaked == 0) {
            return DataCounts.Count.NONE;
        }
        String warning = leaked + (leaked == 1 ? " validation or test row has" : " validation and test rows have")
                + " the " + content(train) + " of a training row (" + String.join(", ", counts) + "; e.g. " + example
                + "): those metrics are not on unseen data; dataset.json counts them as duplicatesAcrossSplits";
        warnings.add(warning);
        return new DataCounts.Count(leaked, warning);
    }

    private static void imbalance(SplitData data, List<String> warnings) {
        int[] counts = new int[data.numClasses()];
        for (LabeledRows s : List.of(data.train(), data.validation(), data.test())) {
            for (int label : s.labels()) {
                counts[label]++;
            }
        }
        int most = 0;
        int least = 0;
        for (int c = 1; c < counts.length; c++) {
            if (counts[c] > counts[most]) {
                most = c;
            }
            if (counts[c] < counts[least]) {
                least = c;
            }
        }
        if (counts[least] > 0 && (long) counts[most] >= (long) IMBALANCE_RATIO * counts[least]) {
            warnings.add(String.format(Locale.ROOT, "the classes are imbalanced: `%s` has %d rows, `%s` %d (%.0f:1);"
                            + " accuracy can stay high while `%s` is never predicted: gate on macroF1 or add examples",
                    data.classes().get(most), counts[most], data.classes().get(least), counts[least],
                    (double) counts[most] / counts[least], data.classes().get(least)));
        }
    }

    /** A 64-bit hash of a row's features or text (and label): the raw float bits or chars, mixed. */
    private static long hash(LabeledRows rows, int i, boolean withLabel) {
        long h = withLabel ? rows.labels()[i] * 0x9E3779B97F4A7C15L : 0x243F6A8885A308D3L;
        if (rows.texts().isPresent()) {
            String text = rows.texts().get()[i];
            for (int c = 0; c < text.length(); c++) {
                h = (h ^ text.charAt(c)) * 0xBF58476D1CE4E5B9L;
                h ^= h >>> 31;
            }
            return h;
        }
        float[] row = new float[rows.featureCount()];
        rows.store().read(i, row, 0);
        for (float f : row) {
            h = (h ^ Float.floatToIntBits(f)) * 0xBF58476D1CE4E5B9L;
            h ^= h >>> 31;
        }
        return h;
    }

    private static boolean sameRow(LabeledRows a, int i, LabeledRows b, int j, boolean withLabel) {
        if (withLabel && a.labels()[i] != b.labels()[j]) {
            return false;
        }
        if (a.texts().isPresent()) {
            return a.texts().get()[i].equals(b.texts().get()[j]);
        }
        float[] x = new float[a.featureCount()];
        float[] y = new float[b.featureCount()];
        a.store().read(i, x, 0);
        b.store().read(j, y, 0);
        return Arrays.equals(x, y);
    }

    /** Positions sorted by key, ties by position: the same order every run. */
    private static Integer[] sortedBy(long[] keys) {
        Integer[] order = new Integer[keys.length];
        for (int i = 0; i < order.length; i++) {
            order[i] = i;
        }
        Arrays.sort(order, (p, q) -> keys[p] != keys[q] ? Long.compare(keys[p], keys[q]) : Integer.compare(p, q));
        return order;
    }
}
