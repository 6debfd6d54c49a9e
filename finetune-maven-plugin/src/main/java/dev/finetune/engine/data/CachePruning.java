package dev.finetune.engine.data;

import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Removes what the data caches under {@code target/finetune} hold but no build uses any more: row files of data that
 * changed ({@code data-cache/}, keyed by content, so an edit leaves the old file behind) and spilled frozen-layer
 * outputs of training JVMs that are gone ({@code feature-cache/}, deleted on a normal exit, left behind when one is
 * killed). Only plain files directly in the named folder are touched, never through a symbolic link, and nothing a
 * running build may still be writing: temporary files younger than {@link #UNFINISHED_AGE}, spill files of a live
 * process. Each removal is returned as a line to log.
 */
public final class CachePruning {

    /** A temporary file this old is a leftover of a killed writer, not one still writing. */
    static final Duration UNFINISHED_AGE = Duration.ofHours(1);

    /** Spill files name the JVM that wrote them: {@code frozen-<pid>-...rows}. */
    private static final Pattern SPILL = Pattern.compile("frozen-(\\d+)-.*\\.rows");

    private CachePruning() {
    }

    /** The prefix of a spill file this JVM writes, so {@link #spills} can tell whose it is. */
    public static String spillPrefix() {
        return "frozen-" + ProcessHandle.current().pid() + "-";
    }

    /**
     * Row files in {@code dataCache} other than those the data in use reads, and unfinished ones left by killed
     * writers.
     */
    public static List<String> rowFiles(Path dataCache, SplitData inUse, Instant now) {
        Set<Path> keep = new java.util.HashSet<>();
        for (LabeledRows split : List.of(inUse.train(), inUse.validation(), inUse.test())) {
            if (split.store() instanceof RowFeatures.Stored stored) {
                keep.add(stored.file().file().toAbsolutePath().normalize());
            }
        }
        if (keep.isEmpty()) {
            return List.of(); // data read whole (text): nothing says which row files a build still needs
        }
        return prune(dataCache, file -> {
            String name = file.getFileName().toString();
            if (name.endsWith(".part")) {
                return unfinishedLeftover(file, now);
            }
            return name.endsWith(".rows") && !keep.contains(file.toAbsolutePath().normalize())
                    ? Optional.of("not this build's data (parsed from an earlier version of a data file)") : Optional.empty();
        });
    }

    /** Spilled frozen-layer outputs of training JVMs that no longer run, and their unfinished temporary files. */
    public static List<String> spills(Path featureCache, Instant now) {
        return prune(featureCache, file -> {
            String name = file.getFileName().toString();
            if (name.endsWith(".part")) {
                return unfinishedLeftover(file, now);
            }
            Matcher m = SPILL.matcher(name);
            if (!m.matches()) {
                return Optional.empty();
            }
            long pid = Long.parseLong(m.group(1));
            return ProcessHandle.of(pid).filter(ProcessHandle::isAlive).isPresent() ? Optional.empty()
                    : Optional.of("left by training JVM " + pid + ", which no longer runs");
        });
    }

    private static Optional<String> unfinishedLeftover(Path file, Instant now) {
        try {
            Instant modified = Files.getLastModifiedTime(file, LinkOption.NOFOLLOW_LINKS).toInstant();
            return Duration.between(modified, now).compareTo(UNFINISHED_AGE) >= 0
                    ? Optional.of("an unfinished temporary file, last written " + modified) : Optional.empty();
        } catch (IOException e) {
            return Optional.empty();
        }
    }

    private interface Verdict {
        /** Why the file goes; empty when it stays. */
        Optional<String> why(Path file);
    }

    private static List<String> prune(Path dir, Verdict verdict) {
        if (!Files.isDirectory(dir, LinkOption.NOFOLLOW_LINKS)) {
            return List.of();
        }
        List<String> removed = new ArrayList<>();
        try (DirectoryStream<Path> entries = Files.newDirectoryStream(dir)) {
            for (Path file : entries) {
                if (!Files.isRegularFile(file, LinkOption.NOFOLLOW_LINKS)) {
                    continue;
                }
                Optional<String> why = verdict.why(file);
                if (why.isEmpty()) {
                    continue;
                }
                try {
                    long size = Files.size(file);
                    // a training JVM that maps it keeps reading: on POSIX systems the pages outlive the name
                    if (Files.deleteIfExists(file)) {
                        removed.add(String.format(Locale.ROOT, "removed %s/%s (%.1f MiB): %s", dir.getFileName(),
                                file.getFileName(), size / (double) (1 << 20), why.get()));
                    }
                } catch (IOException e) {
                    // read-only or gone meanwhile: left for the next build, which tries again
                }
            }
        } catch (IOException e) {
            return List.copyOf(removed);
        }
        removed.sort(null);
        return List.copyOf(removed);
    }
}
