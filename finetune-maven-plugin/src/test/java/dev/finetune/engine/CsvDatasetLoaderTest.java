package dev.finetune.engine;

import dev.finetune.engine.data.CsvDatasetLoader;
import dev.finetune.engine.data.SplitData;
import dev.finetune.spec.FinetuneSpec;
import dev.finetune.spec.SpecParser;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

class CsvDatasetLoaderTest {

    @TempDir
    Path dir;

    private SplitData load(String datasetYaml) throws Exception {
        FinetuneSpec spec = new SpecParser().parse("finetune.yaml", "base: { path: b.zip }\ndataset:\n" + datasetYaml);
        return new CsvDatasetLoader(dir::resolve).load(spec.dataset());
    }

    @Test
    void stratifiedSplitIsSeededAndKeepsClassProportions() throws Exception {
        TestBases.writeUpperDigits(dir.resolve("d.csv"));
        String yaml = "  path: d.csv\n  split: { train: 0.5, validation: 0.25, test: 0.25, seed: 9 }\n";
        SplitData a = load(yaml);
        SplitData b = load(yaml);
        assertArrayEquals(a.train().rows(), b.train().rows());
        assertArrayEquals(a.test().rows(), b.test().rows());
        assertEquals(List.of("5", "6", "7", "8", "9"), a.classes());
        int total = a.train().size() + a.validation().size() + a.test().size();
        assertEquals(TestBases.digitRows(true).size(), total);
        // every class lands in each split at about its share
        for (int c = 0; c < 5; c++) {
            final int cls = c;
            long inTrain = Arrays.stream(a.train().labels()).filter(l -> l == cls).count();
            long inAll = inTrain + Arrays.stream(a.validation().labels()).filter(l -> l == cls).count()
                    + Arrays.stream(a.test().labels()).filter(l -> l == cls).count();
            assertEquals(inAll * 0.5, inTrain, 1.0);
        }
        // no row is in two splits
        assertEquals(total, java.util.stream.IntStream.concat(java.util.stream.IntStream.concat(
                Arrays.stream(a.train().rows()), Arrays.stream(a.validation().rows())), Arrays.stream(a.test().rows()))
                .distinct().count());
        SplitData other = load("  path: d.csv\n  split: { train: 0.5, validation: 0.25, test: 0.25, seed: 10 }\n");
        assertEquals(false, Arrays.equals(a.train().rows(), other.train().rows()), "another seed, another split");
    }

    @Test
    void labelColumnByHeaderName() throws Exception {
        Files.writeString(dir.resolve("h.csv"), "kind,x,y\na,1,2\nb,3,4\na,5,6\nb,7,8\na,1,1\nb,2,2\na,3,3\nb,4,4\n");
        SplitData data = load("  path: h.csv\n  header: true\n  labelColumn: kind\n  normalize: none\n"
                + "  split: { train: 0.5, validation: 0.25, test: 0.25 }\n");
        assertEquals(List.of("a", "b"), data.classes());
        assertEquals(2, data.featureCount());
    }

    @Test
    void badCellNamesFileRowAndColumn() throws Exception {
        Files.writeString(dir.resolve("bad.csv"), "x,y,label\n1,2,a\n3,oops,b\n");
        UserInputException e = assertThrows(UserInputException.class,
                () -> load("  path: bad.csv\n  header: true\n  labelColumn: label\n"));
        assertEquals(dir.resolve("bad.csv") + ": row 3, column 2 (`y`): expected a finite number, found `oops`", e.getMessage());
    }

    /** A data check reports every bad cell at once, empty labels included, each with its row and column. */
    @Test
    void everyBadCellAndEmptyLabelIsReportedInOneRun() throws Exception {
        Files.writeString(dir.resolve("many.csv"), "x,y,label\n1,2,a\n3,oops,b\n,4,a\n5,6,\n7,inf,b\n8,9,a\n");
        UserInputException e = assertThrows(UserInputException.class,
                () -> load("  path: many.csv\n  header: true\n  labelColumn: label\n"));
        Path f = dir.resolve("many.csv");
        assertEquals(List.of(f + ": row 3, column 2 (`y`): expected a finite number, found `oops`",
                f + ": row 4, column 1 (`x`): expected a finite number, found an empty cell",
                f + ": row 5, column 3 (`label`): the label is empty",
                f + ": row 6, column 2 (`y`): expected a finite number, found `inf`"), e.getMessage().lines().toList());
    }

    @Test
    void numericLabelsWrittenDifferentlyAreOneClassAndAByteOrderMarkIsNotData() throws Exception {
        Files.writeString(dir.resolve("labels.csv"), "\uFEFF1,2,1\n3,4,1.0\n5,6,2\n7,8,2.00\n1,1,01\n2,2,2\n3,3,1\n4,4,2\n");
        SplitData data = load("  path: labels.csv\n  normalize: none\n  split: { train: 0.5, validation: 0.25, test: 0.25 }\n");
        assertEquals(List.of("1", "2"), data.classes());
        assertEquals(8, data.train().size() + data.validation().size() + data.test().size());
    }

    /** Today's DataVec reader says "Un-terminated quoted field" somewhere inside a gzip file named .csv. */
    @Test
    void aCompressedFileNamedCsvSaysWhatItIs() throws Exception {
        Path csv = dir.resolve("train.csv");
        try (var out = new java.util.zip.GZIPOutputStream(Files.newOutputStream(csv))) {
            out.write("1,2,a\n3,4,b\n".getBytes());
        }
        UserInputException e = assertThrows(UserInputException.class, () -> load("  path: train.csv\n"));
        assertEquals(csv + ": is a gzip archive, not CSV text; decompress it and point the spec at the .csv inside", e.getMessage());
    }

    @Test
    void rowWithMissingColumnsIsReported() throws Exception {
        Files.writeString(dir.resolve("short.csv"), "1,2,a\n3,b\n");
        UserInputException e = assertThrows(UserInputException.class, () -> load("  path: short.csv\n"));
        assertEquals(dir.resolve("short.csv") + ": row 2: expected 3 columns (as in row 1), found 2", e.getMessage());
    }

    @Test
    void labelColumnOutOfRange() throws Exception {
        Files.writeString(dir.resolve("d.csv"), "1,2,a\n3,4,b\n");
        UserInputException e = assertThrows(UserInputException.class, () -> load("  path: d.csv\n  labelColumn: 5\n"));
        assertEquals(dir.resolve("d.csv") + ": `dataset.labelColumn` is 5 but rows have 3 columns (valid: 0..2 or -1..-3)",
                e.getMessage());
    }

    @Test
    void tooLittleDataForASplitIsReported() throws Exception {
        Files.writeString(dir.resolve("d.csv"), "1,a\n2,b\n");
        UserInputException e = assertThrows(UserInputException.class, () -> load("  path: d.csv\n"));
        assertEquals("d.csv: the validation split is empty with 2 rows; raise `dataset.split.validation` or add data",
                e.getMessage());
    }

    @Test
    void tabSeparatedDataReadAsCommaSeparatedSaysWhichDelimiterItLooksLike() throws Exception {
        StringBuilder rows = new StringBuilder();
        for (int i = 0; i < 30; i++) {
            rows.append(i).append('\t').append(i * 2).append('\t').append(i % 3).append('\n');
        }
        Files.writeString(dir.resolve("d.csv"), rows);
        UserInputException e = assertThrows(UserInputException.class, () -> load("  path: d.csv\n"));
        assertEquals(dir.resolve("d.csv") + ": row 1: one column only with the delimiter `,`, but the row contains tabs:"
                + " the file looks tab-separated; set `dataset.delimiter: \"\\t\"`", e.getMessage());
    }

    @Test
    void continuousLabelsAreRefusedAsRegressionTargets() throws Exception {
        StringBuilder rows = new StringBuilder();
        for (int i = 0; i < 150; i++) {
            rows.append(i % 7).append(',').append(i % 5).append(',').append(String.format(java.util.Locale.ROOT, "%.3f", i * 0.37 + 0.011)).append('\n');
        }
        Files.writeString(dir.resolve("d.csv"), rows);
        UserInputException e = assertThrows(UserInputException.class, () -> load("  path: d.csv\n"));
        assertEquals(dir.resolve("d.csv") + ": the label column (column 3) holds 150 distinct numbers in 150 rows"
                + " (e.g. 0.011, 0.381, 0.751): these look like continuous values (a regression target), but this plugin"
                + " trains classifiers, whose labels are classes; bin the values into classes, or point"
                + " `dataset.labelColumn` at the class column", e.getMessage());
    }

    @Test
    void aClassTooSmallForTheStratifiedSplitsIsNamed() throws Exception {
        StringBuilder rows = new StringBuilder();
        for (int i = 0; i < 40; i++) {
            rows.append(i).append(',').append(i % 2 == 0 ? "cat" : "dog").append('\n');
        }
        rows.append("99,bird\n");
        Files.writeString(dir.resolve("d.csv"), rows);
        UserInputException e = assertThrows(UserInputException.class,
                () -> load("  path: d.csv\n  split: { train: 0.4, validation: 0.3, test: 0.3 }\n"));
        assertEquals("d.csv: class `bird` has 1 example: split 0.4 / 0.3 / 0.3 by class (stratified) leaves it none"
                + " to train on; add examples of it, or raise `dataset.split.train`", e.getMessage());
    }

    @Test
    void anUnclosedQuoteIsReportedWhereItOpens() throws Exception {
        Files.writeString(dir.resolve("d.csv"), "1,2,a\n3,\"4,b\n5,6,a\n7,8,b\n");
        UserInputException e = assertThrows(UserInputException.class, () -> load("  path: d.csv\n"));
        assertEquals(dir.resolve("d.csv") + ": row 2, column 2: a quoted field opens here and is never closed", e.getMessage());
    }
}
