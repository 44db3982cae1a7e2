package io.github.hubmapseg.testkit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.TreeMap;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.opentest4j.AssertionFailedError;
import org.opentest4j.TestAbortedException;

class ExternalToolsTest {

    /** Outside CI a missing tool skips the test; in CI (CI=true) it fails it. Both name the Debian package. */
    private static Class<? extends Throwable> expected() {
        return ExternalTools.inCi() ? AssertionFailedError.class : TestAbortedException.class;
    }

    @Test
    void missingPythonModuleSkipsOrFailsNamingThePackage() {
        assertThatThrownBy(() -> ExternalTools.python("python3-nosuchthing", "no_such_module_hubmapseg"))
                .isInstanceOf(expected())
                .hasMessageContaining(ExternalTools.SKIP_PREFIX + "python3-nosuchthing (")
                .hasMessageContaining("no_such_module_hubmapseg");
    }

    @Test
    void missingCommandSkipsOrFailsNamingThePackage() {
        assertThatThrownBy(() -> ExternalTools.command("some-tools", "no-such-command-hubmapseg"))
                .isInstanceOf(expected())
                .hasMessageContaining("some-tools")
                .hasMessageContaining("no-such-command-hubmapseg not found");
    }

    @Test
    void presentCommandIsFound() {
        assertThat(ExternalTools.which("sh")).isNotNull();
        assertThat(ExternalTools.command("dash", "sh")).isNotNull();
    }

    @Test
    void reportCountsOnlyOurSkipsAndNamesThePackages(@TempDir Path dir) throws Exception {
        assertThat(MissingToolsReport.packagesOf("missing tool: python3-torch python3-torchvision (x; y)"))
                .isEqualTo("python3-torch python3-torchvision");
        assertThat(MissingToolsReport.packagesOf("some other assumption")).isNull();
        assertThat(MissingToolsReport.packagesOf(null)).isNull();

        Path file = dir.resolve("sub/build.tsv");
        Map<String, Integer> first = new TreeMap<>(Map.of("python3-torch", 3));
        assertThat(MissingToolsReport.accumulate(file, first)).isEqualTo(Map.of("python3-torch", 3));
        Map<String, Integer> second = new TreeMap<>(Map.of("python3-torch", 2, "libvips-tools", 1));
        Map<String, Integer> total = MissingToolsReport.accumulate(file, second);
        assertThat(total).isEqualTo(Map.of("python3-torch", 5, "libvips-tools", 1));
        assertThat(Files.readAllLines(file)).hasSize(3);
        assertThat(MissingToolsReport.line(total)).startsWith("[hubmap-seg] 6 tests skipped")
                .contains("libvips-tools: 1, python3-torch: 5");
    }
}
