package dev.finetune.engine;

import dev.finetune.engine.report.AtomicFiles;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;

/** Reports and models appear whole, readable by others (0644), and a failed write leaves nothing behind. */
class AtomicFilesTest {

    @Test
    void writtenFilesHaveTheUsualModeNotATempFilesOne(@TempDir Path dir) throws Exception {
        Path report = dir.resolve("out/metrics.json");
        AtomicFiles.write(report, "{}".getBytes());
        assertEquals("rw-r--r--", PosixFilePermissions.toString(Files.getPosixFilePermissions(report)));
        AtomicFiles.write(report, "{\"again\":1}".getBytes());
        assertEquals("rw-r--r--", PosixFilePermissions.toString(Files.getPosixFilePermissions(report)));
        assertEquals("{\"again\":1}", Files.readString(report));
    }

    @Test
    void aFailedWriteKeepsTheOldFileAndLeavesNoTemporaryOne(@TempDir Path dir) throws Exception {
        Path model = Files.writeString(dir.resolve("model.zip"), "old");
        assertThrows(IOException.class, () -> AtomicFiles.write(model, temp -> {
            Files.writeString(temp, "half");
            throw new IOException("disk full");
        }));
        assertEquals("old", Files.readString(model));
        try (var files = Files.list(dir)) {
            assertFalse(files.anyMatch(f -> f.getFileName().toString().endsWith(".part")));
        }
    }

    @Test
    void leftoversOfAKilledRunAreRemovedAndNothingElse(@TempDir Path dir) throws Exception {
        Files.writeString(dir.resolve(".digits-1.0.zip8812734.part"), "half");
        Files.writeString(dir.resolve(".metrics.json991.part"), "half");
        Files.writeString(dir.resolve("model.zip"), "whole");
        Files.writeString(dir.resolve("notes.part"), "a user's file");
        Files.createDirectories(dir.resolve(".cache.part"));
        assertEquals(2, AtomicFiles.removeLeftovers(dir));
        try (var files = Files.list(dir)) {
            assertEquals(java.util.Set.of("model.zip", "notes.part", ".cache.part"),
                    files.map(f -> f.getFileName().toString()).collect(java.util.stream.Collectors.toSet()));
        }
        assertEquals(0, AtomicFiles.removeLeftovers(dir.resolve("absent")));
    }
}
