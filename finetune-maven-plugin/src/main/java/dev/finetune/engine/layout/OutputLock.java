package dev.finetune.engine.layout;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.function.Consumer;

/**
 * The output directory's lock ({@link OutputFiles#BUILD_LOCK}): one goal at a time writes a project's output
 * directory, so two builds of the same project started together cannot interleave their files. An OS file lock, not
 * the file's existence: the OS releases it when the holding JVM ends, even after SIGKILL, so no stale lock is ever
 * left to remove by hand. The holder writes who it is into the file, for the waiting build's message.
 */
public final class OutputLock implements AutoCloseable {

    private final FileChannel channel;
    private final FileLock lock;

    private OutputLock(FileChannel channel, FileLock lock) {
        this.channel = channel;
        this.lock = lock;
    }

    /**
     * Takes the lock of {@code outputDir}, waiting for the build that holds it (after one line to {@code waiting}).
     *
     * @param holder who takes it, e.g. {@code finetune:train of dev.example:digits}; written into the file with the pid
     * @throws IOException when the directory or the lock file cannot be written (a read-only target/, a full disk)
     */
    public static OutputLock acquire(Path outputDir, String holder, Consumer<String> waiting) throws IOException {
        Files.createDirectories(outputDir);
        Path file = outputDir.resolve(OutputFiles.BUILD_LOCK);
        FileChannel channel = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.READ, StandardOpenOption.WRITE);
        try {
            FileLock lock = channel.tryLock();
            if (lock == null) {
                waiting.accept("Waiting for the build holding " + file + " (" + describeHolder(channel) + ") to finish;"
                        + " two builds of one project would write the same files");
                lock = channel.lock();
            }
            String me = "pid " + ProcessHandle.current().pid() + ", " + holder + ", since " + java.time.Instant.now() + "\n";
            channel.truncate(0);
            channel.write(ByteBuffer.wrap(me.getBytes(StandardCharsets.UTF_8)), 0);
            return new OutputLock(channel, lock);
        } catch (OverlappingFileLockException e) {
            channel.close();
            // this JVM holds it already: two modules of one reactor (mvn -T) configured with the same output directory
            throw new IllegalStateException(file + " is held by another goal of this same build: two modules share the"
                    + " output directory; give each its own finetune.outputDirectory", e);
        } catch (IOException | RuntimeException e) {
            channel.close();
            throw e;
        }
    }

    /**
     * What the holder wrote: its pid, goal and start time. Between taking the lock and writing, the file is empty or
     * still names the previous holder (even this JVM's previous goal), so it is read again for up to 2 s; "another
     * build" when the holder has not written by then.
     */
    private static String describeHolder(FileChannel channel) throws IOException {
        // the holder writes right after taking the lock: give it that moment rather than name nobody
        for (int attempt = 0; attempt < HOLDER_POLLS; attempt++) {
            ByteBuffer buffer = ByteBuffer.allocate(512);
            channel.read(buffer, 0);
            String text = new String(buffer.array(), 0, buffer.position(), StandardCharsets.UTF_8).strip();
            if (!text.isEmpty() && !text.startsWith("pid " + ProcessHandle.current().pid() + ",")) {
                return text;
            }
            try {
                Thread.sleep(HOLDER_POLL_MILLIS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                break;
            }
        }
        return "another build";
    }

    private static final int HOLDER_POLLS = 20;
    private static final long HOLDER_POLL_MILLIS = 100;

    /** Releases the lock; again is a no-op. */
    @Override
    public void close() throws IOException {
        if (!channel.isOpen()) {
            return;
        }
        try {
            lock.release();
        } finally {
            channel.close();
        }
    }
}
