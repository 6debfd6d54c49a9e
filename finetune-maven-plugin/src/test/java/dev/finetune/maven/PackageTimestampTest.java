package dev.finetune.maven;

import org.apache.maven.plugin.logging.SystemStreamLog;
import org.apache.maven.project.MavenProject;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDateTime;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.apache.maven.api.plugin.testing.MojoExtension.setVariableValueToObject;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Without project.build.outputTimestamp the zip takes the commit's time; outside git the build says it will differ. */
class PackageTimestampTest {

    private final List<String> warnings = new ArrayList<>();
    private final List<String> info = new ArrayList<>();

    private PackageMojo mojo(Path dir, String outputTimestamp) throws Exception {
        PackageMojo mojo = new PackageMojo();
        MavenProject project = new MavenProject();
        project.setFile(Files.writeString(dir.resolve("pom.xml"), "<project/>").toFile());
        setVariableValueToObject(mojo, "project", project);
        setVariableValueToObject(mojo, "outputTimestamp", outputTimestamp);
        mojo.setLog(new SystemStreamLog() {
            @Override
            public void warn(CharSequence content) {
                warnings.add(content.toString());
            }

            @Override
            public void info(CharSequence content) {
                info.add(content.toString());
            }
        });
        return mojo;
    }

    private static void git(Path dir, String... args) throws Exception {
        List<String> command = new ArrayList<>(List.of("git", "-C", dir.toString()));
        command.addAll(List.of(args));
        ProcessBuilder pb = new ProcessBuilder(command).redirectErrorStream(true);
        pb.environment().putAll(Map.of("GIT_AUTHOR_NAME", "t", "GIT_AUTHOR_EMAIL", "t@example.com", "GIT_COMMITTER_NAME", "t",
                "GIT_COMMITTER_EMAIL", "t@example.com", "GIT_COMMITTER_DATE", "2026-03-04T05:06:07Z",
                "GIT_AUTHOR_DATE", "2026-03-04T05:06:07Z"));
        Process p = pb.start();
        String out = new String(p.getInputStream().readAllBytes());
        assertEquals(0, p.waitFor(), out);
    }

    @Test
    void unsetTheCommitsTimeStampsTheZip(@TempDir Path dir) throws Exception {
        git(dir, "init", "-q");
        Files.writeString(dir.resolve("finetune.yaml"), "base: { path: b.zip }\n");
        git(dir, "add", "finetune.yaml");
        git(dir, "commit", "-q", "-m", "spec");
        assertEquals(LocalDateTime.of(2026, 3, 4, 5, 6, 7), mojo(dir, null).timestamp());
        assertTrue(warnings.isEmpty(), warnings.toString());
        // the git facts go into lineage.json as they are
        Path json = dir.resolve("git.json");
        dev.finetune.engine.report.Json.write(json, dev.finetune.engine.packaging.GitInfo.of(dir).orElseThrow());
        assertTrue(Files.readString(json).contains("\"commitTime\" : \"2026-03-04T05:06:07Z\""), Files.readString(json));
        assertTrue(info.get(0).startsWith("project.build.outputTimestamp is not set: the model zip's entries carry the commit's time"));
    }

    @Test
    void unsetOutsideGitWarnsOnceNamingTheProperty(@TempDir Path dir) throws Exception {
        LocalDateTime before = LocalDateTime.now(java.time.ZoneOffset.UTC).minusSeconds(1);
        assertTrue(mojo(dir, "").timestamp().isAfter(before));
        assertEquals(1, warnings.size());
        assertTrue(warnings.get(0).contains("<project.build.outputTimestamp>2026-01-01T00:00:00Z</project.build.outputTimestamp>"));
    }

    @Test
    void aSetTimestampIsUsedAsIs(@TempDir Path dir) throws Exception {
        assertEquals(LocalDateTime.of(2026, 1, 1, 0, 0), mojo(dir, "2026-01-01T00:00:00Z").timestamp());
        assertEquals(LocalDateTime.of(1970, 1, 1, 0, 0, 10), mojo(dir, "10").timestamp());
        assertTrue(warnings.isEmpty());
    }
}
