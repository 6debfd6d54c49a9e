package dev.finetune.engine;

import dev.finetune.engine.layout.OutputFiles;

import dev.finetune.engine.fork.ForkOptions;
import dev.finetune.engine.fork.ForkTask;
import dev.finetune.engine.fork.JvmFork;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The training JVM for real: started with this test's classpath, its output relayed and its exit mapped. */
class JvmForkTest {

    private static JvmFork fork() {
        List<Path> classpath = Arrays.stream(System.getProperty("java.class.path").split(File.pathSeparator)).map(Path::of).toList();
        return new JvmFork(new ForkOptions(ForkOptions.currentJava(), classpath, Optional.of("512m"), Optional.empty(),
                Optional.empty(), 1, 1, Optional.empty(), List.of(), Optional.empty(), Map.of()));
    }

    private static final class Captured implements JvmFork.Output {
        final List<String> info = new ArrayList<>();
        final List<String> warn = new ArrayList<>();
        final List<String> error = new ArrayList<>();

        @Override
        public void info(String line) {
            info.add(line);
        }

        @Override
        public void warn(String line) {
            warn.add(line);
        }

        @Override
        public void error(String line) {
            error.add(line);
        }
    }

    @Test
    void forkTrainsAndRelaysProgress(@TempDir Path project) throws Exception {
        TestBases.writeUpperDigits(project.resolve("upper.csv"));
        TestBases.multiLayerBase(project.resolve("base.zip"));
        Files.writeString(project.resolve("finetune.yaml"), """
                base: { path: base.zip }
                dataset: { path: upper.csv }
                freeze: { upTo: 0 }
                training: { epochs: 2 }
                """);
        Captured out = new Captured();
        JvmFork.Result result = fork().run(new ForkTask("train", project.resolve("finetune.yaml"), project, project.resolve("out"),
                project.resolve("base.zip")), out);
        assertTrue(result.succeeded(), "exit " + result.exitCode() + " " + out.error + out.info);
        assertTrue(out.info.stream().anyMatch(l -> l.matches("fine-tune epoch 2/2 .* ETA 0s")), out.info.toString());
        assertTrue(Files.isRegularFile(project.resolve("out").resolve(OutputFiles.MODEL)));
        assertTrue(Files.readString(project.resolve("out/fork-train.args")).contains("\"-Dfinetune.ompThreads=1\""));
    }

    @Test
    void userErrorsComeBackAsSuchWithTheirMessage(@TempDir Path project) throws Exception {
        Files.writeString(project.resolve("finetune.yaml"), "base: { path: base.zip }\ndataset: { path: nowhere.csv }\n");
        Captured out = new Captured();
        JvmFork.Result result = fork().run(new ForkTask("train", project.resolve("finetune.yaml"), project, project.resolve("out"),
                project.resolve("base.zip")), out);
        assertTrue(result.userError(), "exit " + result.exitCode());
        assertEquals(List.of(project.resolve("nowhere.csv") + ": dataset file not found"), result.errors());
        assertEquals(result.errors(), out.error);
        assertTrue(!Files.exists(project.resolve("out").resolve(OutputFiles.MODEL)));
    }
}
