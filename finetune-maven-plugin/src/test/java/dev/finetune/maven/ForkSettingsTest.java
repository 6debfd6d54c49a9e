package dev.finetune.maven;

import org.apache.maven.plugin.MojoFailureException;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

/** A memory size the training JVM would refuse at start is refused before, naming the setting. */
class ForkSettingsTest {

    private static final String SIZE = "[0-9]+[kKmMgGtT]?";

    @Test
    void aBadSizeNamesItsSettingAndTheExpectedForm() {
        MojoFailureException e = assertThrows(MojoFailureException.class,
                () -> AbstractForkingMojo.checkSize("finetune.maxHeap", "2x", SIZE));
        assertEquals("finetune.maxHeap is `2x`, not a size: expected a number of bytes with an optional unit k, m, g or t"
                + " (e.g. 2g)", e.getMessage());
        assertThrows(MojoFailureException.class, () -> AbstractForkingMojo.checkSize("finetune.maxOffHeap", "4 GB", SIZE));
    }

    @Test
    void theSizesJavaAcceptsPass() {
        for (String ok : new String[]{"2g", "512m", "4G", "1048576", "100k"}) {
            assertDoesNotThrow(() -> AbstractForkingMojo.checkSize("finetune.maxHeap", ok, SIZE), ok);
        }
        assertDoesNotThrow(() -> AbstractForkingMojo.checkSize("finetune.maxHeap", null, SIZE));
    }

    /** With -T, forks at once times their OpenMP threads must not exceed the cores silently. */
    @Test
    void parallelModulesThatOversubscribeTheCoresAreWarnedAbout() {
        assertEquals(java.util.Optional.of("-T 2: up to 2 training JVMs at once with finetune.threads=2 each ask for 4 threads"
                        + " on 2 cores; set -Dfinetune.threads=1 (results depend on the thread count: keep it fixed per project)"),
                AbstractForkingMojo.oversubscription(2, 2, 2));
        assertEquals(java.util.Optional.empty(), AbstractForkingMojo.oversubscription(2, 1, 2));
        assertEquals(java.util.Optional.empty(), AbstractForkingMojo.oversubscription(1, 8, 2));
    }
}
