package dev.finetune.engine.data;

import dev.finetune.spec.FinetuneSpec;
import dev.finetune.spec.SpecParser;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** The CSV data check's warnings, with their exact messages, and the leaked-row count that dataset.json carries. */
class RowChecksTest {

    @TempDir
    Path dir;

    private DatasetSource source(String yaml) throws Exception {
        FinetuneSpec spec = new SpecParser().parse("finetune.yaml", "base: { path: b.zip }\ndataset:\n" + yaml);
        return DatasetSource.of(spec.dataset(), dir::resolve, ImageShape.BaseInput.UNKNOWN, Optional.of(dir.resolve("cache")));
    }

    @Test
    void duplicatesLeakageAndImbalanceAreWarningsWithCounts() throws Exception {
        // train rows 1 and 4 are the same row; a validation and a test row have a training row's features, with
        // another label (leakage, not duplicates)
        Files.writeString(dir.resolve("train.csv"), "1,2,a\n3,4,b\n5,6,a\n1,2,a\n7,8,b\n9,9,a\n");
        Files.writeString(dir.resolve("val.csv"), "3,4,a\n8,8,b\n");
        Files.writeString(dir.resolve("test.csv"), "9,9,b\n0,1,b\n1,1,a\n");
        DatasetSource source = source("  files: { train: train.csv, validation: val.csv, test: test.csv }\n");
        DatasetSource.Inspection found = source.inspect(k -> null);
        assertEquals(List.of(), found.problems());
        assertEquals(List.of(
                "1 row repeats an earlier row exactly (label and features), e.g. row 1 (train) = row 4 (train, class `a`); duplicates weigh"
                        + " those examples more in training and, across splits, in the metrics",
                "2 validation and test rows have the features of a training row (train & validation 1, train & test 1; e.g."
                        + " row 2 (train) = row 1 (validation)): those metrics are not on unseen data; dataset.json counts them"
                        + " as duplicatesAcrossSplits"), found.warnings());
        assertEquals(Optional.of(2), source.load().duplicatesAcrossSplits());
    }

    @Test
    void textRowsAreComparedByTheirText() throws Exception {
        // rows 2 and 5 are the same mail with the same label; row 3 has row 1's text with another label
        Files.writeString(dir.resolve("train.csv"), "label,body\nham,see you at 5\nspam,win a prize\nspam,see you at 5\n"
                + "ham,lunch?\nspam,win a prize\n");
        Files.writeString(dir.resolve("val.csv"), "label,body\nham,lunch?\nspam,cheap pills\n");
        Files.writeString(dir.resolve("test.csv"), "label,body\nham,call me\nspam,Win a prize\n");
        DatasetSource source = source("  files: { train: train.csv, validation: val.csv, test: test.csv }\n"
                + "  header: true\n  labelColumn: label\n  textColumn: body\n");
        DatasetSource.Inspection found = source.inspect(k -> null);
        assertEquals(List.of(), found.problems());
        assertEquals(List.of(
                "2 rows repeat an earlier row exactly (label and text), e.g. row 3 (train) = row 6 (train, class `spam`);"
                        + " duplicates weigh those examples more in training and, across splits, in the metrics",
                "1 validation or test row has the text of a training row (train & validation 1; e.g. row 5 (train) = row 2"
                        + " (validation)): those metrics are not on unseen data; dataset.json counts them as"
                        + " duplicatesAcrossSplits"), found.warnings());
        assertEquals(Optional.of(new DataCounts(new DataCounts.Count(2, found.warnings().get(0)),
                new DataCounts.Count(1, found.warnings().get(1)))), found.counts());
        assertEquals(Optional.of(1), source.load().duplicatesAcrossSplits());
    }

    @Test
    void cleanDataHasNoWarningsAndCountsZero() throws Exception {
        StringBuilder csv = new StringBuilder();
        for (int i = 0; i < 40; i++) {
            csv.append(i).append(',').append(i * 3 % 7).append(',').append(i % 2 == 0 ? "x" : "y").append('\n');
        }
        Files.writeString(dir.resolve("d.csv"), csv.toString());
        DatasetSource source = source("  path: d.csv\n  split: { train: 0.5, validation: 0.25, test: 0.25 }\n");
        assertEquals(List.of(), source.inspect(k -> null).warnings());
        assertEquals(Optional.of(0), source.load().duplicatesAcrossSplits());
    }

    @Test
    void aClassTenTimesAnotherIsAWarning() throws Exception {
        StringBuilder csv = new StringBuilder();
        for (int i = 0; i < 60; i++) {
            csv.append(i).append(",0,big\n");
        }
        for (int i = 0; i < 6; i++) {
            csv.append(i).append(",1,small\n");
        }
        Files.writeString(dir.resolve("d.csv"), csv.toString());
        assertEquals(List.of("the classes are imbalanced: `big` has 60 rows, `small` 6 (10:1); accuracy can stay high while"
                        + " `small` is never predicted: gate on macroF1 or add examples"),
                source("  path: d.csv\n  split: { train: 0.5, validation: 0.25, test: 0.25 }\n").inspect(k -> null).warnings());
    }
}
