package dev.finetune.engine.packaging;

import dev.finetune.engine.layout.OutputFiles;
import dev.finetune.engine.report.AtomicFiles;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDateTime;
import java.util.Map;
import java.util.TreeMap;
import java.util.zip.ZipEntry;
import java.util.zip.ZipFile;
import java.util.zip.ZipOutputStream;

/**
 * The model artifact: the DL4J model zip's own entries (so {@code ModelSerializer} loads the artifact directly,
 * normaliser included) plus the spec, metrics and training history under {@code finetune/}. Entries are sorted
 * and carry one fixed timestamp, so equal inputs give equal bytes.
 */
public final class ModelArchive {

    

    private ModelArchive() {
    }

    public static void write(Path target, Path dl4jModel, Map<String, byte[]> metadata, LocalDateTime timestamp) throws IOException {
        TreeMap<String, byte[]> entries = new TreeMap<>();
        try (ZipFile model = new ZipFile(dl4jModel.toFile())) {
            var all = model.entries();
            while (all.hasMoreElements()) {
                ZipEntry e = all.nextElement();
                if (e.isDirectory()) {
                    continue;
                }
                try (InputStream in = model.getInputStream(e)) {
                    entries.put(e.getName(), in.readAllBytes());
                }
            }
        }
        metadata.forEach((name, bytes) -> entries.put(OutputFiles.ARCHIVE_METADATA_DIR + name, bytes));
        AtomicFiles.write(target, temp -> {
            try (OutputStream file = Files.newOutputStream(temp); ZipOutputStream zip = new ZipOutputStream(file)) {
                for (var e : entries.entrySet()) {
                    ZipEntry entry = new ZipEntry(e.getKey());
                    // local time without a zone: the DOS timestamp does not change with the build machine's zone
                    entry.setTimeLocal(timestamp);
                    zip.putNextEntry(entry);
                    zip.write(e.getValue());
                    zip.closeEntry();
                }
            }
        });
    }
}
