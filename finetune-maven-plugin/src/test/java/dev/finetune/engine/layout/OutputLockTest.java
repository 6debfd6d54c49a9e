package dev.finetune.engine.layout;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class OutputLockTest {

    /** A second JVM (another build) waits, saying who holds the lock, and gets it once the holder ends. */
    @Test
    void anotherBuildWaitsForTheHolderNamingIt(@TempDir Path out) throws Exception {
        Path java = Path.of(System.getProperty("java.home"), "bin", "java");
        try (OutputLock held = OutputLock.acquire(out, "finetune:train of g:a", line -> { })) {
            Process other = new ProcessBuilder(java.toString(), "-cp", System.getProperty("java.class.path"),
                    Holder.class.getName(), out.toString()).redirectErrorStream(true).start();
            // it says it waits, and then waits: it has not taken the lock while this JVM holds it
            String first = new java.io.BufferedReader(new java.io.InputStreamReader(other.getInputStream())).readLine();
            assertTrue(first.startsWith("Waiting for the build holding " + out.resolve(OutputFiles.BUILD_LOCK) + " (pid "
                    + ProcessHandle.current().pid() + ", finetune:train of g:a, since "), first);
            try {
                assertFalse(other.waitFor(1, TimeUnit.SECONDS), "it waits while the lock is held");
            } finally {
                held.close();
            }
            try {
                assertTrue(other.waitFor(30, TimeUnit.SECONDS), "it takes the lock once released");
                assertEquals(0, other.exitValue());
            } finally {
                other.destroyForcibly();
            }
        }
    }

    /** Two goals of one JVM on one directory: two reactor modules configured with the same output directory. */
    @Test
    void theSameDirectoryTwiceInOneBuildFailsClearly(@TempDir Path out) throws Exception {
        try (OutputLock held = OutputLock.acquire(out, "a", line -> { })) {
            IllegalStateException e = assertThrows(IllegalStateException.class, () -> OutputLock.acquire(out, "b", line -> { }));
            assertTrue(e.getMessage().endsWith("is held by another goal of this same build: two modules share the output"
                    + " directory; give each its own finetune.outputDirectory"), e.getMessage());
        }
        // released: the next goal takes it
        OutputLock.acquire(out, "c", line -> { }).close();
    }

    /** The other JVM of {@link #anotherBuildWaitsForTheHolderNamingIt}. */
    public static final class Holder {
        public static void main(String[] args) throws Exception {
            try (OutputLock lock = OutputLock.acquire(Path.of(args[0]), "second", line -> {
                System.out.println(line);
                System.out.flush();
            })) {
                System.out.println("acquired");
            }
        }
    }
}
