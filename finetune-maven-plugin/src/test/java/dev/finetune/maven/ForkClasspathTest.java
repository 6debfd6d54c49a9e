package dev.finetune.maven;

import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Optional;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** A native build the CPU cannot run (it would die with SIGILL in the fork) is refused before the fork starts. */
class ForkClasspathTest {

    private static final List<String> AVX2_ONLY = List.of("fpu", "sse4_2", "avx", "fma", "avx2");

    @Test
    void anAvx512BuildIsRefusedOnAnAvx2Cpu() {
        assertEquals(Optional.of("finetune.backendClassifier linux-x86_64-avx512 needs the CPU instructions avx512f, which"
                        + " this CPU lacks (/proc/cpuinfo); use linux-x86_64 or linux-x86_64-avx2"),
                ForkClasspath.unsupported("linux-x86_64-avx512", AVX2_ONLY));
        assertEquals(Optional.of("finetune.backendClassifier linux-x86_64-onednn-avx2 needs the CPU instructions avx2, which"
                        + " this CPU lacks (/proc/cpuinfo); use linux-x86_64"),
                ForkClasspath.unsupported("linux-x86_64-onednn-avx2", List.of("fpu", "avx")));
    }

    @Test
    void buildsTheCpuRunsPass() {
        assertEquals(Optional.empty(), ForkClasspath.unsupported("linux-x86_64-avx2", AVX2_ONLY));
        assertEquals(Optional.empty(), ForkClasspath.unsupported("linux-x86_64", List.of("fpu")));
        assertEquals(Optional.empty(), ForkClasspath.unsupported("linux-x86_64-avx512", List.of("avx2", "avx512f")));
    }
}
