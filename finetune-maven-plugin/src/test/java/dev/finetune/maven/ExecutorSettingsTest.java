package dev.finetune.maven;

import dev.finetune.engine.sweep.spark.SparkSettings;
import org.apache.maven.plugin.MojoFailureException;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.io.InputStream;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@code finetune.executor}: local by default, Spark only when asked, with the build's spark.* properties. */
class ExecutorSettingsTest {

    private static Properties props(String... kv) {
        Properties p = new Properties();
        for (int i = 0; i < kv.length; i += 2) {
            p.setProperty(kv[i], kv[i + 1]);
        }
        return p;
    }

    @Test
    void localIsTheDefaultAndNeedsNoSpark() throws MojoFailureException {
        assertEquals(Optional.empty(), AbstractForkingMojo.sparkSettings(null, true, "local[*]", List.of()));
        assertEquals(Optional.empty(), AbstractForkingMojo.sparkSettings("local", false, "local[*]", List.of()));
    }

    @Test
    void sparkTakesTheMasterAndTheSparkPropertiesTheCommandLineWinning() throws MojoFailureException {
        SparkSettings s = AbstractForkingMojo.sparkSettings("spark", true, "local[2]", List.of(
                props("spark.executor.memory", "2g", "spark.ui.enabled", "true", "finetune.threads", "2"),
                props("spark.executor.memory", "4g"))).orElseThrow();
        assertEquals("local[2]", s.master());
        assertEquals(Map.of("spark.executor.memory", "4g", "spark.ui.enabled", "true"), s.conf());
        assertTrue(s.local());
        assertTrue(!new SparkSettings("spark://host:7077", Map.of()).local());
    }

    @Test
    void aTypoGetsADidYouMeanAndSparkNeedsTheFork() {
        MojoFailureException typo = assertThrows(MojoFailureException.class,
                () -> AbstractForkingMojo.sparkSettings("sprak", true, "local[2]", List.of()));
        assertEquals("finetune.executor is `sprak`: expected local or spark; did you mean spark?", typo.getMessage());
        MojoFailureException inProcess = assertThrows(MojoFailureException.class,
                () -> AbstractForkingMojo.sparkSettings("spark", false, "local[2]", List.of()));
        assertTrue(inProcess.getMessage().contains("drop finetune.fork=false"), inProcess.getMessage());
    }

    @Test
    void theCoordinatesResolvedForTheForkAreTheOnesTheEngineCompiledAgainst() throws IOException {
        Properties p = new Properties();
        try (InputStream in = ForkClasspath.class.getResourceAsStream("spark.properties")) {
            p.load(in);
        }
        // the test classpath has the provided spark-core: its own pom.properties names the version
        Properties spark = new Properties();
        try (InputStream in = org.apache.spark.SparkContext.class.getResourceAsStream(
                "/META-INF/maven/org.apache.spark/spark-core_2.12/pom.properties")) {
            spark.load(in);
        }
        assertEquals("org.apache.spark:spark-core_2.12:" + spark.getProperty("version"), p.getProperty("spark"));
        assertTrue(p.getProperty("jacksonScala").matches("com\\.fasterxml\\.jackson\\.module:jackson-module-scala_2\\.12:2\\.[0-9.]+"));
    }
}
