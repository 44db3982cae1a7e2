package io.github.hubmapseg.core.io;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.github.hubmapseg.core.kaggle.SubmissionWriter;
import io.github.hubmapseg.core.slide.TiffSlideWriter;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledOnOs;
import org.junit.jupiter.api.condition.OS;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue #15 finding 1 on a real full disk: a 64 KB tmpfs (mounted when the test runs as root; skipped with the
 * reason otherwise). Every writer fails with the file system's error, the old file stays, no temporary file is
 * left.
 */
@EnabledOnOs(OS.LINUX)
class FullDiskTest {

    @TempDir
    Path tmp;
    private Path disk;
    private boolean mounted;

    private static int run(String... cmd) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        p.getInputStream().readAllBytes();
        return p.waitFor(30, TimeUnit.SECONDS) ? p.exitValue() : -1;
    }

    @BeforeEach
    void mountSmallTmpfs() throws Exception {
        Assumptions.assumeTrue("root".equals(System.getProperty("user.name")),
                "the full-disk test mounts a 64 KB tmpfs and needs root (package mount)");
        disk = Files.createDirectory(tmp.resolve("disk"));
        mounted = run("mount", "-t", "tmpfs", "-o", "size=64k", "tmpfs", disk.toString()) == 0;
        Assumptions.assumeTrue(mounted, "mount -t tmpfs failed (no CAP_SYS_ADMIN in this container?)");
    }

    @AfterEach
    void unmount() throws Exception {
        if (mounted) {
            run("umount", disk.toString());
        }
    }

    private void assertOnlyOldFile(Path f, String old) throws IOException {
        assertThat(Files.readString(f)).isEqualTo(old);
        try (Stream<Path> s = Files.list(disk)) {
            assertThat(s).containsExactly(f);
        }
    }

    @Test
    void writersOnAFullDiskKeepTheOldFile() throws IOException {
        Path f = disk.resolve("prev.csv");
        String old = "id,predicted\na,1 2\nb,3 4\n";
        Files.writeString(f, old);
        String big = "1 2 ".repeat(40_000); // 160 KB of RLE, the disk holds 64 KB
        assertThatThrownBy(() -> AtomicFiles.writeString(f, big)).isInstanceOf(IOException.class)
                .hasMessageContaining("No space left on device");
        assertOnlyOldFile(f, old);
        assertThatThrownBy(() -> {
            try (SubmissionWriter w = SubmissionWriter.submission(f)) {
                w.add("a", "1 2");
                w.add("b", big);
                w.add("c", "5 6");
            }
        }).isInstanceOf(IOException.class).hasMessageContaining("No space left on device");
        assertOnlyOldFile(f, old);
        Path tiff = disk.resolve("slide.tiff");
        Files.writeString(tiff, "old");
        assertThatThrownBy(() -> {
            try (TiffSlideWriter w = TiffSlideWriter.builder(tiff, 256, 256).tileSize(128)
                    .compression(TiffSlideWriter.Compression.NONE).open()) {
                for (int row = 0; row < 2; row++) {
                    for (int col = 0; col < 2; col++) {
                        w.writeTile(col, row, new byte[128 * 128 * 3]);
                    }
                }
            }
        }).isInstanceOf(IOException.class).hasMessageContaining("No space left on device");
        assertThat(Files.readString(tiff)).isEqualTo("old");
        try (Stream<Path> s = Files.list(disk)) {
            assertThat(s).containsExactlyInAnyOrder(f, tiff);
        }
    }

    @Test
    void anImageOnAFullDiskIsOneLineNamingTheFile() throws IOException {
        // was "I/O error writing PNG file!" and, at exit, a NullPointerException stack trace from ImageIO's cache
        Path png = disk.resolve("overlay.png");
        java.awt.image.BufferedImage noise = new java.awt.image.BufferedImage(256, 256,
                java.awt.image.BufferedImage.TYPE_INT_RGB);
        java.util.Random rnd = new java.util.Random(1);
        for (int y = 0; y < 256; y++) {
            for (int x = 0; x < 256; x++) {
                noise.setRGB(x, y, rnd.nextInt()); // incompressible: about 190 KB of PNG, the disk holds 64 KB
            }
        }
        assertThatThrownBy(() -> ImageFiles.writePng(png, noise)).isInstanceOf(IOException.class)
                .hasMessage(png + ": cannot write the PNG image: No space left on device");
        try (Stream<Path> s = Files.list(disk)) {
            assertThat(s).isEmpty();
        }
    }
}
