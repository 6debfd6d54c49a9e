package dev.finetune.engine.fork;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The native build by CPU flags: the measured fastest the CPU runs, never one for instructions it lacks. */
class NativeBuildTest {

    private static final List<String> AVX2_ONLY = List.of("fpu", "sse4_2", "avx", "fma", "avx2");
    private static final List<String> AVX_ONLY = List.of("fpu", "sse4_2", "avx");

    @Test
    void anAvx2CpuGetsTheOneDnnAvx2Build() {
        NativeBuild build = NativeBuild.forCpu(Optional.of(AVX2_ONLY));
        assertEquals("linux-x86_64-onednn-avx2", build.classifier());
        assertEquals("default for CPUs with avx2 (measured fastest)", build.chosenBy());
        assertEquals(Optional.empty(), NativeBuild.unsupported(build.classifier(), AVX2_ONLY));
    }

    @Test
    void aCpuWithoutAvx2GetsABuildItCanRun() {
        NativeBuild build = NativeBuild.forCpu(Optional.of(AVX_ONLY));
        assertEquals("linux-x86_64-onednn", build.classifier());
        assertEquals(Optional.empty(), NativeBuild.unsupported(build.classifier(), AVX_ONLY));
        // AVX2 without FMA (some virtual CPUs mask it): the -avx2 builds use FMA too
        assertEquals("linux-x86_64-onednn", NativeBuild.forCpu(Optional.of(List.of("avx", "avx2"))).classifier());
    }

    @Test
    void unreadableFlagsGetTheBundledBuild() {
        NativeBuild build = NativeBuild.forCpu(Optional.empty());
        assertEquals(NativeBuild.BUNDLED, build.classifier());
        assertTrue(build.jvmProperties().isEmpty());
    }

    @Test
    void oneDnnBuildsSwitchDl4jsHelpersOn() {
        assertEquals(List.of("-Dorg.eclipse.deeplearning4j.helpers.disable=false"),
                NativeBuild.forCpu(Optional.of(AVX2_ONLY)).jvmProperties());
        assertEquals(List.of(), NativeBuild.set("linux-x86_64-avx2").jvmProperties());
        assertEquals(new NativeBuild("linux-x86_64-avx2", "finetune.backendClassifier"), NativeBuild.set(" linux-x86_64-avx2 "));
    }

    @Test
    void flagsAreReadFromCpuinfo(@TempDir Path dir) throws Exception {
        Path cpuinfo = dir.resolve("cpuinfo");
        Files.writeString(cpuinfo, "processor\t: 0\nmodel name\t: AMD EPYC\nflags\t\t: fpu avx fma avx2\nbugs\t\t: none\n"
                + "processor\t: 1\nflags\t\t: fpu avx fma avx2\n");
        assertEquals(Optional.of(List.of("fpu", "avx", "fma", "avx2")), NativeBuild.cpuFlags(cpuinfo));
        assertEquals(Optional.empty(), NativeBuild.cpuFlags(dir.resolve("absent")));
    }

    @Test
    void anAvx512BuildIsRefusedOnAnAvx2Cpu() {
        assertEquals(Optional.of("finetune.backendClassifier linux-x86_64-avx512 needs the CPU instructions avx512f, which"
                        + " this CPU lacks (/proc/cpuinfo); use linux-x86_64 or linux-x86_64-avx2"),
                NativeBuild.unsupported("linux-x86_64-avx512", AVX2_ONLY));
        assertEquals(Optional.of("finetune.backendClassifier linux-x86_64-onednn-avx2 needs the CPU instructions avx2, which"
                        + " this CPU lacks (/proc/cpuinfo); use linux-x86_64"),
                NativeBuild.unsupported("linux-x86_64-onednn-avx2", List.of("fpu", "avx")));
    }

    @Test
    void buildsTheCpuRunsPass() {
        assertEquals(Optional.empty(), NativeBuild.unsupported("linux-x86_64-avx2", AVX2_ONLY));
        assertEquals(Optional.empty(), NativeBuild.unsupported("linux-x86_64", List.of("fpu")));
        assertEquals(Optional.empty(), NativeBuild.unsupported("linux-x86_64-avx512", List.of("avx2", "avx512f")));
    }
}
