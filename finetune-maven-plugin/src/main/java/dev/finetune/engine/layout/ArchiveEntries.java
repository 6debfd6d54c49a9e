package dev.finetune.engine.layout;

import dev.finetune.engine.UserInputException;
import dev.finetune.engine.report.AtomicFiles;
import dev.finetune.spec.Suggestions;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.zip.ZipEntry;
import java.util.zip.ZipFile;

/**
 * Files inside a zip or jar that a spec names ({@code base.entry}, {@code base.tokenizer}), extracted into the build's
 * output directory. Safe by construction: only the named entry is read, it is written under a name of this class's
 * choosing (the entry's last path segment, in a folder of its own), never under a path the archive supplies, so
 * {@code ../} in an archive cannot write outside (zip slip); extraction stops past {@value #MAX_BYTES} bytes, however
 * small the entry claims to be (zip bombs); files are written atomically.
 */
public final class ArchiveEntries {

    /** ONNX's own limit for a model in one file (protobuf); no base entry needs more. */
    static final long MAX_BYTES = 2L << 30;

    private ArchiveEntries() {
    }

    /** The names of the archive's files (not folders), in archive order. */
    public static List<String> names(Path archive) {
        try (ZipFile zip = new ZipFile(archive.toFile())) {
            List<String> names = new ArrayList<>();
            for (ZipEntry e : Collections.list(zip.entries())) {
                if (!e.isDirectory()) {
                    names.add(e.getName());
                }
            }
            return names;
        } catch (IOException e) {
            throw new UserInputException(archive + ": not a readable zip or jar archive (" + e.getMessage()
                    + "), so `base.entry` cannot name a file inside it");
        }
    }

    /**
     * Extracts {@code entry} of {@code archive} to {@code folder}/{@code entry's file name}, unless a file of that
     * name and size is there already (extraction is keyed by the archive's hash by the caller, so it is the same).
     *
     * @param key the spec key naming the entry, for messages
     */
    public static Path extract(Path archive, String entry, Path folder, String key) {
        String fileName = entry.substring(entry.lastIndexOf('/') + 1);
        Path target = folder.resolve(fileName);
        try (ZipFile zip = new ZipFile(archive.toFile())) {
            ZipEntry found = zip.getEntry(entry);
            if (found == null || found.isDirectory()) {
                List<String> names = names(archive);
                String hint = Suggestions.closest(entry, names).map(n -> "; did you mean `" + n + "`?").orElse("");
                List<String> shown = names.stream().filter(n -> !n.endsWith(".class") && !n.startsWith("META-INF/")).limit(20).toList();
                throw new UserInputException("`" + key + "` names `" + entry + "`, which " + archive.getFileName()
                        + " does not hold" + hint + " Its files (classes and META-INF left out): " + String.join(", ", shown));
            }
            if (Files.isRegularFile(target) && found.getSize() >= 0 && Files.size(target) == found.getSize()) {
                return target;
            }
            Files.createDirectories(folder);
            AtomicFiles.write(target, temp -> {
                try (InputStream in = zip.getInputStream(found); OutputStream out = Files.newOutputStream(temp)) {
                    byte[] buffer = new byte[1 << 16];
                    long total = 0;
                    int n;
                    while ((n = in.read(buffer)) > 0) {
                        total += n;
                        if (total > MAX_BYTES) {
                            throw new UserInputException("`" + key + "`: " + entry + " in " + archive.getFileName()
                                    + " is larger than " + (MAX_BYTES >> 30) + " GiB; not extracted");
                        }
                        out.write(buffer, 0, n);
                    }
                }
            });
            return target;
        } catch (IOException e) {
            throw new UserInputException(archive + ": cannot extract `" + entry + "` (" + e.getMessage() + ")", e);
        }
    }
}
