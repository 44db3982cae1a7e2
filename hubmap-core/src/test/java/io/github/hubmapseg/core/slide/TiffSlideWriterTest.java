package io.github.hubmapseg.core.slide;

import io.github.hubmapseg.testkit.ExternalTools;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

class TiffSlideWriterTest {

    @TempDir
    Path dir;

    /** A pixel pattern that differs in every channel, column and row (so swaps and offsets show). */
    private static int pattern(long x, long y, int c) {
        return (int) ((x * (c + 3) + y * (7 + 2 * c) + (x * y) % 13) & 0xFF);
    }

    private static InMemoryImageSource patternSource(int w, int h) {
        byte[] px = new byte[w * h * 3];
        for (int c = 0; c < 3; c++) {
            for (int y = 0; y < h; y++) {
                for (int x = 0; x < w; x++) {
                    px[x + w * (y + h * c)] = (byte) pattern(x, y, c);
                }
            }
        }
        return new InMemoryImageSource(px, w, h, 3);
    }

    /** Runs a Python snippet, returns its stdout, or skips the test if python3/tifffile are missing. */
    private static String runPython(String script, Path dir) throws Exception {
        String py = ExternalTools.python("python3-tifffile python3-numpy", "tifffile", "numpy").toString();
        Path f = dir.resolve("check.py");
        Files.writeString(f, script);
        Process p = new ProcessBuilder(py, f.toString()).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.waitFor(120, TimeUnit.SECONDS)).isTrue();
        assertThat(p.exitValue()).as(out).isZero();
        return out.strip();
    }

    @ParameterizedTest
    @EnumSource(TiffSlideWriter.Compression.class)
    void tifffileReadsEveryPixelBack(TiffSlideWriter.Compression compression) throws Exception {
        int w = 1100;
        int h = 530; // not multiples of the tile size: partial edge tiles
        Path out = dir.resolve("slide.tiff");
        try (InMemoryImageSource src = patternSource(w, h)) {
            TiffSlideWriter writer = TiffSlideWriter.builder(out, w, h).tileSize(256).compression(compression).open();
            writer.writeAll(src, 2, null);
        }
        assertThat(out).exists();
        try (var files = Files.list(dir)) {
            assertThat(files.filter(p -> p.getFileName().toString().endsWith(".tmp"))).isEmpty();
        }
        String script = String.join("\n",
                "import tifffile, numpy as np",
                "t = tifffile.TiffFile(r'" + out + "')",
                "p = t.pages[0]",
                "a = p.asarray().astype(np.int64)",
                "H, W = a.shape[:2]",
                "y, x = np.mgrid[0:H, 0:W]",
                "exp = np.stack([(x * (c + 3) + y * (7 + 2 * c) + (x * y) % 13) & 255 for c in range(3)], axis=-1)",
                "print(t.is_bigtiff, p.is_tiled, p.tilewidth, p.tilelength, int(p.compression), a.shape,"
                        + " int((a != exp).sum()))");
        String res = runPython(script, dir);
        assertThat(res).isEqualTo("True True 256 256 " + (compression == TiffSlideWriter.Compression.NONE ? 1 : 8)
                + " (" + h + ", " + w + ", 3) 0");
    }

    @Test
    void tilesMayArriveInAnyOrderAndMissingTilesFail() throws Exception {
        Path out = dir.resolve("partial.tiff");
        TiffSlideWriter writer = TiffSlideWriter.builder(out, 40, 20).tileSize(16).open();
        assertThat(writer.tilesX()).isEqualTo(3);
        assertThat(writer.tilesY()).isEqualTo(2);
        assertThat(writer.validTileWidth(2)).isEqualTo(8);
        assertThat(writer.validTileHeight(1)).isEqualTo(4);
        writer.writeTile(2, 1, new byte[8 * 4 * 3]);
        assertThatThrownBy(() -> writer.writeTile(2, 1, new byte[8 * 4 * 3]))
                .isInstanceOf(IllegalStateException.class).hasMessageContaining("already written");
        assertThatThrownBy(() -> writer.writeTile(0, 0, new byte[5]))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("got 5");
        assertThatThrownBy(writer::close).isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("tile (0, 0)").hasMessageContaining("never written");
        assertThat(out).doesNotExist();
        try (var files = Files.list(dir)) {
            assertThat(files).isEmpty();
        }
    }

    @Test
    void headerIsLittleEndianBigTiff() throws IOException {
        Path out = dir.resolve("one.tiff");
        TiffSlideWriter writer = TiffSlideWriter.builder(out, 16, 16).tileSize(16)
                .compression(TiffSlideWriter.Compression.NONE).open();
        writer.writeTile(0, 0, new byte[16 * 16 * 3]);
        writer.close();
        byte[] b = Files.readAllBytes(out);
        assertThat(new String(b, 0, 2, StandardCharsets.US_ASCII)).isEqualTo("II");
        assertThat(b[2]).isEqualTo((byte) 43);
        assertThat(b[4]).isEqualTo((byte) 8);
        // 16-byte header + one uncompressed 16x16x3 tile, then the IFD
        assertThat(b.length).isGreaterThan(16 + 768);
    }

    @Test
    void badOptionsNameTheValue() {
        Path out = dir.resolve("x.tiff");
        assertThatThrownBy(() -> TiffSlideWriter.builder(out, 10, 10).tileSize(100).open())
                .hasMessageContaining("tileSize").hasMessageContaining("100");
        assertThatThrownBy(() -> TiffSlideWriter.builder(out, 0, 10).open())
                .hasMessageContaining("0 x 10");
        assertThatThrownBy(() -> TiffSlideWriter.Compression.parse("jpeg")).hasMessageContaining("'jpeg'");
    }
}
