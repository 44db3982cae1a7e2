package io.github.hubmapseg.core.slide;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.SplittableRandom;
import net.imglib2.FinalInterval;
import org.junit.jupiter.api.Test;

/** A reduced read larger than one band ({@link AbstractImageSource#REDUCE_BAND_BYTES}) equals the block means. */
class ReducedReadBandsTest {

    @Test
    void reducedReadAcrossManyBandsIsTheBlockMean() throws Exception {
        int w = 2500;
        int h = 1400;
        byte[] p = new byte[w * h * 3];
        SplittableRandom rnd = new SplittableRandom(5);
        for (int i = 0; i < p.length; i++) {
            p[i] = (byte) rnd.nextInt(256);
        }
        assertThat((long) w * h * 3).isGreaterThan(2L * AbstractImageSource.REDUCE_BAND_BYTES);
        try (InMemoryImageSource src = new InMemoryImageSource(p, w, h, 3)) {
            int x0 = -1;
            int y0 = 2;
            int rw = w + 1;
            int rh = h - 1;   // first column and last row padded; last block row partial for r = 2, 4
            for (int r = 2; r <= 4; r++) {
                byte[] d = ImageSourceContract.data(src.read(FinalInterval.createMinSize(x0, y0, rw, rh), r));
                int ow = (rw + r - 1) / r;
                int oh = (rh + r - 1) / r;
                for (int c = 0; c < 3; c++) {
                    for (int j = 0; j < oh; j++) {
                        for (int i = 0; i < ow; i++) {
                            int sum = 0;
                            int n = 0;
                            for (int y = y0 + j * r; y < Math.min(y0 + (j + 1) * r, y0 + rh); y++) {
                                for (int x = x0 + i * r; x < Math.min(x0 + (i + 1) * r, x0 + rw); x++) {
                                    sum += x < 0 || y >= h ? 255 : p[x + w * (y + h * c)] & 0xFF;
                                    n++;
                                }
                            }
                            int e = (sum * 2 + n) / (2 * n);
                            if ((d[i + ow * (j + oh * c)] & 0xFF) != e) {
                                assertThat(d[i + ow * (j + oh * c)] & 0xFF).as("r=%d (%d, %d, %d)", r, i, j, c)
                                        .isEqualTo(e);
                            }
                        }
                    }
                }
            }
        }
    }

    @Test
    void aRegionTooLargeAtFullResolutionMayBeReadReduced() throws Exception {
        // 24000 x 24000 = 576 M pixels: refused at full resolution, accepted reduced 24x (1000 x 1000 output);
        // reading it would scan all 576 M pixels, so only the validation is exercised here
        FinalInterval huge = FinalInterval.createMinSize(0, 0, 24000, 24000);
        try (InMemoryImageSource src = new InMemoryImageSource(new byte[12], 2, 2, 3)) {
            org.assertj.core.api.Assertions.assertThatThrownBy(() -> src.read(huge))
                    .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("24000 x 24000")
                    .hasMessageContaining("too large");
            FinalInterval larger = FinalInterval.createMinSize(0, 0, 100000, 100000);
            org.assertj.core.api.Assertions.assertThatThrownBy(() -> src.read(larger, 2))
                    .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("100000 x 100000 reduced 2x");
        }
        AbstractImageSource.checkRegion(huge, 24);
    }
}
