package io.github.hubmapseg.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.awt.image.BufferedImage;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/** {@code hubmap info} and {@code hubmap crop} on hubmap-core's TIFF fixtures (written by tifffile). */
class SlideCommandsTest {

    private static final Path FIXTURES = Path.of("..", "hubmap-core", "src", "test", "resources", "tiff");

    @TempDir
    Path dir;

    private final StringWriter out = new StringWriter();
    private final StringWriter err = new StringWriter();

    private int run(String... args) {
        CommandLine cl = HubmapCommand.commandLine();
        cl.setOut(new PrintWriter(out, true));
        cl.setErr(new PrintWriter(err, true));
        return cl.execute(args);
    }

    /** The formula of hubmap-core's make_tiff_fixtures.py. */
    private static int value(long x, long y, int c) {
        return (int) ((3 * x + 7 * y + 85L * c + (x ^ y) % 13) % 256);
    }

    @Test
    void infoPrintsSizeChannelsLayoutCompressionAndBigTiff() {
        int code = run("info", FIXTURES.resolve("planar_tiled64_deflate.tif").toString(),
                FIXTURES.resolve("rgb_bigtiff_strips7.tif").toString());
        assertThat(code).as(err.toString()).isZero();
        String s = out.toString();
        assertThat(s).contains("size:        173 x 99 pixels").contains("channels:    3 x 8 bits")
                .contains("layout:      planar, tiled 64 x 64").contains("compression: deflate")
                .contains("layout:      interleaved, stripped, 7 rows per strip").contains("bigtiff:     yes")
                .contains("bigtiff:     no").contains("reader:      uncompressed");
    }

    @Test
    void cropWritesTheReducedRegionAsRgbPng() throws Exception {
        Path png = dir.resolve("sub/crop.png");
        int code = run("crop", FIXTURES.resolve("rgb_tiled128.tif").toString(), "--x", "100", "--y", "90",
                "--width", "31", "--height", "20", "--reduce", "2", "--out", png.toString());
        assertThat(code).as(err.toString()).isZero();
        assertThat(out.toString()).contains("16 x 10 RGB");
        BufferedImage img = ImageIO.read(png.toFile());
        assertThat(img.getWidth()).isEqualTo(16);
        assertThat(img.getHeight()).isEqualTo(10);
        for (int j = 0; j < 10; j++) {
            for (int i = 0; i < 16; i++) {
                int rgb = img.getRGB(i, j);
                for (int c = 0; c < 3; c++) {
                    int sum = 0;
                    int n = 0;
                    for (int y = 90 + 2 * j; y < Math.min(90 + 2 * j + 2, 110); y++) {
                        for (int x = 100 + 2 * i; x < Math.min(100 + 2 * i + 2, 131); x++) {
                            sum += value(x, y, c);
                            n++;
                        }
                    }
                    int expected = (int) Math.floor(sum / (double) n + 0.5);
                    assertThat((rgb >> (16 - 8 * c)) & 0xFF).as("(%d, %d, %d)", i, j, c).isEqualTo(expected);
                }
            }
        }
        try (var files = Files.list(png.getParent())) {
            assertThat(files).containsExactly(png);   // no temporary file left behind
        }
    }

    @Test
    void cropPartlyOutsideIsPaddedWhite() throws Exception {
        Path png = dir.resolve("edge.png");
        int code = run("crop", FIXTURES.resolve("rgb_strips16.tif").toString(), "--x", "295", "--y", "-2",
                "--width", "10", "--height", "4", "--out", png.toString());
        assertThat(code).as(err.toString()).isZero();
        BufferedImage img = ImageIO.read(png.toFile());
        assertThat(img.getRGB(9, 0) & 0xFFFFFF).isEqualTo(0xFFFFFF);
        assertThat(img.getRGB(0, 1) & 0xFFFFFF).isEqualTo(0xFFFFFF);
        int rgb = img.getRGB(1, 3);
        assertThat(rgb & 0xFFFFFF).isEqualTo((value(296, 1, 0) << 16) | (value(296, 1, 1) << 8) | value(296, 1, 2));
    }

    @Test
    void userMistakesEndInOneClearLine() {
        Path missing = dir.resolve("missing.tiff");
        int code = run("crop", missing.toString(), "--x", "0", "--y", "0", "--width", "8", "--height", "8",
                "--out", dir.resolve("a.png").toString());
        assertThat(code).isNotZero();
        assertThat(err.toString()).startsWith("hubmap: error: " + missing).contains("no such file")
                .doesNotContain("at io.github");
        err.getBuffer().setLength(0);
        code = run("crop", FIXTURES.resolve("rgb_strips16.tif").toString(), "--x", "0", "--y", "0", "--width", "8",
                "--height", "8", "--reduce", "0", "--out", dir.resolve("a.png").toString());
        assertThat(code).isNotZero();
        assertThat(err.toString()).contains("--reduce must be >= 1, got 0");
        err.getBuffer().setLength(0);
        code = run("crop", FIXTURES.resolve("rgb_strips16.tif").toString(), "--x", "0", "--y", "0", "--width", "8",
                "--height", "8", "--out", dir.resolve("a.jpg").toString());
        assertThat(code).isNotZero();
        assertThat(err.toString()).contains("--out must be a .png file");
        assertThat(dir.resolve("a.png")).doesNotExist();
    }
}
