package dev.finetune.engine.packaging;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

/**
 * The commit a model was built from and whether the project directory had uncommitted changes, read with the
 * {@code git} command line (present wherever CI checks code out). Absent when the project is not in git or git is
 * not installed: lineage then says so rather than guessing.
 *
 * @param commitTime the commit's committer time, ISO-8601 ({@code 2026-03-04T05:06:07Z}), when git gave it
 */
public record GitInfo(String commit, boolean dirty, Optional<String> commitTime) {

    public GitInfo(String commit, boolean dirty) {
        this(commit, dirty, Optional.empty());
    }

    public static Optional<GitInfo> of(Path projectDir) {
        Optional<String> commit = git(projectDir, "rev-parse", "HEAD");
        if (commit.isEmpty()) {
            return Optional.empty();
        }
        // only the project's own directory counts: a change elsewhere in a monorepo does not touch this model
        Optional<String> status = git(projectDir, "status", "--porcelain", "--", ".");
        // the committer time: what reproducible-build tools use as SOURCE_DATE_EPOCH
        Optional<String> time = git(projectDir, "log", "-1", "--format=%ct", "HEAD").flatMap(GitInfo::epochSeconds)
                .map(Instant::toString);
        return Optional.of(new GitInfo(commit.get(), status.map(s -> !s.isBlank()).orElse(true), time));
    }

    /** The committer time as an instant, when known ({@link #commitTime} holds it as ISO-8601 text, for lineage.json). */
    public Optional<Instant> commitInstant() {
        return commitTime.map(Instant::parse);
    }

    private static Optional<Instant> epochSeconds(String text) {
        try {
            return Optional.of(Instant.ofEpochSecond(Long.parseLong(text.trim())));
        } catch (NumberFormatException e) {
            return Optional.empty();
        }
    }

    private static Optional<String> git(Path dir, String... args) {
        List<String> command = new java.util.ArrayList<>(List.of("git", "-C", dir.toString()));
        command.addAll(List.of(args));
        try {
            Process p = new ProcessBuilder(command).redirectErrorStream(false)
                    .redirectError(ProcessBuilder.Redirect.DISCARD).start();
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
            if (!p.waitFor(30, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                return Optional.empty();
            }
            return p.exitValue() == 0 ? Optional.of(out) : Optional.empty();
        } catch (IOException e) {
            return Optional.empty(); // no git on this machine
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return Optional.empty();
        }
    }
}
