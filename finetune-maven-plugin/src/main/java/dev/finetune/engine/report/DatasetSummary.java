package dev.finetune.engine.report;

import dev.finetune.engine.data.LabeledRows;
import dev.finetune.engine.data.SplitData;
import dev.finetune.engine.fingerprint.Fingerprint;

import com.fasterxml.jackson.annotation.JsonInclude;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;

/**
 * What the model was trained and tested on, without the data itself: per split the row count, the rows per class
 * and a SHA-256 of the rows as parsed. Written by training to {@code dataset.json} and carried into the artifact's
 * lineage, so a reviewer sees when the data changed and how.
 *
 * @param classes      class names, in the order of the model's outputs
 * @param featureCount features per row (0 for text examples: their features are the text encoder's)
 * @param splits       {@code train}, {@code validation} and {@code test}
 * @param duplicatesAcrossSplits images: how many distinct images (by content) are in more than one split; numeric
 *                               CSV data: how many validation and test rows have a training row's features
 */
public record DatasetSummary(List<String> classes, int featureCount, Map<String, Split> splits,
                             @JsonInclude(JsonInclude.Include.NON_ABSENT) Optional<Integer> duplicatesAcrossSplits) {

    /** Older reports have no {@code duplicatesAcrossSplits}. */
    public DatasetSummary {
        duplicatesAcrossSplits = duplicatesAcrossSplits == null ? Optional.empty() : duplicatesAcrossSplits;
    }

    public DatasetSummary(List<String> classes, int featureCount, Map<String, Split> splits) {
        this(classes, featureCount, splits, Optional.empty());
    }

    /**
     * @param sha256 SHA-256 over the split's rows in split order, each its class name then its features as
     *               big-endian IEEE-754 floats: equal for equal data, whatever the CSV's formatting
     */
    public record Split(int rows, String sha256, Map<String, Integer> classCounts) {
    }

    public static DatasetSummary of(SplitData data) {
        Map<String, Split> splits = new LinkedHashMap<>();
        splits.put("train", split(data.train(), data.classes()));
        splits.put("validation", split(data.validation(), data.classes()));
        splits.put("test", split(data.test(), data.classes()));
        return new DatasetSummary(List.copyOf(data.classes()), data.featureCount(), splits, data.duplicatesAcrossSplits());
    }

    private static Split split(LabeledRows rows, List<String> classes) {
        Map<String, Integer> counts = new TreeMap<>();
        MessageDigest digest = Fingerprint.newDigest();
        ByteBuffer features = ByteBuffer.allocate(rows.featureCount() * Float.BYTES);
        float[] row = new float[rows.featureCount()];
        for (int i = 0; i < rows.size(); i++) {
            String label = classes.get(rows.labels()[i]);
            counts.merge(label, 1, Integer::sum);
            digest.update(label.getBytes(StandardCharsets.UTF_8));
            digest.update((byte) 0);
            features.clear();
            // one row at a time: stored (CSV) rows are read from their file, never all at once
            rows.store().read(i, row, 0);
            for (float f : row) {
                features.putFloat(f);
            }
            digest.update(features.array());
            if (rows.texts().isPresent()) {
                // a text example: its text, as the tokenizer reads it
                digest.update(rows.texts().get()[i].getBytes(StandardCharsets.UTF_8));
                digest.update((byte) 0);
            }
        }
        return new Split(rows.size(), HexFormat.of().formatHex(digest.digest()), counts);
    }
}
