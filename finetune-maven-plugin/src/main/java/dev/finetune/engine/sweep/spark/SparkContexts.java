package dev.finetune.engine.sweep.spark;

import org.apache.spark.SparkConf;
import org.apache.spark.api.java.JavaSparkContext;

import java.io.File;
import java.util.Arrays;
import java.util.stream.Collectors;

/** Starts the Spark application of a build's work (sweep trials or a data-parallel training), the driver in this JVM. */
public final class SparkContexts {

    private SparkContexts() {
    }

    public static JavaSparkContext start(SparkSettings settings, String appName) {
        requireSpark();
        SparkConf conf = new SparkConf()
                .setMaster(settings.master())
                .setAppName(appName)
                // no web UI by default: a build has no one to look at it and two builds would race for its port
                .set("spark.ui.enabled", "false");
        if (!settings.local() && !settings.conf().containsKey("spark.jars")) {
            // a cluster's executors need the engine, DL4J and the natives: the training JVM's own classpath, minus Spark's
            conf.set("spark.jars", Arrays.stream(System.getProperty("java.class.path").split(File.pathSeparator))
                    .filter(p -> p.endsWith(".jar")).collect(Collectors.joining(",")));
        }
        settings.conf().forEach(conf::set);
        return new JavaSparkContext(conf);
    }

    /** Spark is on the training JVM's classpath only when the build resolved it; said plainly when it did not. */
    static void requireSpark() {
        try {
            Class.forName("org.apache.spark.SparkContext", false, SparkContexts.class.getClassLoader());
        } catch (ClassNotFoundException e) {
            throw new IllegalStateException("finetune.executor=spark, but Spark is not on the training JVM's classpath"
                    + " (the plugin adds it to the forked JVM only; finetune.fork=false cannot run on Spark)");
        }
    }
}
