package dev.finetune.engine.sweep.spark;

import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Where sweep trials run when the build asks for Spark ({@code -Dfinetune.executor=spark}): never part of the spec, so
 * a pull request cannot send a build's work to a cluster. Plain data without Spark types, so the build's side and the
 * fork request can carry it with no Spark on their classpath.
 *
 * @param master {@code finetune.spark.master}: {@code local[N]} (executors are threads of the training JVM) or a
 *               cluster's URL ({@code spark://host:7077}, {@code yarn}, {@code k8s://...})
 * @param conf   the build's {@code spark.*} properties, passed to {@code SparkConf} as they are
 * @param mode   {@code finetune.spark.mode}: what runs on Spark
 * @param averagingFrequency {@code finetune.spark.averagingFrequency}: with {@link Mode#dataParallel}, the minibatches
 *               each worker fits between two parameter averagings
 */
public record SparkSettings(String master, Map<String, String> conf, Mode mode, int averagingFrequency) {

    /** What Spark runs: a sweep's trials as tasks, or one training's minibatches on all workers (parameter averaging). */
    public enum Mode {
        trials("trials"), dataParallel("data-parallel");

        private final String property;

        Mode(String property) {
            this.property = property;
        }

        /** The value of {@code finetune.spark.mode} that chooses it. */
        public String property() {
            return property;
        }
    }

    /** DL4J's examples average every 5 to 10 minibatches; fewer averagings cost less, more drift further apart. */
    public static final int DEFAULT_AVERAGING_FREQUENCY = 5;

    public SparkSettings {
        conf = Map.copyOf(new TreeMap<>(conf));
        mode = mode == null ? Mode.trials : mode;
        if (averagingFrequency < 1) {
            throw new IllegalArgumentException("averagingFrequency must be at least 1, found " + averagingFrequency);
        }
    }

    /** Sweep trials on Spark. */
    public SparkSettings(String master, Map<String, String> conf) {
        this(master, conf, Mode.trials, DEFAULT_AVERAGING_FREQUENCY);
    }

    public boolean dataParallel() {
        return mode == Mode.dataParallel;
    }

    /** Whether the executors are threads of the driver's JVM ({@code local}, {@code local[N]}, {@code local[*]}, ...). */
    public boolean local() {
        return master.equals("local") || master.startsWith("local[") || master.startsWith("local-cluster[");
    }

    /**
     * JVM options Spark 3.5 needs on Java 17 (the list its own launcher adds, {@code JavaModuleOptions}): without them
     * a {@code SparkContext} fails on reflective access to {@code sun.nio.ch} and friends. The training JVM gets them
     * when Spark is chosen; a cluster's executors get them from Spark's launcher.
     */
    public static final List<String> JAVA_17_OPTIONS = List.of(
            "--add-opens=java.base/java.lang=ALL-UNNAMED",
            "--add-opens=java.base/java.lang.invoke=ALL-UNNAMED",
            "--add-opens=java.base/java.lang.reflect=ALL-UNNAMED",
            "--add-opens=java.base/java.io=ALL-UNNAMED",
            "--add-opens=java.base/java.net=ALL-UNNAMED",
            "--add-opens=java.base/java.nio=ALL-UNNAMED",
            "--add-opens=java.base/java.util=ALL-UNNAMED",
            "--add-opens=java.base/java.util.concurrent=ALL-UNNAMED",
            "--add-opens=java.base/java.util.concurrent.atomic=ALL-UNNAMED",
            "--add-opens=java.base/jdk.internal.ref=ALL-UNNAMED",
            "--add-opens=java.base/sun.nio.ch=ALL-UNNAMED",
            "--add-opens=java.base/sun.nio.cs=ALL-UNNAMED",
            "--add-opens=java.base/sun.security.action=ALL-UNNAMED",
            "--add-opens=java.base/sun.util.calendar=ALL-UNNAMED");
}
