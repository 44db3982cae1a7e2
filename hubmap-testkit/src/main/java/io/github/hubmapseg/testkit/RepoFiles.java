package io.github.hubmapseg.testkit;

import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Files of the repository that tests read: the root (property {@code hubmap.repo.dir}, set by the parent pom, else
 * the nearest folder above the working directory holding {@code conformance/README.md}) and the repository's own copy
 * of the golden vectors in {@code conformance/} (property {@code hubmap.conformance.dir} overrides it).
 */
public final class RepoFiles {

    private RepoFiles() {
    }

    /** @return the repository root */
    public static Path root() {
        String p = System.getProperty("hubmap.repo.dir");
        if (p != null && !p.isBlank() && Files.isDirectory(Path.of(p, "conformance"))) {
            return Path.of(p).toAbsolutePath().normalize();
        }
        for (Path d = Path.of("").toAbsolutePath(); d != null; d = d.getParent()) {
            if (Files.isRegularFile(d.resolve("conformance/README.md")) && Files.isRegularFile(d.resolve("pom.xml"))) {
                return d;
            }
        }
        throw new IllegalStateException("repository root not found above " + Path.of("").toAbsolutePath()
                + " (no conformance/README.md; set -Dhubmap.repo.dir)");
    }

    /** @return the folder of the golden vectors the tests check against (the repository's {@code conformance/}) */
    public static Path conformanceDir() {
        String p = System.getProperty("hubmap.conformance.dir");
        if (p != null && !p.isBlank() && Files.isDirectory(Path.of(p))) {
            return Path.of(p);
        }
        return root().resolve("conformance");
    }

    /**
     * @param name a file of the golden vectors, e.g. {@code "rle.json"}
     * @return its path
     */
    public static Path conformance(String name) {
        return conformanceDir().resolve(name);
    }
}
