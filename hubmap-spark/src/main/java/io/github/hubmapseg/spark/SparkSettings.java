package io.github.hubmapseg.spark;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * Where and how a cohort runs on Spark.
 *
 * @param master the master URL ({@code local[*]}, {@code local[2]}, {@code spark://HOST:7077}, ...), or {@code null}:
 *               the {@code spark.master} of the environment ({@code spark-submit --master}), else {@code local[*]}
 * @param conf   further Spark settings ({@code --spark-conf KEY=VALUE}); they win over every default of
 *               {@link SparkCohorts}
 */
public record SparkSettings(String master, Map<String, String> conf) {
    private static final Pattern MASTER = Pattern.compile(
            "local(\\[(\\*|[1-9][0-9]{0,3})(,[1-9][0-9]{0,2})?])?|yarn|(spark|k8s|mesos)://\\S+");

    /** Validates, naming the value that is wrong. */
    public SparkSettings {
        if (master != null && !MASTER.matcher(master).matches()) {
            throw new IllegalArgumentException("Spark master must be local, local[N], local[*], local[N,F] or a "
                    + "cluster URL such as spark://HOST:7077, got '" + master + "'");
        }
        conf = Map.copyOf(conf == null ? Map.of() : new LinkedHashMap<>(conf));
        for (String k : conf.keySet()) {
            if (!k.startsWith("spark.")) {
                throw new IllegalArgumentException("Spark setting names start with 'spark.', got '" + k + "'");
            }
        }
    }

    /** @return {@code local[*]} in this JVM (or the environment's master) with Spark's defaults */
    public static SparkSettings embedded() {
        return new SparkSettings(null, Map.of());
    }

    /** @return these settings on another master */
    public SparkSettings withMaster(String m) {
        return new SparkSettings(m, conf);
    }

    /**
     * Parses {@code KEY=VALUE}.
     *
     * @throws IllegalArgumentException naming the text when it has no {@code =}
     */
    public static Map.Entry<String, String> parseSetting(String kv) {
        int eq = kv.indexOf('=');
        if (eq <= 0) {
            throw new IllegalArgumentException("a Spark setting must be KEY=VALUE (e.g. spark.executor.memory=2g), got '"
                    + kv + "'");
        }
        return Map.entry(kv.substring(0, eq).trim(), kv.substring(eq + 1).trim());
    }
}
