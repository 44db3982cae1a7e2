package io.github.hubmapseg.testkit;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Assumptions;
import org.opentest4j.AssertionFailedError;

/**
 * The independent reference tools the tests compare against: Debian's {@code /usr/bin/python3} with torch,
 * tifffile, numpy, and command-line tools such as {@code vips} or {@code chromium}.
 *
 * <p>A test that needs a tool asks for it first. When the tool is missing the test is <em>skipped</em> on a
 * developer's machine (a fresh clone with JDK 17 and Maven only passes its tests) and <em>fails</em> in CI
 * ({@code CI=true}), so a green CI means every comparison with an outside reference ran. Skips carry the prefix
 * {@value #SKIP_PREFIX} and the Debian package that provides the tool; {@link MissingToolsReport} counts them.
 */
public final class ExternalTools {

    /** Prefix of the message of a test skipped for a missing tool; followed by the Debian package(s). */
    public static final String SKIP_PREFIX = "missing tool: ";

    /**
     * Debian's interpreter, where {@code apt-get install python3-...} puts its modules (not a pyenv one); the
     * environment variable {@code HUBMAP_PYTHON3} replaces it (e.g. a path that does not exist, to see what a machine
     * without the tools runs).
     */
    public static final Path PYTHON3 = Path.of(System.getenv().getOrDefault("HUBMAP_PYTHON3", "/usr/bin/python3"));

    private static final Map<String, String> PROBES = new ConcurrentHashMap<>();

    private ExternalTools() {
    }

    /**
     * Returns {@code /usr/bin/python3} when it imports every module, else skips (fails in CI) the calling test.
     *
     * @param debianPackages the package(s) that provide the modules, e.g. {@code "python3-torch python3-torchvision"}
     * @param modules        the Python modules to import, e.g. {@code "torch", "torchvision"}
     * @return the interpreter
     */
    public static Path python(String debianPackages, String... modules) {
        String imports = "import " + String.join(", ", modules);
        if (!Files.isExecutable(PYTHON3)) {
            missing(debianPackages, PYTHON3 + " not found, needed for '" + imports + "'");
        }
        String problem = PROBES.computeIfAbsent("python:" + imports,
                k -> probe(List.of(PYTHON3.toString(), "-c", imports)));
        if (!problem.isEmpty()) {
            missing(debianPackages, PYTHON3 + " cannot '" + imports + "': " + problem);
        }
        return PYTHON3;
    }

    /**
     * Returns the path of an executable found on {@code PATH} (or given as an absolute path), else skips (fails in
     * CI) the calling test.
     *
     * @param debianPackage the package that provides it, e.g. {@code "libvips-tools"}
     * @param executable    its name, e.g. {@code "vips"}
     * @return the executable
     */
    public static Path command(String debianPackage, String executable) {
        Path found = which(executable);
        if (found == null) {
            missing(debianPackage, executable + " not found on PATH");
        }
        return found;
    }

    /**
     * Whether {@code /usr/bin/python3} imports every module, without skipping anything (for tests that choose a
     * reference themselves).
     *
     * @param modules the Python modules
     * @return whether they import
     */
    public static boolean hasPython(String... modules) {
        if (!Files.isExecutable(PYTHON3)) {
            return false;
        }
        String imports = "import " + String.join(", ", modules);
        return PROBES.computeIfAbsent("python:" + imports,
                k -> probe(List.of(PYTHON3.toString(), "-c", imports))).isEmpty();
    }

    /**
     * Skips the calling test for a missing tool, or fails it when {@code CI=true}.
     *
     * @param debianPackages the package(s) that would provide the tool
     * @param detail         what exactly is missing
     */
    public static void missing(String debianPackages, String detail) {
        String message = SKIP_PREFIX + debianPackages + " (" + detail + "; apt-get install " + debianPackages + ")";
        if (inCi()) {
            throw new AssertionFailedError("CI must run every reference check, but: " + message);
        }
        Assumptions.abort(message);
    }

    /** @return whether the environment says this is CI ({@code CI=true}) */
    public static boolean inCi() {
        return "true".equalsIgnoreCase(System.getenv("CI"));
    }

    static Path which(String executable) {
        if (executable.contains("/")) {
            Path p = Path.of(executable);
            return Files.isExecutable(p) ? p : null;
        }
        String path = System.getenv("PATH");
        if (path == null) {
            return null;
        }
        for (String dir : path.split(java.io.File.pathSeparator)) {
            if (dir.isEmpty()) {
                continue;
            }
            Path p = Path.of(dir, executable);
            if (Files.isRegularFile(p) && Files.isExecutable(p)) {
                return p;
            }
        }
        return null;
    }

    /** Runs a command; returns "" when it exits 0 within a minute, else the reason. */
    private static String probe(List<String> command) {
        try {
            Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
            byte[] out = p.getInputStream().readAllBytes();
            if (!p.waitFor(60, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                return "timed out";
            }
            if (p.exitValue() == 0) {
                return "";
            }
            String text = new String(out, java.nio.charset.StandardCharsets.UTF_8).strip();
            int nl = text.lastIndexOf('\n');
            return nl >= 0 ? text.substring(nl + 1) : text;
        } catch (IOException e) {
            return e.getMessage();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return "interrupted";
        }
    }
}
