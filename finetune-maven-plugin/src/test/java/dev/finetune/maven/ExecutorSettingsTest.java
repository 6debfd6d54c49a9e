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
    void dataParallelIsAModeOfTheSparkExecutorWithItsAveragingFrequency() throws MojoFailureException {
        SparkSettings trials = AbstractForkingMojo.sparkSettings("spark", true, "local[2]", "trials", 5, List.of()).orElseThrow();
        assertEquals(SparkSettings.Mode.trials, trials.mode());
        SparkSettings dp = AbstractForkingMojo.sparkSettings("spark", true, "local[2]", " data-parallel ", 3, List.of()).orElseThrow();
        assertEquals(SparkSettings.Mode.dataParallel, dp.mode());
        assertEquals(3, dp.averagingFrequency());
        assertTrue(dp.dataParallel());
        assertEquals(SparkSettings.Mode.trials, new SparkSettings("local[2]", Map.of()).mode(), "sweeps stay the default");
    }

    /** Data-parallel settings change the parameters, so they retrain; sweep trials on Spark change nothing. */
    @Test
    void onlyDataParallelSettingsArePartOfTheFingerprint() {
        assertEquals("", AbstractTrainingMojo.dataParallelSettings("local", "trials", "local[*]", 5));
        assertEquals("", AbstractTrainingMojo.dataParallelSettings("spark", "trials", "local[2]", 5));
        assertEquals(" dataParallel=local[2]/averagingFrequency=3",
                AbstractTrainingMojo.dataParallelSettings("spark", "data-parallel", "local[2]", 3));
        assertTrue(!AbstractTrainingMojo.dataParallelSettings("spark", "data-parallel", "local[2]", 3)
                .equals(AbstractTrainingMojo.dataParallelSettings("spark", "data-parallel", "local[4]", 3)));
    }

    @Test
    void aModeTypoOrAModeWithoutSparkOrNoAveragingIsRefused() {
        MojoFailureException typo = assertThrows(MojoFailureException.class,
                () -> AbstractForkingMojo.sparkSettings("spark", true, "local[2]", "data-paralel", 5, List.of()));
        assertEquals("finetune.spark.mode is `data-paralel`: expected trials or data-parallel; did you mean data-parallel?",
                typo.getMessage());
        MojoFailureException local = assertThrows(MojoFailureException.class,
                () -> AbstractForkingMojo.sparkSettings("local", true, "local[2]", "data-parallel", 5, List.of()));
        assertTrue(local.getMessage().startsWith("finetune.spark.mode=data-parallel applies on Spark only: add -Dfinetune.executor=spark"),
                local.getMessage());
        MojoFailureException never = assertThrows(MojoFailureException.class,
                () -> AbstractForkingMojo.sparkSettings("spark", true, "local[2]", "data-parallel", 0, List.of()));
        assertTrue(never.getMessage().startsWith("finetune.spark.averagingFrequency is 0: expected"), never.getMessage());
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
        // DL4J's Spark training: the dl4j-spark and datavec-spark on the test classpath, deeplearning4j-core at DL4J's version
        Properties dl4jSpark = new Properties();
        try (InputStream in = org.deeplearning4j.spark.impl.multilayer.SparkDl4jMultiLayer.class.getResourceAsStream(
                "/META-INF/maven/org.deeplearning4j/dl4j-spark_2.12/pom.properties")) {
            dl4jSpark.load(in);
        }
        assertEquals("org.deeplearning4j:dl4j-spark_2.12:" + dl4jSpark.getProperty("version"), p.getProperty("dl4jSpark"));
        assertEquals("org.datavec:datavec-spark_2.12:" + dl4jSpark.getProperty("version"), p.getProperty("datavecSpark"));
        Properties nn = new Properties();
        try (InputStream in = org.deeplearning4j.nn.conf.NeuralNetConfiguration.class.getResourceAsStream(
                "/META-INF/maven/org.deeplearning4j/deeplearning4j-nn/pom.properties")) {
            nn.load(in);
        }
        assertEquals("org.deeplearning4j:deeplearning4j-core:" + nn.getProperty("version"), p.getProperty("dl4jCore"));
    }
}
