package io.github.hubmapseg.testkit;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

import org.junit.platform.engine.TestExecutionResult;
import org.junit.platform.launcher.TestExecutionListener;
import org.junit.platform.launcher.TestIdentifier;
import org.junit.platform.launcher.TestPlan;

/**
 * Counts the tests skipped by {@link ExternalTools} for a missing tool and prints, at the end of each module's tests
 * that skipped any, one line with the build's running total and the Debian packages that would run them (so the last
 * such line of a build is its summary). Registered through {@code META-INF/services}; the running total is kept in
 * the file named by the system property {@code hubmap.missing-tools.file} (one per Maven build, set by the parent pom).
 */
public final class MissingToolsReport implements TestExecutionListener {

    private final Map<String, Integer> skipped = new TreeMap<>();
    private TestPlan plan;

    @Override
    public void testPlanExecutionStarted(TestPlan testPlan) {
        this.plan = testPlan;
    }

    @Override
    public void executionFinished(TestIdentifier id, TestExecutionResult result) {
        if (result.getStatus() != TestExecutionResult.Status.ABORTED) {
            return;
        }
        String packages = packagesOf(result.getThrowable().map(Throwable::getMessage).orElse(null));
        if (packages == null) {
            return;
        }
        long tests = id.isTest() ? 1 : plan == null ? 1
                : Math.max(1, plan.getDescendants(id).stream().filter(TestIdentifier::isTest).count());
        skipped.merge(packages, (int) tests, Integer::sum);
    }

    @Override
    public void testPlanExecutionFinished(TestPlan testPlan) {
        if (skipped.isEmpty()) {
            return;
        }
        Map<String, Integer> total = new TreeMap<>(skipped);
        String file = System.getProperty("hubmap.missing-tools.file");
        if (file != null && !file.isBlank()) {
            total = accumulate(Path.of(file), skipped);
        }
        print(System.out, total);
    }

    /** The package(s) named by a skip message of {@link ExternalTools}, or null for any other abort. */
    static String packagesOf(String message) {
        if (message == null || !message.startsWith(ExternalTools.SKIP_PREFIX)) {
            return null;
        }
        String rest = message.substring(ExternalTools.SKIP_PREFIX.length());
        int paren = rest.indexOf(" (");
        return (paren >= 0 ? rest.substring(0, paren) : rest).strip();
    }

    /** Adds this module's counts to the build's file and returns the build's totals. */
    static Map<String, Integer> accumulate(Path file, Map<String, Integer> counts) {
        Map<String, Integer> total = new TreeMap<>();
        try {
            Files.createDirectories(file.toAbsolutePath().getParent());
            StringBuilder lines = new StringBuilder();
            counts.forEach((k, v) -> lines.append(v).append('\t').append(k).append('\n'));
            Files.writeString(file, lines, StandardCharsets.UTF_8, StandardOpenOption.CREATE, StandardOpenOption.APPEND);
            List<String> all = Files.readAllLines(file, StandardCharsets.UTF_8);
            for (String line : all) {
                int tab = line.indexOf('\t');
                if (tab > 0) {
                    total.merge(line.substring(tab + 1), Integer.parseInt(line.substring(0, tab)), Integer::sum);
                }
            }
        } catch (IOException | RuntimeException e) {
            return new TreeMap<>(counts);
        }
        return total;
    }

    static String line(Map<String, Integer> total) {
        int n = total.values().stream().mapToInt(Integer::intValue).sum();
        StringBuilder by = new StringBuilder();
        total.forEach((k, v) -> by.append(by.length() == 0 ? "" : ", ").append(k).append(": ").append(v));
        return "[hubmap-seg] " + n + " test" + (n == 1 ? "" : "s") + " skipped so far in this build for a missing"
                + " reference tool (" + by + "); apt-get install the package(s) to run them (CI fails instead)";
    }

    private static void print(PrintStream out, Map<String, Integer> total) {
        out.println(line(total));
        out.flush();
    }
}
