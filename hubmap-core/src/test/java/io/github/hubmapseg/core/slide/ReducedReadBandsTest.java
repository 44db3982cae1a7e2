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

    /** An in-memory source that declares a block grid, so reduced reads take the block-by-block path. */
    static final class Blocked extends AbstractImageSource {
        final InMemoryImageSource inner;
        final int bw;
        final int bh;
        int reads;

        Blocked(InMemoryImageSource inner, int bw, int bh) {
            this.inner = inner;
            this.bw = bw;
            this.bh = bh;
        }

        @Override
        protected int blockWidthHint() {
            return bw;
        }

        @Override
        protected int blockHeightHint() {
            return bh;
        }

        @Override
        protected void readValid(long x, long y, int w, int h, byte[] dst, int dstWidth, int dstHeight, int ox,
                                 int oy) throws java.io.IOException {
            reads++;
            // a chunk never straddles a block boundary except at the image/region edges
            assertThat(x % bw == 0 || x == 0 || (x + w) % bw == 0 || x + w == inner.width()).isTrue();
            inner.readValid(x, y, w, h, dst, dstWidth, dstHeight, ox, oy);
        }

        @Override
        public long width() {
            return inner.width();
        }

        @Override
        public long height() {
            return inner.height();
        }

        @Override
        public int channels() {
            return inner.channels();
        }

        @Override
        public SlideInfo info() {
            return inner.info();
        }

        @Override
        public void close() {
        }
    }

    @Test
    void blockByBlockReducedReadEqualsTheBandedOne() throws Exception {
        int w = 5000;
        int h = 1100;
        byte[] p = new byte[w * h * 3];
        SplittableRandom rnd = new SplittableRandom(9);
        for (int i = 0; i < p.length; i++) {
            p[i] = (byte) rnd.nextInt(256);
        }
        InMemoryImageSource plain = new InMemoryImageSource(p, w, h, 3);
        // 512 x 512 RGB blocks: 5 per chunk (4 MB budget), chunks aligned to the block grid: x in [-7, 2048),
        // [2048, 4608), [4608, 5002)
        Blocked blocked = new Blocked(plain, 512, 512);
        for (int r : new int[] {2, 3, 4}) {
            FinalInterval region = FinalInterval.createMinSize(-7, 301, w + 9, h - 250);   // padded left, right, bottom
            byte[] banded = ImageSourceContract.data(plain.read(region, r));
            blocked.reads = 0;
            byte[] byBlocks = ImageSourceContract.data(blocked.read(region, r));
            assertThat(byBlocks).as("reduce %d", r).isEqualTo(banded);
            // 3 block rows (301..511, 512..1023, 1024..1150) x 3 chunks, each read once
            assertThat(blocked.reads).isEqualTo(9);
        }
    }
}
