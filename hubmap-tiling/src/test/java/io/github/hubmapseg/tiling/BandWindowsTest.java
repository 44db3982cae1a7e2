package io.github.hubmapseg.tiling;

import static org.assertj.core.api.Assertions.assertThat;

import io.github.hubmapseg.core.slide.AbstractImageSource;
import io.github.hubmapseg.core.slide.ImageSource;
import io.github.hubmapseg.core.slide.ImageSources;
import io.github.hubmapseg.core.slide.InMemoryImageSource;
import io.github.hubmapseg.testkit.ExternalTools;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The windows that the read-ahead band assembles with the engine's byte -> float kernel (the Vector API's in the
 * tests) against independent references: each window equals the crop of OpenCV's
 * {@code copyMakeBorder(BORDER_REFLECT_101)} of the image, for a chunky (interleaved) TIFF written by tifffile
 * (the ring holds the rows as stored and the kernel deinterleaves) and the same pixels in memory (planar ring),
 * with 1, 3 and 4 channels, an odd width (vector tails in every row) and windows crossing every border.
 */
class BandWindowsTest {

    static final int W = 77;
    static final int H = 53;
    static final int PAD = 30;

    @Test
    void bandWindowsEqualOpenCvsReflect101Crops(@TempDir Path dir) throws Exception {
        Path py = ExternalTools.python("python3-opencv python3-numpy python3-tifffile", "cv2", "numpy", "tifffile");
        Path script = dir.resolve("ref.py");
        Files.writeString(script, """
                import sys, numpy as np, cv2, tifffile
                raw, tif, padded = sys.argv[1:4]
                w, h, c, p = (int(v) for v in sys.argv[4:8])
                a = np.fromfile(raw, dtype=np.uint8).reshape(h, w, c)
                tifffile.imwrite(tif, a if c > 1 else a[:, :, 0], photometric='rgb' if c >= 3 else 'minisblack',
                                 extrasamples=[2] if c == 4 else None, tile=(16, 16))
                r = cv2.copyMakeBorder(a, p, p, p, p, cv2.BORDER_REFLECT_101).reshape(h + 2 * p, w + 2 * p, c)
                r.transpose(2, 0, 1).astype(np.uint8).tofile(padded)
                """);
        TileGrid g = new TileGrid(W, H, 16, 12, 7);
        int win = g.windowSize();
        for (int ch : new int[] {1, 3, 4}) {
            byte[] chunky = new byte[W * H * ch];
            new Random(ch).nextBytes(chunky);
            Path raw = dir.resolve("img" + ch + ".raw");
            Path tif = dir.resolve("img" + ch + ".tif");
            Path pad = dir.resolve("pad" + ch + ".raw");
            Files.write(raw, chunky);
            Process pr = new ProcessBuilder(List.of(py.toString(), script.toString(), raw.toString(), tif.toString(),
                    pad.toString(), "" + W, "" + H, "" + ch, "" + PAD)).redirectErrorStream(true).start();
            String log = new String(pr.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            assertThat(pr.waitFor(120, TimeUnit.SECONDS)).isTrue();
            assertThat(pr.exitValue()).as(log).isZero();
            byte[] padded = Files.readAllBytes(pad);
            int pw = W + 2 * PAD;
            int ph = H + 2 * PAD;
            byte[] planar = new byte[chunky.length];
            for (int k = 0; k < W * H; k++) {
                for (int c = 0; c < ch; c++) {
                    planar[k + W * H * c] = chunky[k * ch + c];
                }
            }
            try (ImageSource file = ImageSources.open(tif)) {
                assertThat(((AbstractImageSource) file).readsInterleaved()).isTrue();
                for (ImageSource src : List.of(file, new InMemoryImageSource(planar, W, H, ch))) {
                    int[] perRow = new int[g.rows()];
                    Arrays.fill(perRow, g.cols());
                    try (ReadAheadBand band = new ReadAheadBand(src, g, perRow, 1, false)) {
                        float[] dst = new float[5 + win * win * ch];
                        for (int r = 0; r < g.rows(); r++) {
                            band.acquire(r);
                            for (int c = 0; c < g.cols(); c++) {
                                band.window(r, c, dst, 5);
                                long x0 = g.startsX()[c] - g.expand();
                                long y0 = g.startsY()[r] - g.expand();
                                for (int k = 0; k < ch; k++) {
                                    for (int j = 0; j < win; j++) {
                                        for (int i = 0; i < win; i++) {
                                            int want = padded[(int) ((x0 + PAD + i) + pw * ((y0 + PAD + j) + (long) ph * k))]
                                                    & 0xFF;
                                            float got = dst[5 + i + win * (j + win * k)];
                                            if (got != want) {
                                                throw new AssertionError(src + " C " + ch + " window (" + r + ", " + c
                                                        + ") at (" + i + ", " + j + ", " + k + "): " + got + " vs " + want);
                                            }
                                        }
                                    }
                                }
                                band.release(r);
                            }
                        }
                    }
                }
            }
        }
    }
}
