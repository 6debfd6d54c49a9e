package dev.finetune.engine.fork;

import dev.finetune.engine.DiskFaults;

import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.Optional;

/**
 * Faults of the machine rather than of the plugin or the inputs: a full disk, an unwritable output directory, a heap
 * or off-heap limit too small for the job. Each becomes one message that names what to change (a setting, a path)
 * instead of a raw exception with suppressed traces; {@code null} fields mean "not known here".
 */
public final class Faults {

    /** System property of the training JVM holding {@code finetune.maxHeap} as the user wrote it. */
    public static final String MAX_HEAP_PROPERTY = "finetune.maxHeap";

    private Faults() {
    }

    /**
     * @param outputDir   where the job writes, for the free space and as the file when the exception names none
     * @param maxHeapSize the heap limit as the user set it ({@code finetune.maxHeap}), or empty
     */
    public static Optional<String> describe(Throwable fault, Path outputDir, Optional<String> maxHeapSize) {
        return DiskFaults.firstInChain(fault, t -> describeOne(t, outputDir, maxHeapSize));
    }

    private static Optional<String> describeOne(Throwable t, Path outputDir, Optional<String> maxHeapSize) {
        Optional<String> disk = DiskFaults.describeOne(t, outputDir);
        if (disk.isPresent()) {
            return disk;
        }
        String message = t.getMessage() == null ? "" : t.getMessage();
        String lower = message.toLowerCase(Locale.ROOT);
        if (t instanceof OutOfMemoryError) {
            if (lower.contains("java heap space") || lower.contains("gc overhead")) {
                return Optional.of("The training JVM ran out of heap (" + maxHeapSize.map(h -> "finetune.maxHeap=" + h)
                        .orElse("-Xmx " + Runtime.getRuntime().maxMemory() / (1024 * 1024) + " MiB")
                        + "): raise -Dfinetune.maxHeap (e.g. 4g), or use less at once (a smaller training.batchSize,"
                        + " fewer parallel sweep trials)");
            }
            if (lower.contains("physicalbytes") || lower.contains("maxbytes") || lower.contains("cannot allocate")) {
                // unless finetune.maxOffHeap sets it, JavaCPP's limit is the heap's size: the heap is what to raise
                return Optional.of("The training JVM ran out of off-heap memory for ND4J (" + firstLine(message)
                        + "): raise -Dfinetune.maxOffHeap (JavaCPP's maxbytes" + maxHeapSize.map(h -> "; unset, it is the"
                        + " heap's size, finetune.maxHeap=" + h + ", so raise -Dfinetune.maxHeap").orElse("")
                        + ") and -Dfinetune.maxPhysicalBytes, or train with a smaller training.batchSize");
            }
        }
        return Optional.empty();
    }

    /** The last lines of a JVM that died: the JVM's own out-of-memory and native allocation messages. */
    public static Optional<String> describeCrash(List<String> lastLines, Optional<String> maxHeapSize) {
        for (String line : lastLines) {
            if (line.contains("java.lang.OutOfMemoryError") && line.contains("Java heap space")) {
                return describeOne(new OutOfMemoryError("Java heap space"), Path.of("."), maxHeapSize);
            }
            if (line.contains("std::bad_alloc")) {
                return Optional.of("Native memory allocation failed in the training JVM (std::bad_alloc): the machine, or its"
                        + " limit for this process, has too little memory for the network and batch; set"
                        + " -Dfinetune.maxOffHeap and -Dfinetune.maxPhysicalBytes below what the machine has, lower"
                        + " training.batchSize, or use a machine with more memory");
            }
        }
        return Optional.empty();
    }

    private static String firstLine(String message) {
        int end = message.indexOf('\n');
        return end < 0 ? message : message.substring(0, end);
    }
}
