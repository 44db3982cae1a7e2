package io.github.hubmapseg.core.slide;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import net.imglib2.FinalInterval;
import net.imglib2.Interval;
import net.imglib2.img.array.ArrayImg;
import net.imglib2.img.basictypeaccess.array.ByteArray;
import net.imglib2.type.numeric.integer.UnsignedByteType;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The contract every {@link ImageSource} passes: a subclass says how to open the source and what every
 * pixel must be; the suite compares every pixel of whole-image, boundary-crossing, padded, reduced and
 * concurrent reads.
 */
abstract class ImageSourceContract {

    /** Opens the source under test (a new instance per test). */
    protected abstract ImageSource open() throws IOException;

    /** The expected full-resolution value of pixel (x, y) of channel c. */
    protected abstract int expected(long x, long y, int c);

    /** Expected width, height, channels. */
    protected abstract long[] expectedShape();

    /** Largest allowed difference to {@link #expected} (0: lossless). */
    protected int tolerance() {
        return 0;
    }

    protected ImageSource source;

    @BeforeEach
    void openSource() throws IOException {
        source = open();
    }

    @AfterEach
    void closeSource() throws IOException {
        source.close();
    }

    static byte[] data(ArrayImg<UnsignedByteType, ByteArray> img) {
        return img.update(null).getCurrentStorageArray();
    }

    /** Asserts every pixel of {@code img}, read from {@code region}, with padding outside the image. */
    void assertRegion(Interval region, ArrayImg<UnsignedByteType, ByteArray> img) {
        int w = (int) region.dimension(0);
        int h = (int) region.dimension(1);
        int c = source.channels();
        assertThat(img.dimensionsAsLongArray()).containsExactly(w, h, c);
        byte[] d = data(img);
        int worst = 0;
        String where = "";
        for (int ch = 0; ch < c; ch++) {
            for (int j = 0; j < h; j++) {
                long y = region.min(1) + j;
                for (int i = 0; i < w; i++) {
                    long x = region.min(0) + i;
                    boolean inside = x >= 0 && y >= 0 && x < source.width() && y < source.height();
                    int e = inside ? expected(x, y, ch) : source.fillValue();
                    int diff = Math.abs((d[i + w * (j + h * ch)] & 0xFF) - e);
                    int allowed = inside ? tolerance() : 0;
                    if (diff > allowed && diff > worst) {
                        worst = diff;
                        where = "(x=" + x + ", y=" + y + ", c=" + ch + ") read " + (d[i + w * (j + h * ch)] & 0xFF)
                                + ", expected " + e;
                    }
                }
            }
        }
        assertThat(worst).as("largest difference beyond tolerance in %s at %s", region, where).isZero();
    }

    List<Interval> insideRegions() {
        long w = source.width();
        long h = source.height();
        List<Interval> rs = new ArrayList<>();
        rs.add(FinalInterval.createMinSize(0, 0, w, h));
        rs.add(FinalInterval.createMinSize(0, 0, 1, 1));
        rs.add(FinalInterval.createMinSize(w - 1, h - 1, 1, 1));
        rs.add(FinalInterval.createMinSize(17, 13, Math.min(64, w - 17), Math.min(50, h - 13)));
        rs.add(FinalInterval.createMinSize(63, 63, 2, 2));                        // 64-tile corner
        rs.add(FinalInterval.createMinSize(w / 2, 14, w - w / 2, 5));             // crosses strip row 16
        rs.add(FinalInterval.createMinSize(0, 14, w, Math.min(40, h - 14)));      // full-width rows
        rs.add(FinalInterval.createMinSize(5, 0, 3, h));                          // narrow column
        rs.add(FinalInterval.createMinSize(w - 40, h - 30, 40, 30));              // last partial tiles
        return rs;
    }

    @Test
    void shapeAndInfoAgree() {
        long[] shape = expectedShape();
        assertThat(new long[] {source.width(), source.height(), source.channels()}).containsExactly(shape);
        SlideInfo info = source.info();
        assertThat(info.width()).isEqualTo(source.width());
        assertThat(info.height()).isEqualTo(source.height());
        assertThat(info.channels()).isEqualTo(source.channels());
        assertThat(info.bitsPerSample()).isEqualTo(8);
    }

    @Test
    void regionsInsideMatchEveryPixel() throws IOException {
        for (Interval r : insideRegions()) {
            assertRegion(r, source.read(r));
        }
    }

    @Test
    void regionsPartlyOrWhollyOutsideArePaddedWithFillValue() throws IOException {
        long w = source.width();
        long h = source.height();
        List<Interval> rs = List.of(
                FinalInterval.createMinSize(-5, h - 7, 40, 20),
                FinalInterval.createMinSize(w - 3, -4, 10, 9),
                FinalInterval.createMinSize(-10, -10, w + 20, h + 20),
                FinalInterval.createMinSize(w + 10, h + 10, 8, 8),
                FinalInterval.createMinSize(-100, 3, 50, 2));
        for (Interval r : rs) {
            assertRegion(r, source.read(r));
        }
    }

    @Test
    void reducedReadIsTheRoundedBlockMeanOfTheFullResolutionRead() throws IOException {
        long w = source.width();
        long h = source.height();
        List<Interval> rs = List.of(
                FinalInterval.createMinSize(0, 0, w, h),
                FinalInterval.createMinSize(7, 3, Math.min(101, w - 7), Math.min(67, h - 3)),
                FinalInterval.createMinSize(w - 20, h - 11, 33, 25));   // partly outside
        for (Interval r : rs) {
            int rw = (int) r.dimension(0);
            int rh = (int) r.dimension(1);
            byte[] full = data(source.read(r));
            for (int k = 2; k <= 4; k++) {
                ArrayImg<UnsignedByteType, ByteArray> img = source.read(r, k);
                int ow = (rw + k - 1) / k;
                int oh = (rh + k - 1) / k;
                assertThat(img.dimensionsAsLongArray()).containsExactly(ow, oh, source.channels());
                byte[] d = data(img);
                for (int c = 0; c < source.channels(); c++) {
                    for (int j = 0; j < oh; j++) {
                        for (int i = 0; i < ow; i++) {
                            int sum = 0;
                            int n = 0;
                            for (int y = j * k; y < Math.min((j + 1) * k, rh); y++) {
                                for (int x = i * k; x < Math.min((i + 1) * k, rw); x++) {
                                    sum += full[x + rw * (y + rh * c)] & 0xFF;
                                    n++;
                                }
                            }
                            int e = (int) Math.floor(sum / (double) n + 0.5);
                            assertThat(d[i + ow * (j + oh * c)] & 0xFF)
                                    .as("reduce %d of %s at (%d, %d, %d)", k, r, i, j, c).isEqualTo(e);
                        }
                    }
                }
            }
        }
    }

    @Test
    void concurrentReadsReturnTheSamePixels() throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(4);
        try {
            List<Future<?>> fs = new ArrayList<>();
            for (int t = 0; t < 4; t++) {
                long seed = t;
                fs.add(pool.submit(() -> {
                    Random rnd = new Random(seed);
                    for (int k = 0; k < 12; k++) {
                        long x = rnd.nextInt((int) source.width() + 20) - 10;
                        long y = rnd.nextInt((int) source.height() + 20) - 10;
                        Interval r = FinalInterval.createMinSize(x, y, 1 + rnd.nextInt(70), 1 + rnd.nextInt(70));
                        assertRegion(r, source.read(r));
                    }
                    return null;
                }));
            }
            for (Future<?> f : fs) {
                f.get();
            }
        } finally {
            pool.shutdownNow();
        }
    }

    @Test
    void badRegionsAreRejectedWithTheirValue() {
        assertThatThrownBy(() -> source.read(FinalInterval.createMinSize(0, 0, 4, 4), 0))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("reduce must be >= 1, got 0");
        assertThatThrownBy(() -> source.read(new FinalInterval(new long[] {0, 0, 0}, new long[] {1, 1, 1})))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("2-D");
        assertThatThrownBy(() -> source.read(new FinalInterval(new long[] {5, 5}, new long[] {4, 9})))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("non-empty");
    }

    /**
     * Sources that read interleaved rows ({@link AbstractImageSource#readsInterleaved}: uncompressed chunky TIFFs)
     * copy every pixel of in-image rectangles to {@code dst[(oy + j) * rowStride + (ox + i) * C + c]}, leave the
     * rest of the destination alone, and refuse rectangles outside the image or the destination with their
     * numbers; the others refuse to read them so.
     */
    @Test
    void interleavedReadsCopyEveryPixelOrAreRefused() throws IOException {
        if (!(source instanceof AbstractImageSource a)) {
            return;
        }
        long w = source.width();
        long h = source.height();
        int c = source.channels();
        if (!a.readsInterleaved()) {
            assertThatThrownBy(() -> a.readInterleavedInto(0, 0, 1, 1, new byte[c], c, 0, 0))
                    .isInstanceOf(UnsupportedOperationException.class).hasMessageContaining("interleaved");
            return;
        }
        int rw = (int) Math.min(w, 700);
        int rh = (int) Math.min(h, 300);
        int qw = Math.max(1, rw / 2);
        int qh = Math.max(1, rh / 3);
        long[][] rects = {{0, 0, rw, rh}, {w - qw, h - qh, qw, qh}, {w / 3, h / 5, 1, 1},
            {Math.max(0, w / 2 - 37), Math.max(0, h / 2 - 5), Math.min(w, 75), Math.min(h, 11)}};
        for (long[] r : rects) {
            int ox = 3;
            int oy = 2;
            int stride = (int) (r[2] + ox + 5) * c;
            byte[] dst = new byte[(int) (r[3] + oy + 1) * stride];
            java.util.Arrays.fill(dst, (byte) 0x5A);
            a.readInterleavedInto(r[0], r[1], (int) r[2], (int) r[3], dst, stride, ox, oy);
            for (int j = 0; j < r[3] + oy + 1; j++) {
                for (int i = 0; i < stride / c; i++) {
                    for (int ch = 0; ch < c; ch++) {
                        boolean in = j >= oy && j < oy + r[3] && i >= ox && i < ox + r[2];
                        int want = in ? expected(r[0] + i - ox, r[1] + j - oy, ch) : 0x5A;
                        assertThat(dst[j * stride + i * c + ch] & 0xFF).as("rect %s at (%d, %d, %d)",
                                java.util.Arrays.toString(r), i, j, ch).isEqualTo(want);
                    }
                }
            }
        }
        assertThatThrownBy(() -> a.readInterleavedInto(w - 1, 0, 2, 1, new byte[4 * c], 2 * c, 0, 0))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("x=" + (w - 1))
                .hasMessageContaining("inside the " + w + " x " + h + " image");
        assertThatThrownBy(() -> a.readInterleavedInto(0, 0, 2, 2, new byte[4 * c], 2 * c - 1, 0, 0))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("rows of " + (2 * c - 1) + " bytes");
        assertThatThrownBy(() -> a.readInterleavedInto(0, 0, 2, 2, new byte[3 * c], 2 * c, 0, 0))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("in " + 3 * c + " bytes");
    }
}
