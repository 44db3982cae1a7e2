package io.github.hubmapseg.core.slide;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Arrays;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Files that cannot be read end in an IOException whose message names the file and what is wrong. */
class TiffBadInputTest {

    @TempDir
    Path dir;

    private Path truncatedCopy(String fixture, long length) throws IOException {
        byte[] all = Files.readAllBytes(TiffFixtures.path(fixture));
        Path f = dir.resolve("truncated-" + fixture);
        Files.write(f, Arrays.copyOf(all, (int) length));
        return f;
    }

    @Test
    void missingFile() {
        Path f = dir.resolve("nothere.tiff");
        assertThatThrownBy(() -> ImageSources.open(f)).isInstanceOf(NoSuchFileException.class)
                .hasMessageContaining(f.toString()).hasMessageContaining("no such file");
    }

    @Test
    void directoryIsNotAFile() {
        assertThatThrownBy(() -> ImageSources.open(dir)).isInstanceOf(IOException.class)
                .hasMessageContaining(dir.toString()).hasMessageContaining("not a regular file");
    }

    @Test
    void notATiff() throws IOException {
        Path f = dir.resolve("slide.tiff");
        Files.writeString(f, "id,encoding\n");
        assertThatThrownBy(() -> ImageSources.open(f)).isInstanceOf(IOException.class)
                .hasMessageContaining(f.toString()).hasMessageContaining("not a TIFF file")
                .hasMessageContaining("0x69642c65");
        Path empty = dir.resolve("empty.tiff");
        Files.write(empty, new byte[0]);
        assertThatThrownBy(() -> ImageSources.open(empty)).hasMessageContaining(empty.toString())
                .hasMessageContaining("not a TIFF file").hasMessageContaining("empty file");
    }

    @Test
    void truncatedInsideTheDirectory() throws IOException {
        Path f = truncatedCopy("rgb_tiled128.tif", 60);
        assertThatThrownBy(() -> ImageSources.open(f)).isInstanceOf(IOException.class)
                .hasMessageContaining(f.toString()).hasMessageContaining("truncated or corrupt");
    }

    @Test
    void truncatedTiledPixelData() throws IOException {
        long full = Files.size(TiffFixtures.path("rgb_tiled128.tif"));
        Path f = truncatedCopy("rgb_tiled128.tif", full / 2);
        assertThatThrownBy(() -> ImageSources.open(f)).isInstanceOf(IOException.class)
                .hasMessageContaining(f.toString()).hasMessageContaining("file is truncated: tile")
                .hasMessageContaining("the file has " + full / 2 + " bytes");
    }

    @Test
    void truncatedUncompressedStrips() throws IOException {
        long full = Files.size(TiffFixtures.path("rgb_strips16.tif"));
        Path f = truncatedCopy("rgb_strips16.tif", full - 1000);
        assertThatThrownBy(() -> ImageSources.open(f)).isInstanceOf(IOException.class)
                .hasMessageContaining(f.toString()).hasMessageContaining("file is truncated: strip 14")
                .hasMessageContaining("the file has " + (full - 1000) + " bytes");
    }

    @Test
    void unsupportedCompression() throws IOException {
        Path f = dir.resolve("j2k.tif");
        MiniTiff.writeOneStrip(f, 64, 32, 3, 8, 34712, 1000);
        assertThatThrownBy(() -> ImageSources.open(f)).isInstanceOf(IOException.class)
                .hasMessageContaining(f.toString()).hasMessageContaining("compression 34712")
                .hasMessageContaining("is not supported");
        Path g = dir.resolve("odd.tif");
        MiniTiff.writeOneStrip(g, 64, 32, 3, 8, 50123, 1000);
        assertThatThrownBy(() -> ImageSources.open(g)).hasMessageContaining(g.toString())
                .hasMessageContaining("compression 50123").hasMessageContaining("is not supported");
    }

    @Test
    void sixteenBitsPerSample() throws IOException {
        Path f = dir.resolve("16bit.tif");
        MiniTiff.writeOneStrip(f, 64, 32, 3, 16, 1, 64 * 32 * 3 * 2);
        assertThatThrownBy(() -> ImageSources.open(f)).isInstanceOf(IOException.class)
                .hasMessageContaining(f.toString())
                .hasMessageContaining("16 bits per sample is not supported, expected 8");
    }

    @Test
    void stripByteCountTooSmallForAnUncompressedStrip() throws IOException {
        Path f = dir.resolve("short-strip.tif");
        MiniTiff.writeOneStrip(f, 64, 32, 3, 8, 1, 64 * 32 * 3 - 1);
        assertThatThrownBy(() -> ImageSources.open(f)).isInstanceOf(IOException.class)
                .hasMessageContaining(f.toString()).hasMessageContaining("strip 0 holds 6143 bytes")
                .hasMessageContaining("needs 6144");
    }

    @Test
    void compressedStripOver256MbIsRefusedNamingTheLimit() throws IOException {
        Path f = dir.resolve("huge-deflate.tif");
        MiniTiff.writeOneStrip(f, 20000, 16000, 3, 8, 8, 1 << 20);
        assertThatThrownBy(() -> ImageSources.open(f)).isInstanceOf(IOException.class)
                .hasMessageContaining(f.toString()).hasMessageContaining("deflate strips of 20000 x 16000 x 3")
                .hasMessageContaining("960000000 bytes").hasMessageContaining("256 MB");
    }

    @Test
    void closedSourceIsNotLeakedWhenOpeningFails() throws IOException {
        // opening a bad file many times must not exhaust file handles
        Path f = truncatedCopy("rgb_tiled128.tif", 20000);
        for (int i = 0; i < 300; i++) {
            assertThatThrownBy(() -> ImageSources.open(f)).isInstanceOf(IOException.class);
        }
        assertThat(Files.size(f)).isEqualTo(20000);
    }
}
