package io.github.hubmapseg.core.conformance;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.TreeSet;
import java.util.stream.Stream;

import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

import io.github.hubmapseg.testkit.RepoFiles;

/**
 * The repository carries its own copy of the golden vectors ({@code conformance/}); {@code ../shared/conformance}
 * beside the repository is their upstream. Where the upstream is present the copy must be identical to it, file for
 * file and byte for byte. (Absent in a user's clone: the test then has nothing to compare and is skipped.)
 */
class ConformanceCopyTest {

    @Test
    void repositoryCopyIsIdenticalToUpstream() throws IOException {
        Path copy = RepoFiles.root().resolve("conformance");
        Path upstream = RepoFiles.root().resolve("../shared/conformance").normalize();
        Assumptions.assumeTrue(Files.isDirectory(upstream), "no upstream " + upstream + " beside this clone");
        TreeSet<String> names = new TreeSet<>(names(copy));
        names.addAll(names(upstream));
        for (String name : names) {
            Path a = copy.resolve(name);
            Path b = upstream.resolve(name);
            assertThat(Files.isRegularFile(a)).as("conformance/" + name + " is missing; upstream " + b + " has it")
                    .isTrue();
            assertThat(Files.isRegularFile(b)).as("conformance/" + name + " is not in upstream " + upstream).isTrue();
            assertThat(Arrays.equals(Files.readAllBytes(a), Files.readAllBytes(b)))
                    .as("conformance/" + name + " differs from " + b + " (copy the upstream file)").isTrue();
        }
    }

    @Test
    void copyHoldsEveryKindTheLibraryChecks() {
        for (String kind : List.of("rle", "dice", "losses", "gaussian", "stitch", "sampling")) {
            assertThat(RepoFiles.conformance(kind + ".json")).as(kind).isRegularFile();
        }
    }

    private static List<String> names(Path dir) throws IOException {
        try (Stream<Path> s = Files.list(dir)) {
            return s.filter(Files::isRegularFile).map(p -> p.getFileName().toString()).sorted().toList();
        }
    }
}
