package dev.finetune.engine.fork;

import com.fasterxml.jackson.core.JsonProcessingException;
import dev.finetune.engine.event.JobEvent;
import dev.finetune.engine.event.JobEvent.JobFinished;
import dev.finetune.engine.layout.OutputFiles;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;

/**
 * Starts {@link ForkMain} in a new JVM with a {@link ForkRequest} and relays what comes back: framed events
 * ({@link ForkProtocol}) as events, every other line as plain output. Lives on the build's side: it loads no ND4J
 * class, so native code never enters the build's JVM.
 */
public final class JvmFork {

    /** How many of the fork's last plain lines a crash report quotes. */
    static final int CRASH_LINES = 20;

    /** Receives what the fork sends. Called from one relay thread. */
    public interface Output {
        /** An event the job emitted, {@link JobFinished} included. */
        void event(JobEvent event);

        /**
         * Any other line (DL4J, ND4J, the JVM). {@code warning} when it looks like one (an SLF4J {@code [WARN]} or
         * {@code [ERROR]} line): those are worth a warning in the build log, the rest is for debug logging.
         */
        void plain(String line, boolean warning);
    }

    /**
     * How a fork ended.
     *
     * @param finished  the job's last event; empty when the JVM exited without one (it crashed or was killed)
     * @param exitCode  the JVM's exit code
     * @param lastLines the last plain lines it printed, for a crash report
     * @param timedOut  killed after the configured timeout
     */
    /** @param maxHeap the fork's heap setting, for the message when it ran out */
    public record Result(Optional<JobFinished> finished, int exitCode, List<String> lastLines, boolean timedOut,
                         Optional<String> maxHeap) {

        public boolean succeeded() {
            return finished.map(JobFinished::succeeded).orElse(false) && exitCode == 0;
        }

        public boolean userError() {
            return finished.map(f -> f.outcome() == JobFinished.Outcome.userError).orElse(false);
        }

        /** The job's error lines; empty after a crash (see {@link #describeCrash()}). */
        public List<String> errors() {
            return finished.map(JobFinished::errors).orElse(List.of());
        }

        /** What to tell the user when the JVM ran past its time budget. */
        public String describeTimeout(java.time.Duration budget) {
            return "The training JVM ran past its time budget of " + budget.toSeconds() + " s (finetune.forkTimeout) and was"
                    + " stopped; raise it with -Dfinetune.forkTimeout=SECONDS (0: no limit) or train less (epochs, sweep size)"
                    + (lastLines.isEmpty() ? "" : lastLinesText());
        }

        /** What to tell the user when the JVM ended without finishing its job. */
        public String describeCrash() {
            Optional<String> fault = Faults.describeCrash(lastLines, maxHeap);
            if (fault.isPresent()) {
                return fault.get() + lastLinesText();
            }
            String how = timedOut ? "was killed after the timeout (finetune.forkTimeout)"
                    : "exited with code " + exitCode + " before finishing its task (crashed or killed)";
            return "The training JVM " + how + (lastLines.isEmpty() ? "; it printed nothing" : lastLinesText());
        }

        private String lastLinesText() {
            return "; its last lines:\n  " + String.join("\n  ", lastLines);
        }
    }

    private final ForkOptions options;

    public JvmFork(ForkOptions options) {
        this.options = options;
    }

    public List<String> command(Path argFile, Path requestFile) {
        List<String> cmd = new ArrayList<>();
        cmd.add(options.javaExecutable().toString());
        cmd.add("@" + argFile);
        cmd.add(ForkMain.class.getName());
        cmd.add(requestFile.toString());
        return cmd;
    }

    /** JVM options, kept in an argument file since classpaths get long. */
    List<String> jvmArgs() {
        List<String> args = new ArrayList<>();
        options.maxHeap().ifPresent(h -> args.add("-Xmx" + h));
        // so that running out of heap can name the setting as the user wrote it (Faults)
        options.maxHeap().ifPresent(h -> args.add("-D" + Faults.MAX_HEAP_PROPERTY + "=" + h));
        options.maxOffHeap().ifPresent(b -> args.add("-Dorg.bytedeco.javacpp.maxbytes=" + b));
        options.maxPhysical().ifPresent(b -> args.add("-Dorg.bytedeco.javacpp.maxphysicalbytes=" + b));
        options.javacppCacheDir().ifPresent(d -> args.add("-Dorg.bytedeco.javacpp.cachedir=" + d));
        // DL4J logs through SLF4J: plain "[LEVEL] message" lines, relayed as plain output (never as the job's errors)
        args.add("-Dorg.slf4j.simpleLogger.logFile=System.out");
        args.add("-Dorg.slf4j.simpleLogger.levelInBrackets=true");
        args.add("-Dorg.slf4j.simpleLogger.showThreadName=false");
        args.add("-Dorg.slf4j.simpleLogger.showLogName=false");
        args.add("-Dorg.slf4j.simpleLogger.defaultLogLevel=warn");
        args.add("-Djava.awt.headless=true");
        args.addAll(options.extraJvmArgs());
        args.add("-cp");
        args.add(options.classpath().stream().map(Path::toString).collect(Collectors.joining(java.io.File.pathSeparator)));
        return args;
    }

    public Result run(ForkRequest request, Output out) throws IOException, InterruptedException {
        Path outputDir = request.outputDir();
        Files.createDirectories(outputDir);
        String task = request.task().name();
        Path argFile = outputDir.resolve(OutputFiles.forkArgs(task));
        Files.write(argFile, jvmArgs().stream().map(JvmFork::quote).toList(), StandardCharsets.UTF_8);
        Path requestFile = outputDir.resolve(OutputFiles.forkRequest(task));
        request.write(requestFile);
        ProcessBuilder pb = new ProcessBuilder(command(argFile, requestFile)).redirectErrorStream(true);
        pb.environment().put("OMP_NUM_THREADS", String.valueOf(request.ompThreads()));
        pb.environment().put("OPENBLAS_NUM_THREADS", String.valueOf(request.blasThreads()));
        // OpenMP threads that spin while waiting steal the cores the other threads (and other builds on a shared CI
        // runner) need: passive waiting measured 0.84x the build's wall time on the example under load (README)
        pb.environment().put("OMP_WAIT_POLICY", "passive");
        pb.environment().putAll(options.environment());
        Process process = pb.start();
        // a build that is interrupted (Ctrl-C) must not leave a training JVM behind; after SIGKILL, ParentWatch does it
        Thread killer = new Thread(process::destroyForcibly, "finetune-fork-killer");
        Runtime.getRuntime().addShutdownHook(killer);
        Relay relay = new Relay(process.getInputStream(), out);
        Thread relayThread = new Thread(relay, "finetune-fork-output");
        relayThread.start();
        try {
            boolean exited = true;
            if (options.timeout().isPresent()) {
                exited = process.waitFor(options.timeout().get().toMillis(), TimeUnit.MILLISECONDS);
            } else {
                process.waitFor();
            }
            if (!exited) {
                process.destroyForcibly().waitFor();
            }
            relayThread.join();
            return new Result(exited ? relay.finished() : Optional.empty(), process.exitValue(), relay.lastLines(), !exited,
                    options.maxHeap());
        } catch (InterruptedException e) {
            process.destroyForcibly();
            throw e;
        } finally {
            try {
                Runtime.getRuntime().removeShutdownHook(killer);
            } catch (IllegalStateException shuttingDown) {
                // the hook is running: nothing to remove
            }
        }
    }

    /** Reads the fork's merged stdout and stderr to the end. */
    static final class Relay implements Runnable {
        private final InputStream in;
        private final Output out;
        private final Deque<String> last = new ArrayDeque<>();
        private volatile JobFinished finished;

        Relay(InputStream in, Output out) {
            this.in = in;
            this.out = out;
        }

        @Override
        public void run() {
            try (BufferedReader reader = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8))) {
                String line;
                while ((line = reader.readLine()) != null) {
                    handle(line);
                }
            } catch (IOException e) {
                out.plain("lost the training JVM's output: " + e.getMessage(), true);
            }
        }

        private void handle(String line) {
            Optional<JobEvent> event;
            try {
                event = ForkProtocol.parse(line);
            } catch (JsonProcessingException e) {
                out.plain("unreadable event from the training JVM: " + line, true);
                return;
            }
            if (event.isPresent()) {
                if (event.get() instanceof JobFinished f) {
                    finished = f;
                }
                out.event(event.get());
                return;
            }
            synchronized (last) {
                last.addLast(line);
                if (last.size() > CRASH_LINES) {
                    last.removeFirst();
                }
            }
            out.plain(line, line.startsWith("[WARN]") || line.startsWith("[ERROR]"));
        }

        Optional<JobFinished> finished() {
            return Optional.ofNullable(finished);
        }

        List<String> lastLines() {
            synchronized (last) {
                return List.copyOf(last);
            }
        }
    }

    private static String quote(String arg) {
        return "\"" + arg.replace("\\", "\\\\").replace("\"", "\\\"") + "\"";
    }
}
