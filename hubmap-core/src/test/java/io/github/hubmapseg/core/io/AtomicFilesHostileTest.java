package io.github.hubmapseg.core.io;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.github.hubmapseg.testkit.ExternalTools;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledOnOs;
import org.junit.jupiter.api.condition.OS;
import org.junit.jupiter.api.io.TempDir;

/** Issue #15 findings 1 and 3, and the temporary-file cleanup of finding 8: AtomicFiles under hostile targets. */
class AtomicFilesHostileTest {

    @TempDir
    Path dir;

    private List<Path> listing() throws IOException {
        try (Stream<Path> s = Files.list(dir)) {
            return s.sorted().toList();
        }
    }

    @Test
    void anyThrowableKeepsTheOldFile() throws IOException {
        Path f = dir.resolve("out.csv");
        AtomicFiles.writeString(f, "old");
        assertThatThrownBy(() -> AtomicFiles.write(f, out -> {
            out.write(new byte[1000]);
            throw new OutOfMemoryError("simulated");
        })).isInstanceOf(OutOfMemoryError.class);
        assertThatThrownBy(() -> AtomicFiles.writeText(f, w -> {
            w.write("partial");
            throw new IllegalStateException("caller bug");
        })).isInstanceOf(IllegalStateException.class);
        assertThat(Files.readString(f)).isEqualTo("old");
        assertThat(listing()).containsExactly(f);
        assertThat(AtomicFiles.inFlight()).noneMatch(p -> p.startsWith(dir));
    }

    @Test
    void stagedFileIsDiscardedUnlessCommitted() throws IOException {
        Path f = dir.resolve("a.bin");
        Files.writeString(f, "old");
        try (AtomicFiles.Staged s = AtomicFiles.stage(f)) {
            Files.writeString(s.temp(), "new");
            // no commit: e.g. the caller's code threw here
        }
        assertThat(Files.readString(f)).isEqualTo("old");
        try (AtomicFiles.Staged s = AtomicFiles.stage(f)) {
            Files.writeString(s.temp(), "new");
            s.commit();
        }
        assertThat(Files.readString(f)).isEqualTo("new");
        assertThat(listing()).containsExactly(f);
    }

    @Test
    void directoryTargetIsRefusedInOneLine() throws IOException {
        Path d = Files.createDirectory(dir.resolve("sub"));
        assertThatThrownBy(() -> AtomicFiles.writeString(d, "x")).isInstanceOf(IOException.class)
                .hasMessageContaining(d.toString()).hasMessageContaining("is a directory, not a regular file")
                .hasMessageNotContaining("\n");
        assertThat(d).isDirectory();
        assertThat(listing()).containsExactly(d);
    }

    @Test
    @EnabledOnOs(OS.LINUX)
    void deviceTargetIsRefusedAndStaysADevice() throws IOException {
        Path full = Path.of("/dev/full");
        assertThat(full).exists();
        assertThatThrownBy(() -> AtomicFiles.writeString(full, "x")).isInstanceOf(IOException.class)
                .hasMessage("/dev/full is a character device, not a regular file; refusing to replace it"
                        + " (give a file path)");
        assertThatThrownBy(() -> AtomicFiles.siblingTemp(full)).hasMessageContaining("character device");
        assertThat(Files.isRegularFile(full)).isFalse();
    }

    @Test
    @EnabledOnOs(OS.LINUX)
    void fifoTargetIsRefusedWithoutBlocking() throws Exception {
        Path fifo = dir.resolve("pipe");
        Process p = new ProcessBuilder(ExternalTools.command("coreutils", "mkfifo").toString(), fifo.toString())
                .start();
        assertThat(p.waitFor(30, TimeUnit.SECONDS)).isTrue();
        assertThat(p.exitValue()).isZero();
        assertThatThrownBy(() -> AtomicFiles.writeString(fifo, "x")).hasMessageContaining(fifo.toString())
                .hasMessageContaining("FIFO");
        assertThat(Files.isRegularFile(fifo)).isFalse();
        assertThat(listing()).containsExactly(fifo);
    }

    @Test
    void symlinkIsWrittenThroughAndStaysALink() throws IOException {
        Path realDir = Files.createDirectory(dir.resolve("real"));
        Path real = realDir.resolve("data.csv");
        Files.writeString(real, "old");
        Path link = Files.createSymbolicLink(dir.resolve("link.csv"), Path.of("real/data.csv"));
        AtomicFiles.writeString(link, "new");
        assertThat(Files.isSymbolicLink(link)).isTrue();
        assertThat(Files.readString(real)).isEqualTo("new");
        try (Stream<Path> s = Files.list(realDir)) {
            assertThat(s).containsExactly(real); // the temporary file went next to the real file, and is gone
        }
        // a dangling link creates its target
        Path dangling = Files.createSymbolicLink(dir.resolve("new.csv"), realDir.resolve("created.csv"));
        AtomicFiles.writeString(dangling, "made");
        assertThat(Files.readString(realDir.resolve("created.csv"))).isEqualTo("made");
        assertThat(Files.isSymbolicLink(dangling)).isTrue();
        // a link to a directory is refused like the directory
        Path dirLink = Files.createSymbolicLink(dir.resolve("dirlink"), realDir);
        assertThatThrownBy(() -> AtomicFiles.writeString(dirLink, "x")).hasMessageContaining("-> " + realDir)
                .hasMessageContaining("is a directory");
        // a loop is refused
        Path a = dir.resolve("loopA");
        Path b = dir.resolve("loopB");
        Files.createSymbolicLink(a, b);
        Files.createSymbolicLink(b, a);
        assertThatThrownBy(() -> AtomicFiles.writeString(a, "x")).hasMessageContaining("symbolic links");
    }

    @Test
    void staleTemporaryFilesOfOurNamingAreSwept() throws IOException {
        Path old = Files.writeString(dir.resolve(".train.csv.1a2b3c4d5e.tmp"), "left by kill -9");
        Path fresh = Files.writeString(dir.resolve(".train.csv.99aa88bb77.tmp"), "another writer in flight");
        Path notOurs = Files.writeString(dir.resolve(".cache.tmp"), "someone else's");
        Path notOursEither = Files.writeString(dir.resolve("notes.1a2b3c4d.tmp"), "not hidden");
        FileTime longAgo = FileTime.from(Instant.now().minus(Duration.ofDays(3)));
        for (Path p : List.of(old, notOurs, notOursEither)) {
            Files.setLastModifiedTime(p, longAgo);
        }
        // the first writer opening in this directory sweeps it
        AtomicFiles.writeString(dir.resolve("x.txt"), "x");
        assertThat(old).doesNotExist();
        assertThat(fresh).exists();
        assertThat(notOurs).exists();
        assertThat(notOursEither).exists();
        assertThat(AtomicFiles.sweepStale(dir, Duration.ZERO)).isEqualTo(1); // the fresh one, at age limit 0
        assertThat(fresh).doesNotExist();
    }

    @Test
    @EnabledOnOs(OS.LINUX)
    void sigtermDeletesTemporaryFilesInFlight() throws Exception {
        Path target = dir.resolve("out.csv");
        Files.writeString(target, "old");
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        Process p = new ProcessBuilder(java, "-cp", System.getProperty("java.class.path"),
                AtomicFilesChild.class.getName(), target.toString()).redirectErrorStream(true).start();
        try {
            BufferedReader r = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8));
            String line = r.readLine();
            assertThat(line).as("child output").startsWith("temp ");
            Path temp = Path.of(line.substring(5));
            assertThat(temp).exists();
            p.destroy(); // SIGTERM
            assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
            assertThat(temp).doesNotExist();
            assertThat(Files.readString(target)).isEqualTo("old");
            assertThat(listing()).containsExactly(target);
        } finally {
            p.destroyForcibly();
        }
    }
}
