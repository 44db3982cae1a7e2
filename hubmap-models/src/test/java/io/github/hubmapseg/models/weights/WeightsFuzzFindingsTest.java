package io.github.hubmapseg.models.weights;

import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * What {@link WeightsFuzz} found (issue #15), as regression tests: inputs saved by the fuzz stage
 * ({@code src/test/resources/weights-findings/}).
 */
class WeightsFuzzFindingsTest {

    private static Path finding(Path tmp, String name) throws Exception {
        Path f = tmp.resolve(name);
        try (var in = WeightsFuzzFindingsTest.class.getResourceAsStream("/weights-findings/" + name)) {
            Files.write(f, in.readAllBytes());
        }
        return f;
    }

    @Test
    void legacyPickleWithControlCharactersInAnIntegerIsOneLine(@TempDir Path tmp) throws Exception {
        // pth-legacy seed small.pth, rng 7194, 3 edits: the message quoted raw pickle bytes, newlines included
        Path f = finding(tmp, "legacy-control-chars-in-integer.pth");
        assertThatThrownBy(() -> WeightFiles.read(f)).isInstanceOf(IOException.class)
                .hasMessageStartingWith(f + ": bad integer '").message().doesNotContainPattern("\\p{Cntrl}");
    }

    @Test
    void zipEntryEndingPastTheFileNamesTheFile(@TempDir Path tmp) throws Exception {
        // pth-zip seed state_dict.pth, rng 4620467, 1 edit: a bare EOFException without a message
        Path f = finding(tmp, "zip-entry-past-end.pth");
        assertThatThrownBy(() -> WeightFiles.read(f)).isInstanceOf(IOException.class)
                .hasMessage(f + ": damaged or truncated (EOFException)");
    }

    @Test
    void legacyPersistentIdHoldingANewlineIsOneLine(@TempDir Path tmp) throws Exception {
        // pth-legacy seed state_dict.pth, rng 22438305081459, 1 edit (CI run of session 4): the message printed the
        // whole persistent id tuple, whose mutated storage name held a newline
        Path f = finding(tmp, "legacy-persistent-id-with-newline.pth");
        assertThatThrownBy(() -> WeightFiles.read(f)).isInstanceOf(IOException.class)
                .hasMessageStartingWith(f + ": ").message().doesNotContainPattern("\\p{Cntrl}")
                .hasSizeLessThan(f.toString().length() + 500);
    }

    @Test
    void zipPersistentIdHoldingControlCharactersIsOneLine(@TempDir Path tmp) throws Exception {
        // pth-zip seed nested.pth, rng -773, 1 edit (CI run of session 4): the same message as above, from a zip file
        Path f = finding(tmp, "zip-persistent-id-with-control-chars.pth");
        assertThatThrownBy(() -> WeightFiles.read(f)).isInstanceOf(IOException.class)
                .hasMessageStartingWith(f + ": ").message().doesNotContainPattern("\\p{Cntrl}")
                .hasSizeLessThan(f.toString().length() + 500);
    }
}
