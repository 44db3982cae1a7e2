package io.github.hubmapseg.pipeline.report;

import static org.assertj.core.api.Assertions.assertThat;

import io.github.hubmapseg.testkit.ExternalTools;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@link DeepZoomWriter} against libvips' {@code dzsave} (Debian libvips-tools), an independent Deep Zoom writer, on
 * the same pixels with the same conventions ({@code --tile-size T --overlap 0 --depth onepixel}): the same
 * descriptor values, the same levels and tile names, the same tile sizes, and in PNG the same pixels at every
 * level (libvips shrinks an odd edge by repeating it, which gives our rounded means of the pixels that exist
 * exactly). JPEG tiles come from two different encoders (ImageIO's libjpeg 6b, libvips' libjpeg-turbo), so there
 * the pixels are compared within a tolerance. Transparent PNG tiles we leave out must be fully transparent in
 * libvips' pyramid.
 */
class DeepZoomVipsTest {

    private static final Pattern TILE = Pattern.compile("(\\d+)/(\\d+)_(\\d+)\\.(png|jpeg)");

    private static String run(String... cmd) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.waitFor(120, TimeUnit.SECONDS)).isTrue();
        assertThat(p.exitValue()).as(String.join(" ", cmd) + ": " + out).isZero();
        return out;
    }

    /** Writes the image with {@link DeepZoomWriter} and with vips dzsave; returns vips' {@code _files} folder. */
    private static Path both(Path dir, int[] argb, int w, int h, int bands, int tile, DeepZoomWriter.Format f,
                             String vipsSuffix) throws Exception {
        String vips = ExternalTools.command("libvips-tools", "vips").toString();
        DeepZoomWriter dz = DeepZoomWriter.open(dir.resolve("ours_files"), w, h, tile, f);
        for (int y = 0; y < h; y++) {
            dz.addRow(argb, y * w);
        }
        dz.finish();
        Files.writeString(dir.resolve("ours.dzi"), dz.descriptor());
        byte[] raw = new byte[w * h * bands];
        for (int i = 0; i < w * h; i++) {
            int v = argb[i];
            raw[bands * i] = (byte) (v >> 16);
            raw[bands * i + 1] = (byte) (v >> 8);
            raw[bands * i + 2] = (byte) v;
            if (bands == 4) {
                raw[bands * i + 3] = (byte) (v >>> 24);
            }
        }
        Path in = Files.write(dir.resolve("in.raw"), raw);
        Path v = dir.resolve("in.v");
        run(vips, "rawload", in.toString(), v.toString(), Integer.toString(w), Integer.toString(h),
                Integer.toString(bands));
        run(vips, "dzsave", v.toString(), dir.resolve("vips").toString(), "--tile-size", Integer.toString(tile),
                "--overlap", "0", "--depth", "onepixel", "--suffix", vipsSuffix);
        // the descriptors: the same format, overlap, tile size and size
        for (String attr : List.of("Format", "Overlap", "TileSize", "Width", "Height")) {
            assertThat(attr(dir.resolve("ours.dzi"), attr)).as(attr).isEqualTo(attr(dir.resolve("vips.dzi"), attr));
        }
        return dir.resolve("vips_files");
    }

    private static String attr(Path dzi, String name) throws IOException {
        Matcher m = Pattern.compile(name + "=\"([^\"]*)\"").matcher(Files.readString(dzi));
        assertThat(m.find()).as("%s in %s", name, dzi).isTrue();
        return m.group(1);
    }

    /** The tiles under a {@code _files} folder, as {@code L/c_r.ext}. */
    private static Set<String> tiles(Path files) throws IOException {
        try (Stream<Path> s = Files.walk(files)) {
            return s.filter(Files::isRegularFile).map(p -> files.relativize(p).toString().replace('\\', '/'))
                    .filter(n -> TILE.matcher(n).matches()).collect(Collectors.toCollection(TreeSet::new));
        }
    }

    /** What is checked of one tile of both pyramids: its name, ours, libvips'. */
    private interface TileCheck {
        void check(String name, BufferedImage ours, BufferedImage vips);
    }

    /**
     * Writes the opaque image both ways; the tile names must be the same set of {@code count} tiles, each tile of the
     * same size in both; then {@code check} sees each pair, read by ImageIO.
     */
    private static void eachTile(Path dir, int[] px, int w, int h, int tile, DeepZoomWriter.Format f, String suffix,
                                 int count, TileCheck check) throws Exception {
        Path vips = both(dir, px, w, h, 3, tile, f, suffix);
        Path ours = dir.resolve("ours_files");
        Set<String> names = tiles(ours);
        assertThat(names).isEqualTo(tiles(vips)).hasSize(count);
        for (String n : names) {
            BufferedImage a = ImageIO.read(ours.resolve(n).toFile());
            BufferedImage b = ImageIO.read(vips.resolve(n).toFile());
            assertThat(a.getWidth()).as(n).isEqualTo(b.getWidth());
            assertThat(a.getHeight()).as(n).isEqualTo(b.getHeight());
            check.check(n, a, b);
        }
    }

    private static int[] pixels(int w, int h, long seed, boolean smooth) {
        SplittableRandom r = new SplittableRandom(seed);
        int[] px = new int[w * h];
        for (int y = 0; y < h; y++) {
            for (int x = 0; x < w; x++) {
                // smooth: a PAS-like pink texture that JPEG keeps well; else noise, the hardest case for rounding
                int v = smooth ? 150 + (int) (60 * Math.sin(x / 9.0) * Math.cos(y / 13.0)) + r.nextInt(8)
                        : r.nextInt(256);
                px[y * w + x] = smooth ? 0xFF000000 | v << 16 | (v - 50) << 8 | Math.min(255, v + 30)
                        : 0xFF000000 | r.nextInt(1 << 24);
            }
        }
        return px;
    }

    @Test
    void pngPyramidIsPixelForPixelLibvipsDzsave(@TempDir Path dir) throws Exception {
        int w = 301;
        int h = 203; // odd at every level but the last ones: the edge rule matters at each
        int tile = 64;
        int[] px = pixels(w, h, 11, false);
        // 10 levels: 5x4, 3x2, 2x1 and 7 single tiles
        eachTile(dir, px, w, h, tile, DeepZoomWriter.Format.PNG, ".png", 20 + 6 + 2 + 7, (n, a, b) -> {
            for (int y = 0; y < a.getHeight(); y++) {
                for (int x = 0; x < a.getWidth(); x++) {
                    assertThat(a.getRGB(x, y)).as("%s (%d, %d)", n, x, y).isEqualTo(b.getRGB(x, y));
                }
            }
        });
    }

    @Test
    void transparentTilesLeftOutAreTheOnesLibvipsWritesFullyTransparent(@TempDir Path dir) throws Exception {
        int w = 300;
        int h = 200;
        int tile = 64;
        int[] px = new int[w * h];
        for (int y = 0; y < h; y++) {
            for (int x = 0; x < w; x++) {
                // an overlay: a disk in one colour, alpha 255 inside and 0 outside (its colour kept)
                double dx = x - 90;
                double dy = y - 70;
                px[y * w + x] = 0x00B000 | (dx * dx + dy * dy < 40 * 40 ? 0xFF000000 : 0);
            }
        }
        Path vips = both(dir, px, w, h, 4, tile, DeepZoomWriter.Format.PNG, ".png");
        Path ours = dir.resolve("ours_files");
        Set<String> mine = tiles(ours);
        Set<String> theirs = tiles(vips);
        assertThat(theirs).containsAll(mine);
        assertThat(mine).hasSizeLessThan(theirs.size());
        for (String n : theirs) {
            BufferedImage b = ImageIO.read(vips.resolve(n).toFile());
            BufferedImage a = mine.contains(n) ? ImageIO.read(ours.resolve(n).toFile()) : null;
            boolean anyAlpha = false;
            for (int y = 0; y < b.getHeight(); y++) {
                for (int x = 0; x < b.getWidth(); x++) {
                    int want = b.getRGB(x, y);
                    anyAlpha |= (want >>> 24) != 0;
                    if (a != null && (want >>> 24) != 0) {
                        assertThat(a.getRGB(x, y)).as("%s (%d, %d)", n, x, y).isEqualTo(want);
                    } else if (a != null) {
                        assertThat(a.getRGB(x, y) >>> 24).as("%s (%d, %d) alpha", n, x, y).isZero();
                    }
                }
            }
            assertThat(anyAlpha).as("tile %s written by us: %s", n, mine.contains(n)).isEqualTo(mine.contains(n));
        }
    }

    @Test
    void jpegTilesHaveLibvipsNamesAndSizesAndCloseColours(@TempDir Path dir) throws Exception {
        int w = 530;
        int h = 260;
        int tile = 128;
        int[] px = pixels(w, h, 3, true);
        // 11 levels: 5x3, 3x2, 2x1 and 8 single tiles
        eachTile(dir, px, w, h, tile, DeepZoomWriter.Format.JPEG, ".jpeg[Q=85]", 15 + 6 + 2 + 8, (n, a, b) -> {
            double sum = 0;
            int max = 0;
            for (int y = 0; y < a.getHeight(); y++) {
                for (int x = 0; x < a.getWidth(); x++) {
                    int p = a.getRGB(x, y);
                    int q = b.getRGB(x, y);
                    for (int s = 0; s < 24; s += 8) {
                        int d = Math.abs((p >> s & 0xFF) - (q >> s & 0xFF));
                        sum += d;
                        max = Math.max(max, d);
                    }
                }
            }
            double mean = sum / (3.0 * a.getWidth() * a.getHeight());
            // two quality-85 encoders of the same pixels: about one grey level apart on average
            assertThat(mean).as("%s mean absolute difference (max %d)", n, max).isLessThan(2.0);
        });
    }
}
