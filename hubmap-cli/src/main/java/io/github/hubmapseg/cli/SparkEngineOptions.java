package io.github.hubmapseg.cli;

import io.github.hubmapseg.spark.SparkSettings;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import picocli.CommandLine.Option;

/** {@code hubmap predict --engine jvm|spark [--master URL] [--spark-conf KEY=VALUE]...} (docs/spark.md). */
final class SparkEngineOptions {

    @Option(names = "--engine", paramLabel = "jvm|spark", defaultValue = "jvm",
            description = "jvm: predict the slides in this JVM (default); spark: on Apache Spark, one task per "
                    + "slide, each executor loading the ensemble once (needs --out-dir on a folder every executor "
                    + "can write). Without --master, Spark runs local[*] inside this JVM, or on spark-submit's master.")
    String engine;

    @Option(names = "--master", paramLabel = "URL",
            description = "With --engine spark: the Spark master, e.g. spark://HOST:7077 or local[4] (default: "
                    + "spark-submit's, else local[*]).")
    String master;

    @Option(names = "--spark-conf", paramLabel = "KEY=VALUE",
            description = "With --engine spark: a Spark setting (repeatable), e.g. spark.executor.memory=8g.")
    List<String> conf = new ArrayList<>();

    /**
     * @return whether the Spark engine is asked for
     * @throws IllegalArgumentException naming an unknown engine, or Spark options given to the JVM engine
     */
    boolean spark() {
        boolean spark = switch (engine.toLowerCase(Locale.ROOT)) {
            case "jvm" -> false;
            case "spark" -> true;
            default -> throw new IllegalArgumentException("--engine must be jvm or spark, got '" + engine + "'");
        };
        if (!spark && (master != null || !conf.isEmpty())) {
            throw new IllegalArgumentException((master != null ? "--master" : "--spark-conf")
                    + " needs --engine spark");
        }
        return spark;
    }

    /** @return the Spark settings of the options, checked */
    SparkSettings settings() {
        Map<String, String> c = new LinkedHashMap<>();
        for (String kv : conf) {
            Map.Entry<String, String> e = SparkSettings.parseSetting(kv);
            c.put(e.getKey(), e.getValue());
        }
        return new SparkSettings(master, c);
    }
}
