package dev.finetune.engine.fork;

import dev.finetune.engine.train.ProgressLog;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;

/**
 * Starts {@link ForkMain} in a new JVM and relays its output line by line. Lives on the build's side: it loads
 * no ND4J class, so native code never enters the build's JVM.
 */
public final class JvmFork {

    /** Receives the fork's output, already split by level. */
    public interface Output extends ProgressLog {
        @Override
        void error(String line);
    }

    /** How a fork ended; {@code errors} holds its {@code [ERROR]} lines. */
    public record Result(int exitCode, List<String> errors) {
        public boolean succeeded() {
            return exitCode == 0;
        }

        public boolean userError() {
            return exitCode == ForkMain.EXIT_USER_ERROR;
        }
    }

    private final ForkOptions options;

    public JvmFork(ForkOptions options) {
        this.options = options;
    }

    public List<String> command(Path argFile, ForkTask task) {
        List<String> cmd = new ArrayList<>();
        cmd.add(options.javaExecutable().toString());
        cmd.add("@" + argFile);
        cmd.add(ForkMain.class.getName());
        cmd.addAll(task.toArgs());
        return cmd;
    }

    /** JVM options, kept in an argument file since classpaths get long. */
    List<String> jvmArgs() {
        List<String> args = new ArrayList<>();
        options.maxHeap().ifPresent(h -> args.add("-Xmx" + h));
        options.maxOffHeap().ifPresent(b -> args.add("-Dorg.bytedeco.javacpp.maxbytes=" + b));
        options.maxPhysical().ifPresent(b -> args.add("-Dorg.bytedeco.javacpp.maxphysicalbytes=" + b));
        options.javacppCacheDir().ifPresent(d -> args.add("-Dorg.bytedeco.javacpp.cachedir=" + d));
        args.add("-D" + ForkMain.OMP_THREADS + "=" + options.ompThreads());
        args.add("-D" + ForkMain.BLAS_THREADS + "=" + options.blasThreads());
        // DL4J logs through SLF4J: plain "[LEVEL] message" lines on stdout, relayed to the build's log
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

    public Result run(ForkTask task, Output out) throws IOException, InterruptedException {
        Files.createDirectories(task.outputDir());
        Path argFile = task.outputDir().resolve("fork-" + task.task() + ".args");
        Files.write(argFile, jvmArgs().stream().map(JvmFork::quote).toList(), StandardCharsets.UTF_8);
        ProcessBuilder pb = new ProcessBuilder(command(argFile, task)).redirectErrorStream(true);
        pb.environment().put("OMP_NUM_THREADS", String.valueOf(options.ompThreads()));
        pb.environment().put("OPENBLAS_NUM_THREADS", String.valueOf(options.blasThreads()));
        pb.environment().putAll(options.environment());
        Process process = pb.start();
        // a build that is interrupted (Ctrl-C) must not leave a training JVM behind
        Thread killer = new Thread(process::destroyForcibly, "finetune-fork-killer");
        Runtime.getRuntime().addShutdownHook(killer);
        List<String> errors = new ArrayList<>();
        Thread relay = new Thread(() -> relay(process, out, errors), "finetune-fork-output");
        relay.start();
        try {
            boolean finished = true;
            if (options.timeout().isPresent()) {
                finished = process.waitFor(options.timeout().get().toMillis(), TimeUnit.MILLISECONDS);
            } else {
                process.waitFor();
            }
            if (!finished) {
                process.destroyForcibly().waitFor();
                relay.join();
                errors.add("training JVM killed after the timeout of " + options.timeout().get().toSeconds() + " s");
                return new Result(ForkMain.EXIT_INTERNAL_ERROR, errors);
            }
            relay.join();
            return new Result(process.exitValue(), errors);
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

    private static void relay(Process process, Output out, List<String> errors) {
        try (BufferedReader reader = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
            String line;
            while ((line = reader.readLine()) != null) {
                if (line.startsWith("[ERROR] ")) {
                    String message = line.substring(8);
                    synchronized (errors) {
                        errors.add(message);
                    }
                    out.error(message);
                } else if (line.startsWith("[WARN] ")) {
                    out.warn(line.substring(7));
                } else if (line.startsWith("[INFO] ")) {
                    out.info(line.substring(7));
                } else {
                    out.info(line);
                }
            }
        } catch (IOException e) {
            out.warn("lost the training JVM's output: " + e.getMessage());
        }
    }

    private static String quote(String arg) {
        return "\"" + arg.replace("\\", "\\\\").replace("\"", "\\\"") + "\"";
    }
}
