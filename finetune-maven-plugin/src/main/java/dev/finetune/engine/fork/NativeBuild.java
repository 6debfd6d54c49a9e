package dev.finetune.engine.fork;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;

/**
 * Which nd4j-native build the training JVM runs, and why. Builds differ in their last bits (the {@code -avx2} builds'
 * FMA kernels round differently from the generic one), so the choice is fixed by the CPU's flags, recorded in
 * run.json, lineage.json and the model card, and part of the inputs' fingerprint.
 *
 * <p>The default is the measured best the CPU can run (README "Native builds"; {@code it/benchmarks/native-builds.sh}):
 * a {@code -onednn} build with DL4J's oneDNN helpers switched on ({@link #ONEDNN_HELPERS}) trained the example's
 * LeNet several times faster than the bundled build, while the dense workloads were no faster in any build; of the
 * two oneDNN builds the {@code -avx2} one where the CPU has AVX2 and FMA. A build for instructions the CPU lacks dies
 * with SIGILL, so it is never chosen, and refused when asked for ({@link #unsupported}). Decided in Maven's JVM from
 * {@code /proc/cpuinfo} (no ND4J).
 *
 * @param classifier the nd4j-native classifier, e.g. {@code linux-x86_64-onednn-avx2}
 * @param chosenBy   why: {@code finetune.backendClassifier}, or the CPU flags it defaulted for
 */
public record NativeBuild(String classifier, String chosenBy) {

    /** The build that ships with the plugin (a dependency of its POM); others are resolved on demand. */
    public static final String BUNDLED = "linux-x86_64";
    public static final String SET = "finetune.backendClassifier";
    /**
     * DL4J 1.0.0-M2.1 disables its layer helpers unless this property is {@code false} (its default is {@code true}),
     * and its oneDNN check looks for a class the release renamed ({@code org.nd4j.nativeblas.Nd4jCpu$Environment}, which
     * the plugin supplies): without both, a {@code -onednn} build runs DL4J's own convolutions and gives the generic
     * build's bits at its speed (measured).
     */
    public static final String ONEDNN_HELPERS = "org.eclipse.deeplearning4j.helpers.disable";

    public NativeBuild {
        if (classifier == null || classifier.isBlank()) {
            throw new IllegalArgumentException("no classifier");
        }
    }

    /** The build {@code finetune.backendClassifier} names. */
    public static NativeBuild set(String classifier) {
        return new NativeBuild(classifier.trim(), SET);
    }

    /** The measured best build this CPU can run; {@code flags} empty when they cannot be read (not Linux). */
    public static NativeBuild forCpu(Optional<List<String>> flags) {
        if (flags.isEmpty()) {
            return new NativeBuild(BUNDLED, "default (CPU flags unreadable: the bundled build)");
        }
        List<String> f = flags.get();
        // the -avx2 builds are compiled for Haswell: AVX2 and FMA together
        if (f.contains("avx2") && f.contains("fma")) {
            return new NativeBuild(BUNDLED + "-onednn-avx2", "default for CPUs with avx2 (measured fastest)");
        }
        return new NativeBuild(BUNDLED + "-onednn", "default for CPUs without avx2 (measured fastest)");
    }

    /** The CPU flags {@code /proc/cpuinfo} lists; empty when there is no such file (not Linux) or it cannot be read. */
    public static Optional<List<String>> cpuFlags(Path cpuinfo) {
        if (!Files.isReadable(cpuinfo)) {
            return Optional.empty();
        }
        try (var lines = Files.lines(cpuinfo)) {
            return lines.filter(l -> l.startsWith("flags")).findFirst()
                    .map(l -> List.of(l.replaceFirst("^flags\\s*:", "").trim().split("\\s+")));
        } catch (IOException | java.io.UncheckedIOException e) {
            return Optional.empty();
        }
    }

    /** Why a build cannot run on a CPU with these flags, if it cannot. */
    public static Optional<String> unsupported(String classifier, List<String> cpuFlags) {
        for (String[] need : new String[][]{{"avx512", "avx512f"}, {"avx2", "avx2"}}) {
            if (classifier.contains(need[0]) && !cpuFlags.contains(need[1])) {
                return Optional.of(SET + " " + classifier + " needs the CPU instructions " + need[1]
                        + ", which this CPU lacks (/proc/cpuinfo); use " + BUNDLED
                        + (cpuFlags.contains("avx2") ? " or linux-x86_64-avx2" : ""));
            }
        }
        return Optional.empty();
    }

    /** A build with oneDNN, whose helpers the training JVM switches on. */
    public boolean oneDnn() {
        return classifier.contains("onednn");
    }

    /** The training JVM's system properties this build needs. */
    public List<String> jvmProperties() {
        return oneDnn() ? List.of("-D" + ONEDNN_HELPERS + "=false") : List.of();
    }
}
