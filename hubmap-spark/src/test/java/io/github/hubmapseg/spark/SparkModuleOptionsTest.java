package io.github.hubmapseg.spark;

import static org.assertj.core.api.Assertions.assertThat;

import io.github.hubmapseg.testkit.RepoFiles;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.util.List;
import org.apache.spark.launcher.JavaModuleOptions;
import org.junit.jupiter.api.Test;

/**
 * Spark 3.5 on JDK 17 needs the options of {@link JavaModuleOptions#defaultModuleOptions()}: the surefire
 * configuration (this JVM), the {@code ./hubmap} launcher and docs/spark.md must carry every one of them, as Spark's
 * own class lists them (not our copy).
 */
class SparkModuleOptionsTest {
    static final List<String> OPTIONS = List.of(JavaModuleOptions.defaultModuleOptions().split(" "));

    @Test
    void thisJvmTheLauncherAndTheDocsCarrySparksJdk17Options() throws Exception {
        assertThat(OPTIONS).hasSizeGreaterThan(10).anyMatch(o -> o.startsWith("--add-opens=java.base/sun.nio.ch"));
        assertThat(ManagementFactory.getRuntimeMXBean().getInputArguments()).as("surefire's argLine")
                .containsAll(OPTIONS);
        String launcher = Files.readString(RepoFiles.root().resolve("hubmap"));
        String docs = Files.readString(RepoFiles.root().resolve("docs/spark.md"));
        for (String o : OPTIONS) {
            assertThat(launcher).as("./hubmap").contains(o);
            assertThat(docs).as("docs/spark.md").contains(o);
        }
    }
}
