package dev.finetune.engine.data;

import dev.finetune.engine.TestBases;
import dev.finetune.engine.UserInputException;
import dev.finetune.engine.layout.OutputFiles;
import dev.finetune.spec.FinetuneSpec;
import dev.finetune.spec.SpecParser;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.util.List;
import java.util.Optional;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * CSV data parsed once into a row file and read by index gives the same splits, rows, labels and features as the
 * whole-file reader, and the same problems with the same messages for bad files; the row file is written once per
 * content and reused.
 */
class StoredCsvTest {

    @TempDir
    Path dir;

    private FinetuneSpec.DatasetSpec dataset(String datasetYaml) throws Exception {
        return new SpecParser().parse("finetune.yaml", "base: { path: b.zip }\ndataset:\n" + datasetYaml).dataset();
    }

    private SplitData whole(FinetuneSpec.DatasetSpec spec) {
        return new CsvDatasetLoader(dir::resolve).load(spec);
    }

    private SplitData stored(FinetuneSpec.DatasetSpec spec) {
        return new CsvDatasetLoader(dir::resolve, Optional.of(dir.resolve("cache"))).load(spec);
    }

    private static void assertSameRows(LabeledRows expected, LabeledRows actual) {
        assertEquals(expected.source(), actual.source());
        assertArrayEquals(expected.labels(), actual.labels());
        assertArrayEquals(expected.rows(), actual.rows());
        assertEquals(expected.featureCount(), actual.featureCount());
        float[] row = new float[actual.featureCount()];
        for (int i = 0; i < expected.size(); i++) {
            actual.store().read(i, row, 0);
            assertArrayEquals(expected.features()[i], row, "row " + expected.rows()[i]);
        }
    }

    private void assertSame(String yaml) throws Exception {
        FinetuneSpec.DatasetSpec spec = dataset(yaml);
        SplitData expected = whole(spec);
        SplitData actual = stored(spec);
        assertTrue(actual.train().store() instanceof RowFeatures.Stored, "streamed from the row file");
        assertEquals(expected.classes(), actual.classes());
        assertSameRows(expected.train(), actual.train());
        assertSameRows(expected.validation(), actual.validation());
        assertSameRows(expected.test(), actual.test());
    }

    @Test
    void storedRowsEqualTheWholeFileReadersRows() throws Exception {
        TestBases.writeUpperDigits(dir.resolve("d.csv"));
        assertSame("  path: d.csv\n  split: { train: 0.5, validation: 0.25, test: 0.25, seed: 9 }\n");
        assertSame("  path: d.csv\n  split: { train: 0.6, validation: 0.2, test: 0.2, seed: 2, stratify: false }\n");
        // a header, a named label column in the middle, labels written as different numbers, blank lines, a BOM
        Files.writeString(dir.resolve("h.csv"), "\uFEFFx,kind,y\n1,1,2\n3,2.0,4\n\n5,1.0,6\n7,2,8\n1,01,1\n2,2,2\n3,1,3\n4,2,4\n");
        assertSame("  path: h.csv\n  header: true\n  labelColumn: kind\n  split: { train: 0.5, validation: 0.25, test: 0.25 }\n");
        Files.writeString(dir.resolve("tr.csv"), "1;2;a\n3;4;b\n5;6;a\n7;8;b\n");
        Files.writeString(dir.resolve("va.csv"), "1;1;a\n2;2;b\n");
        Files.writeString(dir.resolve("te.csv"), "3;3;b\n4;4;a\n");
        assertSame("  files: { train: tr.csv, validation: va.csv, test: te.csv }\n  delimiter: \";\"\n");
    }

    /** Each bad file: the same problem text from both readers. */
    @Test
    void badFilesGiveTheWholeFileReadersMessages() throws Exception {
        List<String[]> cases = List.of(
                new String[] {"1,2,a\n3,x,b\n5,6,\n7,NaN,b\n1,2,a\n3,4,b\n", ""},
                new String[] {"1,2,a\n3,4,b\n5,6\n7,x,b\n", "width before cells"},
                new String[] {"1;2;a\n3;4;b\n", "one column"},
                new String[] {"\n\n", "no rows"},
                new String[] {"1,2,a\n3,\"4,b\n", "unclosed quote"},
                new String[] {"1,2,a\n3,4,a\n", "one class"},
                new String[] {bad(30, true), "continuous labels"},
                new String[] {bad(45, false), "more than 20 bad cells"});
        for (String[] c : cases) {
            Files.writeString(dir.resolve("bad.csv"), c[0]);
            assertSameProblem("  path: bad.csv\n  split: { train: 0.5, validation: 0.25, test: 0.25 }\n", c[1]);
            if (c[1].isEmpty()) {
                assertFalse(rowFiles().findAny().isPresent(), "no row file is written for a file with bad cells");
            }
        }
        Files.writeString(dir.resolve("named.csv"), "x,y,kind\n1,2,a\n3,4,b\n");
        assertSameProblem("  path: named.csv\n  header: true\n  labelColumn: knid\n", "did-you-mean");
        assertSameProblem("  path: named.csv\n  header: true\n  labelColumn: 7\n", "index out of range");
        Files.writeString(dir.resolve("few.csv"), "1,2,a\n3,4,b\n1,2,a\n3,4,b\n5,5,c\n");
        assertSameProblem("  path: few.csv\n  split: { train: 0.4, validation: 0.3, test: 0.3 }\n", "a class too small to split");
        Files.writeString(dir.resolve("tr.csv"), "1,2,a\n3,4,a\n");
        Files.writeString(dir.resolve("va.csv"), "1,1,a\n2,2,b\n");
        Files.writeString(dir.resolve("te.csv"), "3,3,b\n4,x,a\n1\n");
        assertSameProblem("  files: { train: tr.csv, validation: va.csv, test: te.csv }\n", "structure of a later file first");
        Files.writeString(dir.resolve("te.csv"), "3,3,b\n4,x,a\n");
        assertSameProblem("  files: { train: tr.csv, validation: va.csv, test: te.csv }\n", "a class missing from train");
        Files.write(dir.resolve("bad.csv"), new byte[] {0x1f, (byte) 0x8b, 8, 0, 0, 0});
        assertSameProblem("  path: bad.csv\n", "gzip");
    }

    private static String bad(int rows, boolean continuousLabels) {
        StringBuilder csv = new StringBuilder();
        for (int i = 0; i < rows; i++) {
            csv.append(continuousLabels ? i + ",1," + (i * 0.37) : "x,1," + (i % 2)).append('\n');
        }
        return csv.toString();
    }

    private void assertSameProblem(String yaml, String what) throws Exception {
        FinetuneSpec.DatasetSpec spec = dataset(yaml);
        String expected = assertThrows(UserInputException.class, () -> whole(spec), what).getMessage();
        String actual = assertThrows(UserInputException.class, () -> stored(spec), what).getMessage();
        assertEquals(expected, actual, what);
    }

    private Stream<Path> rowFiles() throws IOException {
        Path cache = dir.resolve("cache");
        return Files.isDirectory(cache) ? Files.list(cache).filter(p -> p.toString().endsWith(".rows")) : Stream.empty();
    }

    @Test
    void aFileIsParsedOnceAndItsRowFileReused() throws Exception {
        TestBases.writeUpperDigits(dir.resolve("d.csv"));
        FinetuneSpec.DatasetSpec spec = dataset("  path: d.csv\n");
        stored(spec);
        List<Path> files = rowFiles().toList();
        assertEquals(1, files.size());
        assertEquals(OutputFiles.dataCache(CsvRowCache.key(dir.resolve("d.csv"), spec)), files.get(0).getFileName().toString());
        FileTime written = Files.getLastModifiedTime(files.get(0));
        Files.setLastModifiedTime(files.get(0), FileTime.fromMillis(written.toMillis() - 60_000));
        FileTime aged = Files.getLastModifiedTime(files.get(0));
        stored(spec);
        assertEquals(aged, Files.getLastModifiedTime(files.get(0)), "read, not written again");
        // other content, another key: a new row file, the old one left as it was
        Files.writeString(dir.resolve("d.csv"), Files.readString(dir.resolve("d.csv")) + "0,".repeat(64) + "5\n",
                StandardCharsets.UTF_8);
        stored(spec);
        assertEquals(2, rowFiles().count());
    }
}
