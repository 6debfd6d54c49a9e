package dev.finetune.engine.fork;

import dev.finetune.engine.report.AtomicFiles;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class FaultsTest {

    /** A real ENOSPC from the kernel: /dev/full fails every write with "No space left on device". */
    @Test
    void aFullDiskNamesTheFileAndWhatToDo(@TempDir Path out) {
        IOException full = assertThrows(IOException.class, () -> Files.write(Path.of("/dev/full"), new byte[4096]));
        // as it reaches the job: wrapped, with the close's failure suppressed
        RuntimeException wrapped = new UncheckedIOException(new IOException("cannot save model.zip", full));
        String message = Faults.describe(wrapped, out, Optional.empty()).orElseThrow();
        assertTrue(message.startsWith("No space left on device while writing " + out + " ("), message);
        assertTrue(message.contains(" MiB free on its file system now): free space there, or set finetune.outputDirectory"
                + " to a larger disk. Files are written whole or not at all"), message);
    }

    /** The kernel's ENOSPC names no file: a whole-file write says which file did not fit, and leaves no temporary file. */
    @Test
    void aFullDiskDuringAWholeFileWriteNamesThatFile(@TempDir Path out) throws IOException {
        Path target = out.resolve("checkpoints/network.zip");
        IOException full = assertThrows(IOException.class, () -> AtomicFiles.write(target,
                temp -> Files.write(Path.of("/dev/full"), new byte[4096])));
        assertTrue(Faults.describe(full, out, Optional.empty()).orElseThrow().startsWith("No space left on device while"
                + " writing " + target + " ("), full.toString());
        try (var left = Files.list(target.getParent())) {
            assertEquals(List.of(), left.toList(), "no temporary file left");
        }
    }

    @Test
    void heapExhaustionNamesFinetuneMaxHeapAsTheUserWroteIt() {
        assertEquals(Optional.of("The training JVM ran out of heap (finetune.maxHeap=24m): raise -Dfinetune.maxHeap"
                        + " (e.g. 4g), or use less at once (a smaller training.batchSize, fewer parallel sweep trials)"),
                Faults.describe(new RuntimeException(new OutOfMemoryError("Java heap space")), Path.of("."), Optional.of("24m")));
        assertTrue(Faults.describeCrash(List.of("Exception in thread \"main\" java.lang.OutOfMemoryError: Java heap space"),
                Optional.of("2g")).orElseThrow().contains("finetune.maxHeap=2g"));
    }

    @Test
    void offHeapAndNativeAllocationFailuresNameTheirSettings() {
        String offHeap = Faults.describe(new OutOfMemoryError("Cannot allocate new FloatPointer(1000000): totalBytes = 2G,"
                + " physicalBytes = 3G\nPhysical memory usage is too high"), Path.of("."), Optional.empty()).orElseThrow();
        assertTrue(offHeap.startsWith("The training JVM ran out of off-heap memory for ND4J (Cannot allocate new"
                + " FloatPointer(1000000): totalBytes = 2G, physicalBytes = 3G): raise -Dfinetune.maxOffHeap"), offHeap);
        String underTheHeap = Faults.describe(new OutOfMemoryError("Cannot allocate new FloatPointer(1000000): totalBytes = 16M,"
                + " physicalBytes = 60M"), Path.of("."), Optional.of("16m")).orElseThrow();
        assertTrue(underTheHeap.contains("raise -Dfinetune.maxOffHeap (JavaCPP's maxbytes; unset, it is the heap's size,"
                + " finetune.maxHeap=16m, so raise -Dfinetune.maxHeap) and -Dfinetune.maxPhysicalBytes"), underTheHeap);
        assertTrue(Faults.describeCrash(List.of("terminate called after throwing an instance of 'std::bad_alloc'",
                "  what():  std::bad_alloc"), Optional.empty()).orElseThrow().contains("-Dfinetune.maxOffHeap"));
    }

    @Test
    void otherFaultsAreNotDisguised() {
        assertEquals(Optional.empty(), Faults.describe(new IllegalStateException("a bug"), Path.of("."), Optional.empty()));
    }
}
