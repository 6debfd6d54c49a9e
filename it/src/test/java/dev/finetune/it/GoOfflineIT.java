package dev.finetune.it;

import dev.finetune.it.MavenRuns.Build;
import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A CI cache made by go-offline is complete: from an empty local repository, {@code dependency:go-offline} plus
 * {@code finetune:go-offline} (for the native build this CPU gets, and a base named only in the spec) online, then
 * {@code mvn -o install} trains,
 * evaluates and installs. Runs after the invoker builds, which installed the plugin and the example's models into
 * the ITs' repository. The projects are in it/src/offline.
 */
class GoOfflineIT {

    private static final List<String> FILES = List.of("pom.xml", "finetune.yaml");

    @Test
    void goOfflineCachesWhatAnOfflineBuildNeeds() throws Exception {
        MavenRuns runs = MavenRuns.fresh("offline-it");
        Path declared = runs.project(MavenRuns.SOURCES.resolve("offline/declared-base"), "declared-base", FILES);
        // the base is a <dependency>: dependency:go-offline fetches it and the plugin's jars; finetune:go-offline the
        // training JVM's native build for this CPU (resolved on demand, like CUDA's)
        runs.mvn(declared, "-B", "-ntp", "dependency:go-offline", "finetune:go-offline").succeeded();
        Build offline = runs.mvn(declared, "-B", "-ntp", "-o", "install").succeeded();
        // this machine kind has AVX2: the default build is the oneDNN AVX2 one, which finetune:go-offline cached
        assertTrue(Files.isRegularFile(runs.repo().resolve("org/nd4j/nd4j-native/1.0.0-M2.1/nd4j-native-1.0.0-M2.1-linux-x86_64-onednn-avx2.jar")),
                offline.log());
        assertTrue(Files.isRegularFile(declared.resolve("target/finetune/model.zip")), offline.log());
        assertFalse(offline.log().contains("Cannot resolve"), offline.log());

        Path specOnly = runs.project(MavenRuns.SOURCES.resolve("offline/spec-base"), "spec-base", FILES);
        runs.mvn(specOnly, "-B", "-ntp", "dependency:go-offline").succeeded();
        // Maven cannot see a base named only in finetune.yaml: offline, the build says what is missing and where
        Build missing = runs.mvn(specOnly, "-B", "-ntp", "-o", "validate");
        assertNotEquals(0, missing.exitCode(), missing.log());
        assertTrue(missing.log().contains("finetune.yaml:3:")
                && missing.log().contains("`base.artifact` dev.finetune.examples:digits-5to9:zip:1.0.0-SNAPSHOT cannot be resolved")
                && missing.log().contains("Maven is offline (-o)"), missing.log());
        Build fetched = runs.mvn(specOnly, "-B", "-ntp", "finetune:go-offline").succeeded();
        assertTrue(fetched.log().contains("Base model dev.finetune.examples:digits-5to9:1.0.0-SNAPSHOT"), fetched.log());
        assertTrue(fetched.log().contains("Training JVM (cpu backend; native build linux-x86_64-onednn-avx2: default for CPUs with avx2"),
                fetched.log());
        // the base is the example's tuned model, a model this plugin packaged
        Build installed = runs.mvn(specOnly, "-B", "-ntp", "-o", "install").succeeded();
        assertTrue(Files.isRegularFile(runs.repo().resolve(
                "dev/finetune/it/offline-spec-base/1.0.0-SNAPSHOT/offline-spec-base-1.0.0-SNAPSHOT.zip")), installed.log());
    }
}
