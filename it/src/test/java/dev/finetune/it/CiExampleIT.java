package dev.finetune.it;

import dev.finetune.it.MavenRuns.Build;
import org.junit.jupiter.api.Test;
import org.snakeyaml.engine.v2.api.Load;
import org.snakeyaml.engine.v2.api.LoadSettings;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Builds it/ci-example as its pipelines do: version 1.0.0 is released first, then a pull request edits the spec and
 * the {@code mvn} commands of {@code .github/workflows/model.yml} (the same as {@code .gitlab-ci.yml}'s) run on an
 * empty cache: online to fill it, then offline to train, gate, package and diff against 1.0.0.
 */
class CiExampleIT {

    private static final Path PROJECT = MavenRuns.SOURCES.resolveSibling("ci-example");
    private static final List<String> FILES = List.of("pom.xml", "finetune.yaml", ".github/workflows/model.yml", ".gitlab-ci.yml");

    @Test
    void pipelinesBuildOfflineFromTheirCacheAndWriteTheDiff() throws Exception {
        List<String> github = githubCommands();
        assertEquals(List.of("mvn -B -ntp dependency:go-offline finetune:go-offline", "mvn -B -ntp -o verify"), github);
        assertEquals(github, gitlabCommands(), "both pipelines run the same commands");

        MavenRuns runs = MavenRuns.fresh("ci-example-it");
        Path release = runs.project(PROJECT, "release", FILES);
        Path pom = release.resolve("pom.xml");
        Files.writeString(pom, Files.readString(pom).replace("<version>1.1.0-SNAPSHOT</version>", "<version>1.0.0</version>"));
        runs.mvn(release, "-B", "-ntp", "install").succeeded();

        // the pull request: a higher learning rate
        Path pr = runs.project(PROJECT, "pull-request", FILES);
        Path spec = pr.resolve("finetune.yaml");
        Files.writeString(spec, Files.readString(spec).replace("learningRate: 0.001", "learningRate: 0.002"));
        Build last = null;
        for (String command : github) {
            List<String> words = Arrays.asList(command.split("\\s+"));
            last = runs.mvn(pr, words.subList(1, words.size())).succeeded();
        }
        assertTrue(last.log().contains("Comparing with baseline com.example.ml:digits-classifier"), last.log());
        assertFalse(last.log().contains("Downloading"), "the offline run downloads nothing:\n" + last.log());
        Path diff = pr.resolve("target/finetune/diff.md");
        assertTrue(Files.isRegularFile(diff), last.log());
        String md = Files.readString(diff);
        assertTrue(md.contains("1.0.0") && md.contains("| `training.learningRate` | `0.001` | `0.002` |"), md);
    }

    @SuppressWarnings("unchecked")
    private static List<String> githubCommands() throws Exception {
        Map<String, Object> workflow = yaml(PROJECT.resolve(".github/workflows/model.yml"));
        Map<String, Object> job = (Map<String, Object>) ((Map<String, Object>) workflow.get("jobs")).get("model");
        return ((List<Map<String, Object>>) job.get("steps")).stream()
                .map(step -> (String) step.get("run"))
                .filter(run -> run != null && run.startsWith("mvn "))
                .map(String::trim).toList();
    }

    @SuppressWarnings("unchecked")
    private static List<String> gitlabCommands() throws Exception {
        Map<String, Object> pipeline = yaml(PROJECT.resolve(".gitlab-ci.yml"));
        return ((List<String>) ((Map<String, Object>) pipeline.get("model")).get("script")).stream()
                .filter(line -> line.startsWith("mvn ")).map(String::trim).toList();
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> yaml(Path file) throws Exception {
        return (Map<String, Object>) new Load(LoadSettings.builder().build()).loadFromString(Files.readString(file));
    }
}
