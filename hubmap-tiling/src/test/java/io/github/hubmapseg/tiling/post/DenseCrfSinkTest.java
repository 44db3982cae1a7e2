package io.github.hubmapseg.tiling.post;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.github.hubmapseg.core.slide.InMemoryImageSource;
import io.github.hubmapseg.tiling.sink.RowSink;
import java.io.IOException;
import org.junit.jupiter.api.Test;

/** The streamed, patched CRF: same values as one CRF over the reduced slide where one patch covers it, rows in order. */
class DenseCrfSinkTest {

    /** Collects level-0 rows, checking they come in order and each once. */
    static final class Collect implements RowSink {
        float[] all;
        int width;
        long nextRow;
        boolean ended;

        @Override
        public void begin(long w, long h) {
            width = (int) w;
            all = new float[(int) (w * h)];
        }

        @Override
        public void accept(long y0, int rows, float[] band) {
            assertThat(y0).isEqualTo(nextRow);
            System.arraycopy(band, 0, all, (int) y0 * width, rows * width);
            nextRow += rows;
        }

        @Override
        public void end() {
            ended = true;
        }
    }

    static void feed(RowSink s, float[] p, int w, int h, int band) throws IOException {
        s.begin(w, h);
        for (int y = 0; y < h; y += band) {
            int n = Math.min(band, h - y);
            float[] b = new float[n * w];
            System.arraycopy(p, y * w, b, 0, n * w);
            s.accept(y, n, b);
        }
        s.end();
    }

    @Test
    void onePatchOverTheSlideEqualsTheCrfOfTheReducedSlideRepeated() throws IOException {
        int rw = 23, rh = 19, r = 2;
        int w = rw * r - 1, h = rh * r - 1; // odd level-0 size: the last block is partial
        byte[] red = new byte[3 * rw * rh];
        float[] pr = DenseCrfTest.patch(rw, rh, 11, red)[0];
        // level-0 slide whose r x r blocks hold the reduced values: the block means are those values again
        byte[] rgb = new byte[3 * w * h];
        float[] p = new float[w * h];
        for (int c = 0; c < 3; c++) {
            for (int y = 0; y < h; y++) {
                for (int x = 0; x < w; x++) {
                    rgb[x + w * (y + h * c)] = red[x / r + rw * (y / r + rh * c)];
                    p[y * w + x] = pr[(y / r) * rw + x / r];
                }
            }
        }
        DenseCrf crf = DenseCrf.TEAM_B;
        float[] expected = crf.infer(pr, red, rw, rh);
        Collect out = new Collect();
        DenseCrfSink s = new DenseCrfSink(crf, new InMemoryImageSource(rgb, w, h, 3), r, 64, 16, out);
        feed(s, p, w, h, 5);
        assertThat(out.ended).isTrue();
        assertThat(out.nextRow).isEqualTo(h);
        assertThat(s.patches()).isEqualTo(1);
        for (int y = 0; y < h; y++) {
            for (int x = 0; x < w; x++) {
                assertThat(out.all[y * w + x]).as("x %d y %d", x, y).isCloseTo(expected[(y / r) * rw + x / r],
                        org.assertj.core.data.Offset.offset(1e-6f));
            }
        }
    }

    @Test
    void overlappingPatchesAgreeWithOnePatchWhereTheKernelsAreLocal() throws IOException {
        int w = 90, h = 70;
        byte[] rgb = new byte[3 * w * h];
        float[] p = DenseCrfTest.patch(w, h, 5, rgb)[0];
        DenseCrf local = new DenseCrf(1.5, 3, 4, 13, 5, 5); // kernels of a few pixels: 16 px margins (4 sigma) suffice
        Collect whole = new Collect();
        feed(new DenseCrfSink(local, new InMemoryImageSource(rgb, w, h, 3), 1, 128, 0, whole), p, w, h, 7);
        Collect tiled = new Collect();
        DenseCrfSink s = new DenseCrfSink(local, new InMemoryImageSource(rgb, w, h, 3), 1, 48, 32, tiled);
        feed(s, p, w, h, 7);
        assertThat(s.patches()).isEqualTo(4L * 3); // x starts 0, 16, 32, 48 (48 + 48 reaches 90); y 0, 16, 32
        int agree = 0;
        double maxDiff = 0;
        for (int i = 0; i < w * h; i++) {
            agree += (whole.all[i] > 0.5) == (tiled.all[i] > 0.5) ? 1 : 0;
            maxDiff = Math.max(maxDiff, Math.abs(whole.all[i] - tiled.all[i]));
        }
        assertThat((double) agree / (w * h)).isGreaterThan(0.999);
        System.out.println("tiled vs whole CRF: max diff " + maxDiff + ", MAP agreement " + agree);
        assertThat(maxDiff).isLessThan(0.2); // 0.11 measured: the lattice differs from patch to patch
    }

    /** Patches in parallel give the single-threaded result bit for bit: many patches per strip, 1, 2, 3, 5 threads. */
    @Test
    void patchesInParallelEqualTheSingleThreadedRunBitForBit() throws IOException {
        int w = 150, h = 75;
        byte[] rgb = new byte[3 * w * h];
        float[] p = DenseCrfTest.patch(w, h, 9, rgb)[0];
        DenseCrf crf = new DenseCrf(3, 3, 20, 13, 10, 5);
        Collect one = new Collect();
        DenseCrfSink s1 = new DenseCrfSink(crf, new InMemoryImageSource(rgb, w, h, 3), 1, 32, 8, 1, one);
        feed(s1, p, w, h, 9);
        assertThat(s1.patches()).isEqualTo(6L * 3); // columns 0, 24, ..., 120 (120 + 32 > 150); rows 0, 24, 48
        for (int t : new int[] {2, 3, 5}) {
            Collect par = new Collect();
            DenseCrfSink st = new DenseCrfSink(crf, new InMemoryImageSource(rgb, w, h, 3), 1, 32, 8, t, par);
            feed(st, p, w, h, 9);
            assertThat(st.threads()).isEqualTo(t);
            assertThat(st.patches()).isEqualTo(s1.patches());
            for (int i = 0; i < w * h; i++) {
                assertThat(Float.floatToRawIntBits(par.all[i])).as("%d threads, pixel %d", t, i)
                        .isEqualTo(Float.floatToRawIntBits(one.all[i]));
            }
        }
        assertThatThrownBy(() -> new DenseCrfSink(crf, new InMemoryImageSource(rgb, w, h, 3), 1, 32, 8, 0, one))
                .hasMessageContaining("CRF threads must be >= 1, got 0");
    }

    /**
     * The memory plan's per-pixel bytes ({@link DenseCrf#BYTES_PER_PIXEL}) bound what one patch's inference allocates
     * (the JVM's allocation counter of this thread), and {@link DenseCrfSink#plannedBytes} grows with the threads.
     */
    @Test
    void thePlannedBytesBoundWhatAPatchAllocates() {
        int w = 160, h = 120;
        byte[] rgb = new byte[3 * w * h];
        float[] p = DenseCrfTest.patch(w, h, 4, rgb)[0];
        var mx = (com.sun.management.ThreadMXBean) java.lang.management.ManagementFactory.getThreadMXBean();
        DenseCrf.TEAM_B.infer(p, rgb, w, h); // warm up
        long before = mx.getThreadAllocatedBytes(Thread.currentThread().getId());
        DenseCrf.TEAM_B.infer(p, rgb, w, h);
        long used = mx.getThreadAllocatedBytes(Thread.currentThread().getId()) - before;
        System.out.println("CRF patch " + w + "x" + h + ": allocated " + used / (w * h) + " bytes per pixel, planned "
                + DenseCrf.BYTES_PER_PIXEL);
        assertThat(used).isGreaterThan(50L * w * h).isLessThanOrEqualTo((long) DenseCrf.BYTES_PER_PIXEL * w * h);
        long one = DenseCrfSink.plannedBytes(30000, 2, 2560, 512, 1);
        long four = DenseCrfSink.plannedBytes(30000, 2, 2560, 512, 4);
        assertThat(four - one).isEqualTo(3L * 1280 * 1280 * (DenseCrf.BYTES_PER_PIXEL + 14));
    }

    @Test
    void badGeometryIsRefusedNamingTheValue() {
        InMemoryImageSource s = new InMemoryImageSource(new byte[3 * 16], 4, 4, 3);
        assertThatThrownBy(() -> new DenseCrfSink(DenseCrf.TEAM_B, s, 2, 101, 0, new Collect()))
                .hasMessageContaining("multiple of reduce=2").hasMessageContaining("got 101");
        assertThatThrownBy(() -> new DenseCrfSink(DenseCrf.TEAM_B, s, 2, 100, 100, new Collect()))
                .hasMessageContaining("overlap must be").hasMessageContaining("got 100");
        assertThatThrownBy(() -> new DenseCrfSink(DenseCrf.TEAM_B, s, 1, 10, 0, new Collect()).begin(5, 4))
                .hasMessageContaining("rows are 5 x 4 but the slide is 4 x 4");
        assertThatThrownBy(() -> new DenseCrfSink(DenseCrf.TEAM_B,
                new InMemoryImageSource(new byte[16], 4, 4, 1), 1, 10, 0, new Collect()))
                .hasMessageContaining("needs an RGB slide, got 1 channel");
    }
}
