package dev.finetune.it;

import org.junit.jupiter.api.Assumptions;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.UnaryOperator;

/**
 * A small disk of its own under a directory (a tmpfs of {@code megabytes}), for builds that must run out of space:
 * a real ENOSPC from the kernel, not a simulated exception. It lives in a mount namespace held by a sleeping process
 * (created with {@code unshare -rm}, an unprivileged user namespace, so it needs no root and touches no mount of the
 * machine); each build enters that namespace ({@link #enter}) so that consecutive builds see the same files, and the
 * test reads and changes them through the holder's {@code /proc/PID/root}. Closing it ends the holder and the tmpfs
 * with it. Where user namespaces are not allowed the test is skipped, saying why.
 */
final class SmallDisk implements AutoCloseable {

    private static final String FILLER = "filler";

    private final Process holder;
    private final Path mountPoint;

    private SmallDisk(Process holder, Path mountPoint) {
        this.holder = holder;
        this.mountPoint = mountPoint;
    }

    /** Mounts the tmpfs over {@code dir} (which must exist) in a namespace of its own. */
    static SmallDisk mount(Path dir, int megabytes) throws IOException, InterruptedException {
        Path absolute = dir.toAbsolutePath();
        Process holder = new ProcessBuilder("unshare", "-rm", "sh", "-c",
                "mount -t tmpfs -o size=" + megabytes + "m tmpfs \"$1\" && echo mounted && exec sleep 3600", "sh",
                absolute.toString()).redirectErrorStream(true).start();
        BufferedReader out = new BufferedReader(new InputStreamReader(holder.getInputStream(), StandardCharsets.UTF_8));
        String first = out.readLine();
        if (!"mounted".equals(first)) {
            holder.waitFor(10, TimeUnit.SECONDS);
            holder.destroyForcibly();
            Assumptions.abort("a tmpfs in an unprivileged mount namespace (unshare -rm, then mount -t tmpfs) is not"
                    + " allowed here, so no small disk to fill: " + first);
        }
        return new SmallDisk(holder, absolute);
    }

    /** Wraps a command line to run inside the namespace, in {@code workDir} (entering resets the working directory). */
    UnaryOperator<List<String>> enter(Path workDir) {
        return command -> {
            List<String> wrapped = new ArrayList<>(List.of("nsenter", "-t", Long.toString(holder.pid()), "-U", "-m",
                    "--preserve-credentials", "sh", "-c", "cd \"$0\" && exec \"$@\"", workDir.toAbsolutePath().toString()));
            wrapped.addAll(command);
            return wrapped;
        };
    }

    /** {@code path} (at or under the mount point) as the namespace sees it, for this JVM to read. */
    Path view(Path path) {
        Path absolute = path.toAbsolutePath();
        if (!absolute.startsWith(mountPoint)) {
            throw new IllegalArgumentException(path + " is not on the small disk " + mountPoint);
        }
        return Path.of("/proc", Long.toString(holder.pid()), "root").resolve(Path.of("/").relativize(absolute));
    }

    /** Fills the disk with one file of {@code bytes}, as another program's output would. */
    void fill(long bytes) throws IOException {
        byte[] chunk = new byte[1 << 20];
        try (OutputStream out = Files.newOutputStream(view(mountPoint).resolve(FILLER))) {
            for (long left = bytes; left > 0; left -= chunk.length) {
                out.write(chunk, 0, (int) Math.min(left, chunk.length));
            }
        }
    }

    /** Frees the space {@link #fill} took, as a user told to free space would. */
    void free() throws IOException {
        Files.delete(view(mountPoint).resolve(FILLER));
    }

    @Override
    public void close() throws InterruptedException {
        holder.destroy();
        holder.waitFor(10, TimeUnit.SECONDS);
    }
}
