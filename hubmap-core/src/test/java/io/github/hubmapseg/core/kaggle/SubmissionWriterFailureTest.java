package io.github.hubmapseg.core.kaggle;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue #15 finding 1: a streamed CSV writer that fails midway never moves its temporary file into place
 * (the probe turned a complete 5-row {@code prev.csv} into a 2-row one, or a header-only one after OOM).
 */
class SubmissionWriterFailureTest {

    @TempDir
    Path dir;

    private static final String FIVE_ROWS = "id,predicted\na,1 2\nb,3 4\nc,5 6\nd,7 8\ne,9 10\n";

    private Path previous() throws IOException {
        return Files.writeString(dir.resolve("prev.csv"), FIVE_ROWS);
    }

    private void assertUntouched(Path f) throws IOException {
        assertThat(Files.readString(f)).isEqualTo(FIVE_ROWS);
        try (Stream<Path> s = Files.list(dir)) {
            assertThat(s).containsExactly(f);
        }
    }

    @Test
    void outOfMemoryInARowProducerKeepsTheOldFile() throws IOException {
        Path f = previous();
        assertThatThrownBy(() -> {
            try (SubmissionWriter w = SubmissionWriter.submission(f)) {
                w.add("a", "1 2");
                w.add("b", "3 4");
                w.add("c", out -> {
                    out.append("5 ");
                    throw new OutOfMemoryError("simulated");
                });
            }
        }).isInstanceOf(OutOfMemoryError.class);
        assertUntouched(f);
    }

    @Test
    void aRejectedRowKeepsTheOldFile() throws IOException {
        Path f = previous();
        assertThatThrownBy(() -> SubmissionWriter.write(f, SubmissionWriter.PREDICTED, w -> {
            w.add("a", "1 2");
            w.add("a", "3 4"); // duplicate: the caller's run is broken
        })).hasMessageContaining("already written");
        assertUntouched(f);
    }

    @Test
    void callerExceptionBetweenRowsKeepsTheOldFile() throws IOException {
        Path f = previous();
        // predict --ids good,good,typo: the third slide fails to open between rows
        assertThatThrownBy(() -> SubmissionWriter.write(f, SubmissionWriter.PREDICTED, w -> {
            w.add("good1", "1 2");
            w.add("good2", "3 4");
            throw new java.nio.file.NoSuchFileException("typo.tiff");
        })).isInstanceOf(java.nio.file.NoSuchFileException.class);
        assertUntouched(f);
        // the same through KaggleFiles.writeSubmission: a null row fails midway
        assertThatThrownBy(() -> KaggleFiles.writeSubmission(f, java.util.Arrays.asList(new TrainRow("x", "1 2"),
                null))).isInstanceOf(NullPointerException.class);
        assertUntouched(f);
    }

    @Test
    void explicitAbortAndCommit() throws IOException {
        Path f = previous();
        SubmissionWriter w = SubmissionWriter.submission(f);
        w.add("z", "1 1");
        w.abort();
        w.close();
        assertUntouched(f);
        SubmissionWriter.write(f, SubmissionWriter.PREDICTED, rows -> rows.add("z", "1 1"));
        assertThat(Files.readString(f)).isEqualTo("id,predicted\nz,1 1\n");
        assertThat(KaggleFiles.readSubmission(f)).containsExactly(new TrainRow("z", "1 1"));
    }

    @Test
    void specialTargetsAreRefusedBeforeWriting() throws IOException {
        Path d = Files.createDirectory(dir.resolve("out"));
        assertThatThrownBy(() -> SubmissionWriter.submission(d)).hasMessageContaining("is a directory");
        assertThatThrownBy(() -> KaggleFiles.writeTrain(d, List.of())).hasMessageContaining("is a directory");
        try (Stream<Path> s = Files.list(dir)) {
            assertThat(s).containsExactly(d);
        }
    }
}
