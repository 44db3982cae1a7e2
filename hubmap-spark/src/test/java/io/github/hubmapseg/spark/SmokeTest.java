package io.github.hubmapseg.spark;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.apache.spark.SparkConf;
import org.apache.spark.api.java.JavaSparkContext;
import org.junit.jupiter.api.Test;

class SmokeTest {
    @Test
    void local2() {
        SparkConf c = new SparkConf().setMaster("local[2]").setAppName("t").set("spark.ui.enabled", "false")
                .set("spark.driver.host", "127.0.0.1").set("spark.driver.bindAddress", "127.0.0.1");
        try (JavaSparkContext sc = new JavaSparkContext(c)) {
            assertThat(sc.parallelize(List.of(1, 2, 3), 3).map(x -> x * 2).collect()).containsExactly(2, 4, 6);
        }
    }
}
