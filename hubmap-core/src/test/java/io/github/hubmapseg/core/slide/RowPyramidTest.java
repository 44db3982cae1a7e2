package io.github.hubmapseg.core.slide;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * The streaming pyramid equals whole-image 2x2 block means computed here from their definition (our own
 * transcription: level k + 1 pixel (x, y) is the mean of the pixels (2x + i, 2y + j) of level k, i, j in {0, 1},
 * that exist; floats summed as (top pair) + (bottom pair); ARGB per channel (sum + n / 2) / n).
 */
class RowPyramidTest {

    @Test
    void floatLevelsEqualBlockMeansOfTheWholeImage() throws Exception {
        int w = 37;
        int h = 23;
        float[] img = new float[w * h];
        SplittableRandom r = new SplittableRandom(3);
        for (int i = 0; i < img.length; i++) {
            img[i] = (float) r.nextDouble();
        }
        List<float[]> got = new ArrayList<>();
        int levels = 5; // 37x23, 19x12, 10x6, 5x3, 3x2
        long[] widths = {37, 19, 10, 5, 3};
        long[] heights = {23, 12, 6, 3, 2};
        for (int k = 0; k < levels; k++) {
            got.add(new float[(int) (widths[k] * heights[k])]);
        }
        RowPyramid<float[]> p = new RowPyramid<>(w, h, levels, RowPyramid.FLOAT_MEAN, (level, y, row, off, lw) -> {
            assertThat((long) lw).isEqualTo(widths[level]);
            System.arraycopy(row, off, got.get(level), (int) y * lw, lw);
        });
        for (int y = 0; y < h; y++) {
            p.push(img, y * w);
        }
        float[] cur = img;
        int cw = w;
        int ch = h;
        for (int k = 0; k < levels; k++) {
            assertThat(got.get(k)).as("level %d", k).containsExactly(cur);
            int nw = (cw + 1) / 2;
            int nh = (ch + 1) / 2;
            float[] next = new float[nw * nh];
            for (int y = 0; y < nh; y++) {
                for (int x = 0; x < nw; x++) {
                    boolean two = 2 * x + 1 < cw;
                    boolean below = 2 * y + 1 < ch;
                    float s = cur[2 * y * cw + 2 * x] + (two ? cur[2 * y * cw + 2 * x + 1] : 0);
                    int n = two ? 2 : 1;
                    if (below) {
                        s += cur[(2 * y + 1) * cw + 2 * x] + (two ? cur[(2 * y + 1) * cw + 2 * x + 1] : 0);
                        n *= 2;
                    }
                    next[y * nw + x] = s / n;
                }
            }
            cur = next;
            cw = nw;
            ch = nh;
        }
        assertThatThrownBy(() -> p.push(img, 0)).hasMessageContaining("all 23 rows");
    }

    @Test
    void argbMeansRoundPerChannel() throws Exception {
        // a 3x1 row: pixel 0 and 1 average, pixel 2 is alone (odd edge); one row only (odd height)
        int[] row = {0xFF000000 | 10 << 16 | 1 << 8 | 255, 0x00000000 | 11 << 16 | 2 << 8 | 0, 0x80402010};
        List<int[]> got = new ArrayList<>();
        RowPyramid<int[]> p = new RowPyramid<>(3, 1, 2, RowPyramid.ARGB_MEAN,
                (level, y, r, off, lw) -> got.add(java.util.Arrays.copyOfRange(r, off, off + lw)));
        p.push(row, 0);
        assertThat(got).hasSize(2);
        // alpha (255 + 0 + 1) / 2 = 128, red (10 + 11 + 1) / 2 = 11, green (1 + 2 + 1) / 2 = 2, blue (255 + 1) / 2 = 128
        assertThat(got.get(1)).containsExactly(128 << 24 | 11 << 16 | 2 << 8 | 128, 0x80402010);
    }

    @Test
    void argbLevelsEqualPerChannelBlockMeansOfTheWholeImage() throws Exception {
        // odd and even sizes, extreme channel values (every channel 0 or 255 in part of the image) and random ones
        for (int[] size : new int[][] {{37, 23}, {64, 32}, {1, 5}, {6, 1}}) {
            int w = size[0];
            int h = size[1];
            int[] img = new int[w * h];
            SplittableRandom r = new SplittableRandom(w * 31L + h);
            for (int i = 0; i < img.length; i++) {
                img[i] = i % 7 == 0 ? 0xFFFFFFFF : i % 11 == 0 ? 0 : r.nextInt();
            }
            int levels = 1;
            for (long m = Math.max(w, h); m > 1; m = (m + 1) / 2) {
                levels++;
            }
            List<int[]> got = new ArrayList<>();
            int lw = w;
            int lh = h;
            for (int k = 0; k < levels; k++) {
                got.add(new int[lw * lh]);
                lw = (lw + 1) / 2;
                lh = (lh + 1) / 2;
            }
            RowPyramid<int[]> p = new RowPyramid<>(w, h, levels, RowPyramid.ARGB_MEAN,
                    (level, y, row, off, rw) -> System.arraycopy(row, off, got.get(level), (int) y * rw, rw));
            for (int y = 0; y < h; y++) {
                p.push(img, y * w);
            }
            int[] cur = img;
            int cw = w;
            int ch = h;
            for (int k = 0; k < levels; k++) {
                assertThat(got.get(k)).as("%d x %d, level %d", w, h, k).containsExactly(cur);
                int nw = (cw + 1) / 2;
                int nh = (ch + 1) / 2;
                int[] next = new int[nw * nh];
                for (int y = 0; y < nh; y++) {
                    for (int x = 0; x < nw; x++) {
                        int v = 0;
                        for (int shift = 0; shift < 32; shift += 8) {
                            int sum = 0;
                            int n = 0;
                            for (int j = 0; j < 2; j++) {
                                for (int i = 0; i < 2; i++) {
                                    if (2 * x + i < cw && 2 * y + j < ch) {
                                        sum += cur[(2 * y + j) * cw + 2 * x + i] >>> shift & 0xFF;
                                        n++;
                                    }
                                }
                            }
                            v |= (sum + n / 2) / n << shift;
                        }
                        next[y * nw + x] = v;
                    }
                }
                cur = next;
                cw = nw;
                ch = nh;
            }
        }
    }
}
