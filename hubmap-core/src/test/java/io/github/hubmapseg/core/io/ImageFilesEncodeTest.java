package io.github.hubmapseg.core.io;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.github.hubmapseg.testkit.ExternalTools;
import java.awt.image.BufferedImage;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Our own PNG encoder ({@link ImageFiles#png}) read back by two decoders we did not write: the JDK's ImageIO and
 * libpng through OpenCV ({@code cv2.imread(..., IMREAD_UNCHANGED)}, Debian python3-opencv); and the JPEG path
 * ({@link ImageFiles#jpeg(java.io.OutputStream, int[], int, int, int, int, float)}, interleaved RGB bytes) against
 * ImageIO's writer on a {@code TYPE_INT_RGB} image (the way the report wrote tiles before).
 */
class ImageFilesEncodeTest {

    /**
     * Images: width, height, distinct colours (0: random pixels). A single pixel; a thin strip and a 256 x 256 image
     * of random pixels (RGBA/RGB, the latter over 64 KiB of IDAT); an odd size with 200 colours, an overlay-like one
     * with 3 and one with exactly 256 (palette); one with 257 (RGBA/RGB again).
     */
    private static final int[][] IMAGES = {{1, 1, 1}, {300, 3, 0}, {256, 256, 0}, {37, 29, 200}, {256, 256, 3},
        {40, 40, 256}, {40, 40, 257}};

    /** The PNG colour type an image should get: 3 (palette) for at most 256 colours, else 6 (RGBA) or 2 (RGB). */
    private static int colourType(int[] image, boolean alpha) {
        return image[2] >= 1 && image[2] <= 256 ? 3 : alpha ? 6 : 2;
    }

    private static int[] pixels(int n, long seed, int colours) {
        SplittableRandom r = new SplittableRandom(seed);
        int[] pool = new int[Math.max(colours, 1)];
        for (int i = 0; i < pool.length; i++) {
            // distinct in RGB as well as ARGB (the low 9 bits are the index), alpha random (some fully transparent)
            pool[i] = (r.nextInt() & 0xFFFFFE00 | i) & (i % 4 == 0 ? 0x00FFFFFF : 0xFFFFFFFF);
        }
        int[] px = new int[n];
        for (int i = 0; i < n; i++) {
            // every colour at least once, then runs of one colour
            px[i] = colours == 0 ? r.nextInt() : i < colours ? pool[i] : i % 7 == 0 ? pool[r.nextInt(colours)] : px[i - 1];
        }
        return px;
    }

    @Test
    void pngRoundTripsThroughImageIoExactly() throws Exception {
        for (int[] s : IMAGES) {
            for (boolean alpha : new boolean[] {true, false}) {
                int w = s[0];
                int h = s[1];
                int stride = w + 3;
                int off = 5;
                int[] image = pixels(w * h, w * 7L + h, s[2]);
                int[] px = new int[off + stride * h]; // the image inside a larger buffer, with a stride
                for (int y = 0; y < h; y++) {
                    System.arraycopy(image, y * w, px, off + y * stride, w);
                }
                ByteArrayOutputStream bo = new ByteArrayOutputStream();
                ImageFiles.png(bo, px, off, stride, w, h, alpha);
                assertThat(bo.toByteArray()[25]).as("colour type of %s", java.util.Arrays.toString(s))
                        .isEqualTo((byte) colourType(s, alpha));
                BufferedImage img = ImageIO.read(new ByteArrayInputStream(bo.toByteArray()));
                assertThat(img.getWidth()).isEqualTo(w);
                assertThat(img.getHeight()).isEqualTo(h);
                assertThat(img.getColorModel().hasAlpha()).isEqualTo(alpha && (s[2] != 1 || (px[off] >>> 24) != 0xFF));
                for (int y = 0; y < h; y++) {
                    for (int x = 0; x < w; x++) {
                        int want = px[off + y * stride + x];
                        int got = img.getRGB(x, y);
                        if (img.getColorModel() instanceof java.awt.image.IndexColorModel icm) {
                            // a palette entry holds the colour of a transparent pixel too
                            assertThat(icm.getRGB(img.getRaster().getSample(x, y, 0)))
                                    .as("%d x %d alpha %s at (%d, %d)", w, h, alpha, x, y)
                                    .isEqualTo(alpha ? want : want | 0xFF000000);
                        } else if (alpha && (want >>> 24) == 0) {
                            // getRGB goes through the colour model; a fully transparent pixel keeps its colour
                            assertThat(img.getRaster().getPixel(x, y, new int[4])).containsExactly(want >> 16 & 0xFF,
                                    want >> 8 & 0xFF, want & 0xFF, 0);
                        } else {
                            assertThat(got).as("%d x %d alpha %s at (%d, %d)", w, h, alpha, x, y)
                                    .isEqualTo(alpha ? want : want | 0xFF000000);
                        }
                    }
                }
            }
        }
    }

    @Test
    void pngEqualsWhatLibpngDecodes(@TempDir Path dir) throws Exception {
        Path py = ExternalTools.python("python3-opencv python3-numpy", "cv2", "numpy");
        List<String> lines = new ArrayList<>();
        int n = 0;
        for (int[] s : IMAGES) {
            for (boolean alpha : new boolean[] {true, false}) {
                int w = s[0];
                int h = s[1];
                int[] px = pixels(w * h, w * 13L + h, s[2]);
                ByteArrayOutputStream bo = new ByteArrayOutputStream();
                ImageFiles.png(bo, px, 0, w, w, h, alpha);
                Path png = Files.write(dir.resolve(n + ".png"), bo.toByteArray());
                // the expected samples, in OpenCV's order: B, G, R (, A) per pixel
                int c = alpha ? 4 : 3;
                ByteBuffer raw = ByteBuffer.allocate(w * h * c);
                for (int v : px) {
                    raw.put((byte) v).put((byte) (v >> 8)).put((byte) (v >> 16));
                    if (alpha) {
                        raw.put((byte) (v >>> 24));
                    }
                }
                Path exp = Files.write(dir.resolve(n + ".raw"), raw.array());
                lines.add(png + " " + exp + " " + w + " " + h + " " + c);
                n++;
            }
        }
        Path list = Files.write(dir.resolve("list.txt"), lines);
        Path script = Files.writeString(dir.resolve("check.py"), String.join("\n",
                "import sys, cv2, numpy as np",
                "for line in open(sys.argv[1]):",
                "    png, exp, w, h, c = line.split()",
                "    img = cv2.imread(png, cv2.IMREAD_UNCHANGED)",
                "    want = np.fromfile(exp, dtype=np.uint8).reshape(int(h), int(w), int(c))",
                "    img = img.reshape(want.shape) if img is not None else None",
                "    print(png, 'ok' if img is not None and img.dtype == np.uint8 and np.array_equal(img, want) else 'DIFFERENT')",
                ""));
        Process p = new ProcessBuilder(py.toString(), script.toString(), list.toString()).redirectErrorStream(true)
                .start();
        String out = new String(p.getInputStream().readAllBytes()).trim();
        assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
        assertThat(p.exitValue()).as(out).isZero();
        assertThat(out.lines()).hasSize(n).allMatch(l -> l.endsWith(" ok"), out);
    }

    @Test
    void jpegIsTheSameFileAsImageIosFromAnIntRgbImage() throws Exception {
        for (int[] s : IMAGES) {
            int w = s[0];
            int h = s[1];
            int[] px = pixels(w * h, w * 3L + h, s[2]);
            ByteArrayOutputStream ours = new ByteArrayOutputStream();
            ImageFiles.jpeg(ours, px, 0, w, w, h, 0.85f);
            BufferedImage img = new BufferedImage(w, h, BufferedImage.TYPE_INT_RGB);
            img.setRGB(0, 0, w, h, px, 0, w);
            ByteArrayOutputStream theirs = new ByteArrayOutputStream();
            ImageFiles.jpeg(theirs, img, 0.85f); // ImageIO's writer converts the int pixels itself
            assertThat(ours.toByteArray()).as("%d x %d", w, h).isEqualTo(theirs.toByteArray());
        }
    }

    @Test
    void badSizesAndOffsetsAreOneLineErrorsBeforeAnythingIsWritten() {
        ByteArrayOutputStream bo = new ByteArrayOutputStream();
        assertThatThrownBy(() -> ImageFiles.png(bo, new int[4], 0, 2, 0, 2, true))
                .hasMessage("image size must be at least 1 x 1 and at most 268435456 pixels, got 0 x 2");
        assertThatThrownBy(() -> ImageFiles.png(bo, new int[4], 0, 1, 2, 2, true))
                .hasMessage("2 x 2 pixels at offset 0 with stride 1 do not fit in 4 values");
        assertThatThrownBy(() -> ImageFiles.jpeg(bo, new int[4], 1, 2, 2, 2, 0.85f))
                .hasMessage("2 x 2 pixels at offset 1 with stride 2 do not fit in 4 values");
        assertThatThrownBy(() -> ImageFiles.png(bo, new int[4], 0, 1 << 20, 1 << 20, 1 << 9, false))
                .hasMessageContaining("got 1048576 x 512");
        assertThatThrownBy(() -> ImageFiles.jpeg(bo, new int[4], 0, 2, 2, 2, Float.NaN))
                .hasMessage("JPEG quality must be in 0 .. 1, got NaN");
        assertThat(bo.size()).isZero();
    }
}
