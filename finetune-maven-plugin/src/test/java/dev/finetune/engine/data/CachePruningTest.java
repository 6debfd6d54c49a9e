package dev.finetune.engine.data;

import dev.finetune.spec.FinetuneSpec;
import dev.finetune.spec.SpecParser;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** What the data caches under target/finetune lose when a build no longer needs it, and what they must keep. */
class CachePruningTest {

    @TempDir
    Path dir;

    private SplitData load(Path cache) throws Exception {
        FinetuneSpec spec = new SpecParser().parse("finetune.yaml", "base: { path: b.zip }\ndataset:\n  path: d.csv\n"
                + "  split: { train: 0.5, validation: 0.25, test: 0.25 }\n");
        return DatasetSource.of(spec.dataset(), dir::resolve, ImageShape.BaseInput.UNKNOWN, Optional.of(cache)).load();
    }

    private static String csv(int offset) {
        StringBuilder csv = new StringBuilder();
        for (int i = 0; i < 40; i++) {
            csv.append(i + offset).append(',').append(i * 3 % 7).append(',').append(i % 2 == 0 ? "x" : "y").append('\n');
        }
        return csv.toString();
    }

    private static List<String> names(Path folder) throws Exception {
        try (Stream<Path> files = Files.list(folder)) {
            return files.map(f -> f.getFileName().toString()).sorted().toList();
        }
    }

    @Test
    void rowFilesOfChangedDataGoAndTheOnesInUseStay() throws Exception {
        Path cache = dir.resolve("target/finetune/data-cache");
        Files.writeString(dir.resolve("d.csv"), csv(0));
        SplitData before = load(cache);
        List<String> first = names(cache);
        assertEquals(1, first.size(), first.toString());
        Instant now = Instant.now();
        assertEquals(List.of(), CachePruning.rowFiles(cache, before, now));

        // the data changes: a new row file, the old one is no build's any more
        Files.writeString(dir.resolve("d.csv"), csv(100));
        SplitData after = load(cache);
        // a writer killed two hours ago, one writing now, a file that is not the cache's, a link to a file outside
        Path stale = Files.writeString(cache.resolve(".abc.rows123.part"), "x");
        Files.setLastModifiedTime(stale, FileTime.from(now.minus(Duration.ofHours(2))));
        Files.writeString(cache.resolve(".def.rows456.part"), "x");
        Files.writeString(cache.resolve("notes.txt"), "mine");
        Path outside = Files.writeString(dir.resolve("precious.rows"), "keep me");
        Files.createSymbolicLink(cache.resolve("link.rows"), outside);

        List<String> removed = CachePruning.rowFiles(cache, after, now);
        assertEquals(2, removed.size(), removed.toString());
        assertTrue(removed.get(0).startsWith("removed data-cache/.abc.rows123.part (0.0 MiB): an unfinished temporary file,"
                + " last written "), removed.get(0));
        assertEquals("removed data-cache/" + first.get(0) + " (0.0 MiB): not this build's data (parsed from an earlier"
                + " version of a data file)", removed.get(1));
        List<String> left = names(cache);
        assertEquals(4, left.size(), left.toString());
        assertTrue(left.containsAll(List.of(".def.rows456.part", "link.rows", "notes.txt")), left.toString());
        assertEquals("keep me", Files.readString(outside));
        // the data in use still reads
        assertEquals(after.train().size(), load(cache).train().size());
    }

    @Test
    void spillsOfJvmsThatAreGoneGoAndThisOnesStay() throws Exception {
        Path spills = Files.createDirectories(dir.resolve("feature-cache"));
        Process gone = new ProcessBuilder("true").start();
        gone.waitFor();
        Files.writeString(spills.resolve("frozen-" + gone.pid() + "-top-train-1.rows"), "x");
        Files.writeString(spills.resolve(CachePruning.spillPrefix() + "top-train-2.rows"), "x");
        Files.writeString(spills.resolve("other.rows"), "x");
        assertEquals(List.of("removed feature-cache/frozen-" + gone.pid() + "-top-train-1.rows (0.0 MiB): left by training"
                + " JVM " + gone.pid() + ", which no longer runs"), CachePruning.spills(spills, Instant.now()));
        assertEquals(List.of(CachePruning.spillPrefix() + "top-train-2.rows", "other.rows"), names(spills));
        assertEquals(List.of(), CachePruning.spills(dir.resolve("absent"), Instant.now()));
    }
}
