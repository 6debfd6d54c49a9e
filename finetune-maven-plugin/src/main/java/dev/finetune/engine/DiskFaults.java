package dev.finetune.engine;

import java.io.IOException;
import java.nio.file.AccessDeniedException;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.ReadOnlyFileSystemException;
import java.util.Locale;
import java.util.Optional;
import java.util.function.Function;

/**
 * A full or unwritable disk as one message naming the file, the free space and what to change, for every writer:
 * the training JVM's faults ({@code engine.fork.Faults}) and the data cache {@code finetune:validate} writes in
 * Maven's JVM. Here, in no package's slice, so that both may use it without a cycle between engine packages.
 */
public final class DiskFaults {

    private DiskFaults() {
    }

    /** The first disk fault among {@code fault}, its causes and their suppressed exceptions. */
    public static Optional<String> describe(Throwable fault, Path outputDir) {
        return firstInChain(fault, t -> describeOne(t, outputDir));
    }

    /** What {@code one} says of the first of {@code fault}, its causes and their suppressed exceptions it knows. */
    public static Optional<String> firstInChain(Throwable fault, Function<Throwable, Optional<String>> one) {
        for (Throwable t = fault; t != null; t = t.getCause() == t ? null : t.getCause()) {
            Optional<String> described = one.apply(t);
            if (described.isPresent()) {
                return described;
            }
            for (Throwable suppressed : t.getSuppressed()) {
                described = one.apply(suppressed);
                if (described.isPresent()) {
                    return described;
                }
            }
        }
        return Optional.empty();
    }

    /**
     * {@code t} alone, if it is a full or read-only disk.
     *
     * @param outputDir where the writer writes, for the free space and as the file when the exception names none
     */
    public static Optional<String> describeOne(Throwable t, Path outputDir) {
        String lower = t.getMessage() == null ? "" : t.getMessage().toLowerCase(Locale.ROOT);
        if (t instanceof IOException && lower.contains("no space left on device")) {
            return Optional.of("No space left on device while writing " + file(t, outputDir) + freeSpace(outputDir)
                    + ": free space there, or set finetune.outputDirectory to a larger disk. Files are written whole or"
                    + " not at all, so the earlier ones are intact and no half-written file is left");
        }
        if (t instanceof AccessDeniedException || t instanceof ReadOnlyFileSystemException
                || (t instanceof IOException && lower.contains("read-only file system"))) {
            return Optional.of("Cannot write " + file(t, outputDir) + ": " + (t instanceof AccessDeniedException
                    ? "permission denied" : "the file system is read-only") + "; " + outputDir + " must be writable ("
                    + "the build directory, target/, and finetune.outputDirectory, by default target/finetune). Nothing"
                    + " was written there: files are written whole or not at all");
        }
        return Optional.empty();
    }

    private static String file(Throwable t, Path outputDir) {
        if (t instanceof FileSystemException fse && fse.getFile() != null) {
            return fse.getFile();
        }
        return outputDir.toString();
    }

    private static String freeSpace(Path outputDir) {
        try {
            Path existing = outputDir.toAbsolutePath();
            while (existing != null && !Files.exists(existing)) {
                existing = existing.getParent();
            }
            if (existing == null) {
                return "";
            }
            long free = Files.getFileStore(existing).getUsableSpace();
            return " (" + free / (1024 * 1024) + " MiB free on its file system now)";
        } catch (IOException | RuntimeException e) {
            return "";
        }
    }
}
