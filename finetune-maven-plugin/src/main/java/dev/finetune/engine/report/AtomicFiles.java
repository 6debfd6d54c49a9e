package dev.finetune.engine.report;

import java.io.IOException;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFileAttributeView;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Set;

/**
 * Files appear whole or not at all: written beside the target, then moved over it. They end with the usual mode
 * {@code rw-r--r--}: a temporary file is created {@code rw-------}, which would make reports unreadable to a CI
 * artifact uploader or web server running as another user.
 */
public final class AtomicFiles {

    @FunctionalInterface
    public interface Writer {
        void writeTo(Path temp) throws IOException;
    }

    private static final Set<PosixFilePermission> READABLE = PosixFilePermissions.fromString("rw-r--r--");

    private static final String PART = ".part";

    private AtomicFiles() {
    }

    /**
     * Deletes the temporary files a killed run left in {@code dir} (a JVM killed with SIGKILL runs no cleanup);
     * returns how many. Only this class's own names, {@code .NAME…part}, and only directly in {@code dir}.
     */
    public static int removeLeftovers(Path dir) throws IOException {
        if (!Files.isDirectory(dir)) {
            return 0;
        }
        int removed = 0;
        try (var files = Files.list(dir)) {
            for (Path file : files.toList()) {
                String name = file.getFileName().toString();
                if (name.startsWith(".") && name.endsWith(PART) && Files.isRegularFile(file, java.nio.file.LinkOption.NOFOLLOW_LINKS)) {
                    Files.deleteIfExists(file);
                    removed++;
                }
            }
        }
        return removed;
    }

    /** The temporary file; when it cannot be created, the error names the target, the file the user knows of. */
    private static Path createTemp(Path dir, Path target) throws IOException {
        try {
            return Files.createTempFile(dir, "." + target.getFileName(), PART);
        } catch (java.nio.file.AccessDeniedException e) {
            throw (IOException) new java.nio.file.AccessDeniedException(target.toString(), null, e.getReason()).initCause(e);
        } catch (java.nio.file.FileSystemException e) {
            throw (IOException) new java.nio.file.FileSystemException(target.toString(), null, e.getReason()).initCause(e);
        }
    }

    /**
     * A full disk while the temporary file was written: the kernel's error names no file, so this one names the
     * target, for the message that tells the user which write did not fit.
     */
    private static IOException namingTarget(IOException e, Path target) {
        if (e instanceof java.nio.file.FileSystemException || e.getMessage() == null
                || !e.getMessage().contains("No space left on device")) {
            return e;
        }
        return (IOException) new java.nio.file.FileSystemException(target.toString(), null, e.getMessage()).initCause(e);
    }

    public static void write(Path target, byte[] bytes) throws IOException {
        write(target, temp -> Files.write(temp, bytes));
    }

    public static void write(Path target, Writer writer) throws IOException {
        Path dir = target.toAbsolutePath().getParent();
        Files.createDirectories(dir);
        Path temp = createTemp(dir, target);
        try {
            try {
                writer.writeTo(temp);
            } catch (IOException e) {
                throw namingTarget(e, target);
            }
            if (Files.getFileAttributeView(temp, PosixFileAttributeView.class) != null) {
                Files.setPosixFilePermissions(temp, READABLE);
            }
            try {
                Files.move(temp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            } catch (AtomicMoveNotSupportedException e) {
                Files.move(temp, target, StandardCopyOption.REPLACE_EXISTING);
            }
        } finally {
            Files.deleteIfExists(temp);
        }
    }
}
