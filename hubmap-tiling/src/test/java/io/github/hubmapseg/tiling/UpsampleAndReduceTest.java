package io.github.hubmapseg.tiling;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.github.hubmapseg.core.slide.InMemoryImageSource;
import io.github.hubmapseg.tiling.sink.MaskRowSink;
import io.github.hubmapseg.tiling.sink.RowSink;
import io.github.hubmapseg.tiling.sink.UpsampleSinks;
import java.util.SplittableRandom;
import net.imglib2.FinalInterval;
import org.junit.jupiter.api.Test;

class UpsampleAndReduceTest {

    @Test
    void maskRowsAreRepeatedToFullResolutionInAnyBanding() throws Exception {
        int fw = 23;
        int fh = 17;
        int r = 3;
        int rw = 8;
        int rh = 6;
        byte[] reduced = new byte[rw * rh];
        SplittableRandom rnd = new SplittableRandom(1);
        for (int i = 0; i < reduced.length; i++) {
            reduced[i] = (byte) rnd.nextInt(2);
        }
        byte[] got = new byte[fw * fh];
        boolean[] seen = new boolean[fh];
        MaskRowSink collect = new MaskRowSink() {
            @Override
            public void begin(long w, long h) {
                assertThat(w).isEqualTo(fw);
                assertThat(h).isEqualTo(fh);
            }

            @Override
            public void accept(long y0, int rows, byte[] band) {
                for (int y = 0; y < rows; y++) {
                    assertThat(seen[(int) y0 + y]).isFalse();
                    seen[(int) y0 + y] = true;
                }
                System.arraycopy(band, 0, got, (int) y0 * fw, rows * fw);
            }
        };
        MaskRowSink up = UpsampleSinks.mask(fw, fh, r, collect);
        up.begin(rw, rh);
        // bands of 2, 1, 3 reduced rows
        int[] bands = {2, 1, 3};
        int y = 0;
        for (int b : bands) {
            byte[] band = new byte[b * rw];
            System.arraycopy(reduced, y * rw, band, 0, b * rw);
            up.accept(y, b, band);
            y += b;
        }
        up.end();
        for (int fy = 0; fy < fh; fy++) {
            assertThat(seen[fy]).isTrue();
            for (int fx = 0; fx < fw; fx++) {
                assertThat(got[fy * fw + fx]).isEqualTo(reduced[(fy / r) * rw + fx / r]);
            }
        }
        assertThatThrownBy(() -> UpsampleSinks.mask(fw, fh, r, collect).begin(9, 6))
                .hasMessageContaining("expected 8x6");
    }

    @Test
    void probabilityRowsAreRepeatedToo() throws Exception {
        float[] reduced = {0.1f, 0.9f, 0.4f, 0.6f};
        float[] got = new float[9];
        RowSink up = UpsampleSinks.probabilities(3, 3, 2, (y0, rows, band) ->
                System.arraycopy(band, 0, got, (int) y0 * 3, rows * 3));
        up.begin(2, 2);
        up.accept(0, 2, reduced);
        assertThat(got).containsExactly(0.1f, 0.1f, 0.9f, 0.1f, 0.1f, 0.9f, 0.4f, 0.4f, 0.6f);
    }

    @Test
    void reducedViewReadsBlockMeansOfTheSource() throws Exception {
        int w = 50;
        int h = 31;
        byte[] px = new byte[w * h * 3];
        new SplittableRandom(2).nextBytes(px);
        try (InMemoryImageSource src = new InMemoryImageSource(px, w, h, 3)) {
            ReducedImageSource v = new ReducedImageSource(src, 4);
            assertThat(v.width()).isEqualTo(13);
            assertThat(v.height()).isEqualTo(8);
            FinalInterval region = FinalInterval.createMinSize(2, 1, 10, 7);
            byte[] got = v.read(region).update(null).getCurrentStorageArray();
            // the region's last view row is cut by the slide's bottom edge (rows 28..30 of 31): clipped, not filled
            byte[] expect = src.read(FinalInterval.createMinSize(8, 4, 40, 27), 4).update(null).getCurrentStorageArray();
            assertThat(got).isEqualTo(expect);
            byte[] got2 = v.read(region, 2).update(null).getCurrentStorageArray();
            assertThat(got2).isEqualTo(src.read(FinalInterval.createMinSize(8, 4, 40, 27), 8).update(null)
                    .getCurrentStorageArray());
        }
    }

    @Test
    void blocksCutByTheSlideEdgeAverageOnlyThePixelsInside() throws Exception {
        // a dark 10 x 7 slide: the edge blocks of a 4x view must stay dark (no fill value 255 averaged in)
        int w = 10;
        int h = 7;
        byte[] px = new byte[w * h];
        for (int i = 0; i < px.length; i++) {
            px[i] = (byte) (i % 5 * 10);
        }
        try (InMemoryImageSource src = new InMemoryImageSource(px, w, h, 1)) {
            for (int r : new int[] {2, 3, 4}) {
                ReducedImageSource v = new ReducedImageSource(src, r);
                int vw = (int) v.width();
                int vh = (int) v.height();
                byte[] got = v.read(FinalInterval.createMinSize(0, 0, vw, vh)).update(null).getCurrentStorageArray();
                for (int by = 0; by < vh; by++) {
                    for (int bx = 0; bx < vw; bx++) {
                        int acc = 0;
                        int cnt = 0;
                        for (int y = by * r; y < Math.min(h, by * r + r); y++) {
                            for (int x = bx * r; x < Math.min(w, bx * r + r); x++) {
                                acc += px[y * w + x] & 0xFF;
                                cnt++;
                            }
                        }
                        assertThat(got[by * vw + bx] & 0xFF).as("reduce %d block (%d, %d)", r, bx, by)
                                .isEqualTo((acc * 2 + cnt) / (2 * cnt));
                    }
                }
                // a reduced read of the view: blocks of r*2 source pixels, the edge ones clipped as well
                byte[] got2 = v.read(FinalInterval.createMinSize(0, 0, vw, vh), 2).update(null)
                        .getCurrentStorageArray();
                byte[] expect2 = src.read(FinalInterval.createMinSize(0, 0, w, h), 2 * r).update(null)
                        .getCurrentStorageArray();
                assertThat(got2).isEqualTo(expect2);
            }
        }
    }
}
