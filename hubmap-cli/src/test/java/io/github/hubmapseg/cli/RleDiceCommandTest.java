package io.github.hubmapseg.cli;

import static io.github.hubmapseg.cli.CliTests.run;
import static org.assertj.core.api.Assertions.assertThat;

import io.github.hubmapseg.cli.CliTests.Result;
import io.github.hubmapseg.core.rle.Rle;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code hubmap rle encode|decode} and {@code hubmap dice} driven through the real command line. */
class RleDiceCommandTest {

    @TempDir
    Path dir;

    /** A 5 x 3 (width x height) mask written as an 8-bit grey image with the given foreground value. */
    private Path writeMask(String name, String format, int[][] rows, int value) throws IOException {
        int h = rows.length;
        int w = rows[0].length;
        BufferedImage img = new BufferedImage(w, h, BufferedImage.TYPE_BYTE_GRAY);
        for (int y = 0; y < h; y++) {
            for (int x = 0; x < w; x++) {
                img.getRaster().setSample(x, y, 0, rows[y][x] != 0 ? value : 0);
            }
        }
        Path p = dir.resolve(name);
        assertThat(ImageIO.write(img, format, p.toFile())).isTrue();
        return p;
    }

    private static final int[][] A = {
        {1, 0, 0, 1, 1},
        {1, 1, 0, 0, 1},
        {0, 1, 0, 0, 1},
    };

    private static final int[][] B = {
        {1, 0, 0, 0, 1},
        {0, 1, 0, 0, 1},
        {0, 1, 1, 0, 1},
    };

    @Test
    void encodePrintsTheKaggleRleOfPngAndTiff() throws IOException {
        // column-major from 1: col0 rows0-1 -> "1 2", col1 rows1-2 -> "5 2", col3 row0 -> "10 1", col4 -> "13 3"
        Result png = run("rle", "encode", writeMask("a.png", "png", A, 255).toString());
        assertThat(png.code()).isEqualTo(0);
        assertThat(png.out().strip()).isEqualTo("1 2 5 2 10 1 13 3");
        Result tif = run("rle", "encode", writeMask("a.tif", "tiff", A, 1).toString());
        assertThat(tif.code()).as(tif.err()).isEqualTo(0);
        assertThat(tif.out().strip()).isEqualTo("1 2 5 2 10 1 13 3");
    }

    @Test
    void rgbMaskIsForegroundWhereAnyColourIsNonZero() throws IOException {
        BufferedImage img = new BufferedImage(2, 2, BufferedImage.TYPE_INT_ARGB);
        img.setRGB(0, 0, 0xFF000001); // blue 1
        img.setRGB(1, 0, 0x00000000); // transparent black: background
        img.setRGB(0, 1, 0x00FF0000); // red, alpha 0: still foreground (alpha ignored)
        img.setRGB(1, 1, 0xFF000000); // opaque black: background
        Path p = dir.resolve("rgb.png");
        ImageIO.write(img, "png", p.toFile());
        assertThat(run("rle", "encode", p.toString()).out().strip()).isEqualTo("1 2");
    }

    @Test
    void decodeWritesA0255PngThatRoundTrips() throws IOException {
        Path out = dir.resolve("m.png");
        Result r = run("rle", "decode", "--size", "5x3", "1 2 5 2 10 1 13 3", "--out", out.toString());
        assertThat(r.code()).as(r.err()).isEqualTo(0);
        BufferedImage img = ImageIO.read(out.toFile());
        assertThat(img.getWidth()).isEqualTo(5);
        assertThat(img.getHeight()).isEqualTo(3);
        for (int y = 0; y < 3; y++) {
            for (int x = 0; x < 5; x++) {
                assertThat(img.getRaster().getSample(x, y, 0)).as("(%d,%d)", x, y).isEqualTo(A[y][x] * 255);
            }
        }
        try (var files = Files.list(dir)) {
            assertThat(files.map(p -> p.getFileName().toString())).containsExactly("m.png"); // no temp file left
        }
        Path rleFile = dir.resolve("m.rle");
        Files.writeString(rleFile, "13 3 1 2\n");
        Path out2 = dir.resolve("m2.tif");
        assertThat(run("rle", "decode", "--size", "5x3", "--file", rleFile.toString(), "--out", out2.toString()).code())
                .isEqualTo(0);
        assertThat(run("rle", "encode", out2.toString()).out().strip()).isEqualTo("1 2 13 3");
    }

    @Test
    void dicePrintsTheDiceOfTwoMasks() throws IOException {
        Path a = writeMask("a.png", "png", A, 255);
        Path b = writeMask("b.tif", "tiff", B, 1);
        Result r = run("dice", a.toString(), b.toString());
        assertThat(r.code()).as(r.err()).isEqualTo(0);
        // |A| = 8, |B| = 7, |A & B| = 6 (counted by hand)
        assertThat(Double.parseDouble(r.out().strip())).isEqualTo(2.0 * 6 / 15);
        Result c = run("dice", "--counts", a.toString(), a.toString());
        assertThat(c.out()).startsWith("dice 1.0 intersection 8 pred 8 truth 8");
        assertThat(Rle.decode("1 2 5 2 10 1 13 3", 3, 5)).hasSize(15);
    }

    @Test
    void diceOfTwoCsvsIsPerImageAndMean() throws IOException {
        Path sub = dir.resolve("submission.csv");
        Path truth = dir.resolve("truth.csv");
        // image a: pred pixels 1-4, truth 3-6 -> 2*2/8 = 0.5; image b: identical -> 1.0 (computed by hand)
        java.nio.file.Files.writeString(sub, "id,predicted\na,1 4\nb,10 3\n");
        java.nio.file.Files.writeString(truth, "id,encoding\na,3 4\nb,10 3\n");
        Result r = run("dice", sub.toString(), truth.toString());
        assertThat(r.code()).as(r.err()).isEqualTo(0);
        assertThat(r.out()).contains("a 0.500000").contains("b 1.000000").contains("mean 0.750000");
        Result mixed = run("dice", sub.toString(), writeMask("m.png", "png", A, 255).toString());
        assertThat(mixed.code()).isNotZero();
        assertThat(mixed.err()).contains("compare two masks or two CSVs");
        Path absent = dir.resolve("absent.csv");
        Result missing = run("dice", absent.toString(), truth.toString());
        assertThat(missing.code()).isNotZero();
        assertThat(missing.err().lines().findFirst().orElse("")).isEqualTo("hubmap: error: " + absent + ": no such file");
    }

    @Test
    void badInputEndsInOneClearErrorLine() throws IOException {
        Result r = run("rle", "decode", "--size", "5x3", "1 2 5", "--out", dir.resolve("x.png").toString());
        assertThat(r.code()).isNotZero();
        String first = r.err().lines().findFirst().orElse("");
        assertThat(first).startsWith("hubmap: error: RLE has an odd number of tokens (3)").contains("#3 '5'");
        assertThat(r.err()).doesNotContain("\tat ").doesNotContain("Exception");
        assertThat(Files.exists(dir.resolve("x.png"))).isFalse();

        Result size = run("rle", "decode", "--size", "5by3", "1 2", "--out", dir.resolve("y.png").toString());
        assertThat(size.code()).isNotZero();
        assertThat(size.err().lines().findFirst().orElse("")).contains("--size must be WIDTHxHEIGHT").contains("'5by3'");

        Path a = writeMask("a.png", "png", A, 255);
        Path small = writeMask("s.png", "png", new int[][] {{1}}, 255);
        Result dice = run("dice", a.toString(), small.toString());
        assertThat(dice.code()).isNotZero();
        assertThat(dice.err().lines().findFirst().orElse("")).contains("same size").contains("5x3").contains("1x1");

        Result missing = run("dice", dir.resolve("nope.png").toString(), a.toString());
        assertThat(missing.code()).isNotZero();
        assertThat(missing.err().lines().findFirst().orElse("")).startsWith("hubmap: error:").contains("nope.png");
    }
}
