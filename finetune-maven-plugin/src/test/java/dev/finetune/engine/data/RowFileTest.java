package dev.finetune.engine.data;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;

class RowFileTest {

    @TempDir
    Path dir;

    @Test
    void rowsLabelsLinesAndTrailerRoundTrip() throws Exception {
        Path file = dir.resolve("x.rows");
        float[] row = new float[3];
        try (RowFile.Writer writer = new RowFile.Writer(file, 3)) {
            for (int i = 0; i < 5000; i++) {
                row[0] = i;
                row[1] = -i / 7f;
                row[2] = Float.MIN_VALUE * i;
                writer.add(row, 0, i % 4, i + 2);
            }
            writer.finish(List.of("label", "a", "ü"));
        }
        try (RowFile read = RowFile.open(file)) {
            assertEquals(5000, read.rowCount());
            assertEquals(3, read.featureCount());
            assertEquals(List.of("label", "a", "ü"), read.trailer());
            float[] got = new float[4];
            read.read(4321, got, 1);
            assertArrayEquals(new float[] {0, 4321, -4321 / 7f, Float.MIN_VALUE * 4321}, got);
            assertEquals(3, read.labels()[4999]);
            assertEquals(4323, read.lines()[4321]);
        }
        try (var files = Files.list(dir)) {
            assertEquals(List.of(file), files.toList(), "no temporary file left");
        }
    }

    @Test
    void anUnfinishedWriterLeavesNoFile() throws Exception {
        Path file = dir.resolve("y.rows");
        try (RowFile.Writer writer = new RowFile.Writer(file, 2)) {
            writer.add(new float[] {1, 2}, 0, 0, 1);
        }
        assertFalse(Files.exists(file));
        try (var files = Files.list(dir)) {
            assertEquals(0, files.count());
        }
        Files.writeString(file, "not rows at all, but long enough for a header of sixty-four bytes.......");
        assertThrows(java.io.IOException.class, () -> RowFile.open(file));
    }
}
