package io.github.hubmapseg.core.io;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class AtomicFilesTest {

    @Test
    void writesAndReplacesAndCreatesParents(@TempDir Path dir) throws IOException {
        Path f = dir.resolve("a/b/out.txt");
        AtomicFiles.writeString(f, "one");
        AtomicFiles.writeText(f, w -> w.write("two ü"));
        assertThat(Files.readString(f)).isEqualTo("two ü");
        try (Stream<Path> s = Files.list(f.getParent())) {
            assertThat(s).containsExactly(f);
        }
    }

    @Test
    void failedWriteKeepsOldContentAndLeavesNoTemporaryFile(@TempDir Path dir) throws IOException {
        Path f = dir.resolve("out.bin");
        AtomicFiles.writeString(f, "old");
        assertThatThrownBy(() -> AtomicFiles.write(f, out -> {
            out.write(new byte[] {1, 2, 3});
            throw new IOException("disk on fire");
        })).hasMessage("disk on fire");
        assertThat(Files.readString(f)).isEqualTo("old");
        try (Stream<Path> s = Files.list(dir)) {
            assertThat(s).containsExactly(f);
        }
    }

    @Test
    void streamingWritersUseSiblingTempThenMove(@TempDir Path dir) throws IOException {
        Path f = dir.resolve("x/slide.tiff");
        Path tmp = AtomicFiles.siblingTemp(f);
        assertThat(tmp.getParent()).isEqualTo(f.toAbsolutePath().getParent());
        assertThat(tmp.getFileName().toString()).startsWith(".slide.tiff.").endsWith(".tmp");
        Files.writeString(tmp, "data");
        assertThat(f).doesNotExist();
        AtomicFiles.moveIntoPlace(tmp, f);
        assertThat(Files.readString(f)).isEqualTo("data");
        assertThat(tmp).doesNotExist();
    }
}
