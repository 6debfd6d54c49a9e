package dev.finetune.engine.fork;

import java.time.Duration;
import java.util.Optional;

/**
 * Ends the training JVM when the build's JVM is gone. A build killed with SIGKILL runs no shutdown hook, so without this
 * its training JVM would go on using the machine. Polls rather than relying on {@code onExit}, and compares the start
 * time too, so a recycled PID does not keep a fork alive.
 */
final class ParentWatch {

    static final int EXIT_PARENT_GONE = 4;
    private static final Duration POLL = Duration.ofMillis(500);

    private ParentWatch() {
    }

    static void start(long pid) {
        Optional<ProcessHandle> parent = ProcessHandle.of(pid);
        Optional<java.time.Instant> started = parent.flatMap(p -> p.info().startInstant());
        Thread watch = new Thread(() -> {
            while (true) {
                Optional<ProcessHandle> now = ProcessHandle.of(pid);
                boolean alive = now.map(ProcessHandle::isAlive).orElse(false)
                        && (started.isEmpty() || now.get().info().startInstant().equals(started));
                if (!alive) {
                    System.err.println("[finetune] the build's JVM (pid " + pid + ") is gone: stopping the training JVM");
                    Runtime.getRuntime().halt(EXIT_PARENT_GONE);
                }
                try {
                    Thread.sleep(POLL.toMillis());
                } catch (InterruptedException e) {
                    return;
                }
            }
        }, "finetune-parent-watch");
        watch.setDaemon(true);
        watch.start();
    }
}
