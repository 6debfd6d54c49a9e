package dev.finetune.engine;

import dev.finetune.engine.fingerprint.Fingerprint;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.util.zip.ZipEntry;
import java.util.zip.ZipOutputStream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;

/** A model zip's hash in lineage.json follows its entries, not the write times ModelSerializer stamps on them. */
class FingerprintTest {

    private static Path zip(Path file, long millis, String coefficients) throws Exception {
        try (ZipOutputStream out = new ZipOutputStream(Files.newOutputStream(file))) {
            for (String[] e : new String[][] {{"configuration.json", "{}"}, {"coefficients.bin", coefficients}}) {
                ZipEntry entry = new ZipEntry(e[0]);
                entry.setLastModifiedTime(FileTime.fromMillis(millis));
                out.putNextEntry(entry);
                out.write(e[1].getBytes());
            }
        }
        return file;
    }

    @Test
    void aFolderHashesAsATreeOfFilesSoAnyAddedRenamedOrChangedFileCounts(@TempDir Path dir) throws Exception {
        Path photos = dir.resolve("photos");
        TestImages.folder(photos, 2, "cat", "dog");
        String before = Fingerprint.sha256(photos);
        Files.writeString(photos.resolve(".DS_Store"), "hidden: skipped");
        Files.createDirectories(photos.resolve("cat/.cache"));
        Files.writeString(photos.resolve("cat/.cache/x"), "hidden folder: skipped");
        assertEquals(before, Fingerprint.sha256(photos));
        Files.copy(photos.resolve("cat/000.png"), photos.resolve("cat/002.png"));
        String added = Fingerprint.sha256(photos);
        assertNotEquals(before, added);
        Files.move(photos.resolve("cat/002.png"), photos.resolve("dog/002.png"));
        assertNotEquals(added, Fingerprint.sha256(photos), "the same bytes under another class");
        Files.delete(photos.resolve("dog/002.png"));
        assertEquals(before, Fingerprint.sha256(photos));
        Files.write(photos.resolve("dog/001.png"), TestImages.greyPng(28, 28, 77));
        assertNotEquals(before, Fingerprint.sha256(photos));
    }

    @Test
    void theSameEntriesWrittenAtOtherTimesHashTheSame(@TempDir Path dir) throws Exception {
        Path a = zip(dir.resolve("a.zip"), 1_700_000_000_000L, "weights");
        Path b = zip(dir.resolve("b.zip"), 1_800_000_000_000L, "weights");
        Path c = zip(dir.resolve("c.zip"), 1_700_000_000_000L, "other weights");
        assertNotEquals(Fingerprint.sha256(a), Fingerprint.sha256(b));
        assertEquals(Fingerprint.zipEntriesSha256(a), Fingerprint.zipEntriesSha256(b));
        assertNotEquals(Fingerprint.zipEntriesSha256(a), Fingerprint.zipEntriesSha256(c));
    }
}
