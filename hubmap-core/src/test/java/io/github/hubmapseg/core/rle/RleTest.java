package io.github.hubmapseg.core.rle;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Arrays;
import java.util.SplittableRandom;
import net.imglib2.FinalInterval;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** Properties of the RLE codec on random masks (fixed seeds) against a naive reference written from the definition. */
class RleTest {

    /** Random mask: disks, noise or stripes; foreground values are arbitrary non-zero bytes. */
    static byte[] randomMask(SplittableRandom rnd, int h, int w) {
        byte[] m = new byte[h * w];
        int kind = rnd.nextInt(4);
        if (kind == 0) {
            double p = rnd.nextDouble();
            for (int i = 0; i < m.length; i++) {
                m[i] = rnd.nextDouble() < p ? (byte) (1 + rnd.nextInt(255)) : 0;
            }
        } else if (kind == 1) {
            int disks = 1 + rnd.nextInt(6);
            for (int d = 0; d < disks; d++) {
                int cx = rnd.nextInt(w);
                int cy = rnd.nextInt(h);
                int r = 1 + rnd.nextInt(Math.max(1, Math.min(h, w) / 2));
                byte v = rnd.nextBoolean() ? 1 : (byte) 255;
                for (int y = Math.max(0, cy - r); y < Math.min(h, cy + r + 1); y++) {
                    for (int x = Math.max(0, cx - r); x < Math.min(w, cx + r + 1); x++) {
                        if ((x - cx) * (x - cx) + (y - cy) * (y - cy) <= r * r) {
                            m[y * w + x] = v;
                        }
                    }
                }
            }
        } else if (kind == 2) {
            // long vertical runs wrapping across columns
            for (int x = 0; x < w; x++) {
                if (rnd.nextInt(3) > 0) {
                    for (int y = 0; y < h; y++) {
                        m[y * w + x] = 1;
                    }
                }
            }
        } else {
            int runs = rnd.nextInt(8);
            for (int k = 0; k < runs; k++) {
                int s = rnd.nextInt(h * w);
                int n = 1 + rnd.nextInt(h * w - s);
                for (int p = s; p < s + n; p++) {
                    m[(p % h) * w + p / h] = (byte) -3;
                }
            }
        }
        return m;
    }

    /** Reference encoder straight from the definition: mask.T.flatten(), 1-based, maximal runs. */
    static String naiveEncode(byte[] m, int h, int w) {
        StringBuilder sb = new StringBuilder();
        int n = h * w;
        int p = 0;
        while (p < n) {
            if (m[(p % h) * w + p / h] == 0) {
                p++;
                continue;
            }
            int s = p;
            while (p < n && m[(p % h) * w + p / h] != 0) {
                p++;
            }
            sb.append(sb.length() == 0 ? "" : " ").append(s + 1).append(' ').append(p - s);
        }
        return sb.toString();
    }

    static byte[] binary(byte[] m) {
        byte[] b = new byte[m.length];
        for (int i = 0; i < m.length; i++) {
            b[i] = (byte) (m[i] != 0 ? 1 : 0);
        }
        return b;
    }

    private static int[] shape(SplittableRandom rnd) {
        return new int[] {1 + rnd.nextInt(rnd.nextBoolean() ? 9 : 90), 1 + rnd.nextInt(rnd.nextBoolean() ? 9 : 300)};
    }

    @Test
    void encodeMatchesTheDefinitionAndDecodeInverts() {
        SplittableRandom rnd = new SplittableRandom(1);
        for (int t = 0; t < 400; t++) {
            int[] s = shape(rnd);
            byte[] m = randomMask(rnd, s[0], s[1]);
            String rle = Rle.encode(m, s[0], s[1]);
            assertThat(rle).as("shape %s", Arrays.toString(s)).isEqualTo(naiveEncode(m, s[0], s[1]));
            assertThat(Rle.decode(rle, s[0], s[1])).isEqualTo(binary(m));
        }
    }

    @Test
    void bandWiseEncodeEqualsWholeEncodeForRandomBandHeights() {
        SplittableRandom rnd = new SplittableRandom(2);
        for (int t = 0; t < 300; t++) {
            int[] s = shape(rnd);
            int h = s[0];
            int w = s[1];
            byte[] m = randomMask(rnd, h, w);
            RleEncoder enc = Rle.encoder(h, w);
            int chunks = 1 + rnd.nextInt(4);
            while (enc.rowsAdded() < h) {
                int n = rnd.nextInt(h - enc.rowsAdded() + 1);
                // a band in its own array, so the encoder cannot peek at other rows
                byte[] band = Arrays.copyOfRange(m, enc.rowsAdded() * w, (enc.rowsAdded() + n) * w);
                enc.addRows(band, 0, n, chunks);
            }
            assertThat(enc.finish()).isEqualTo(Rle.runs(m, h, w));
        }
    }

    @Test
    void parallelPathsEqualSequential() {
        SplittableRandom rnd = new SplittableRandom(3);
        for (int t = 0; t < 20; t++) {
            int h = 16 + rnd.nextInt(200);
            int w = 64 + rnd.nextInt(700);
            byte[] m = randomMask(rnd, h, w);
            RleRuns seq = new RleEncoder(h, w).addRows(m, 0, h, 1).finish();
            RleRuns par = new RleEncoder(h, w).addRows(m, 0, h, 2 + rnd.nextInt(5)).finish();
            assertThat(par).isEqualTo(seq);
            assertThat(seq.toRle()).isEqualTo(naiveEncode(m, h, w));
            byte[] a = new byte[h * w];
            byte[] b = new byte[h * w];
            Arrays.fill(b, (byte) 7); // decodeInto must overwrite everything
            Rle.decodeInto(seq, a, (byte) 1, 1);
            Rle.decodeInto(seq, b, (byte) 1, 2 + rnd.nextInt(5));
            assertThat(b).isEqualTo(a).isEqualTo(binary(m));
            byte[] fresh = new byte[h * w];
            Rle.decode(seq, fresh, (byte) 1, 2 + rnd.nextInt(5), true); // sparse writes into a zeroed array
            assertThat(fresh).isEqualTo(a);
        }
    }

    @Test
    void largeMaskUsesThePublicParallelPathCorrectly() {
        SplittableRandom rnd = new SplittableRandom(4);
        int h = 1500;
        int w = 1500;
        byte[] m = new byte[h * w];
        for (int d = 0; d < 60; d++) {
            int cx = rnd.nextInt(w);
            int cy = rnd.nextInt(h);
            int r = 5 + rnd.nextInt(60);
            for (int y = Math.max(0, cy - r); y < Math.min(h, cy + r + 1); y++) {
                for (int x = Math.max(0, cx - r); x < Math.min(w, cx + r + 1); x++) {
                    if ((x - cx) * (x - cx) + (y - cy) * (y - cy) <= r * r) {
                        m[y * w + x] = 1;
                    }
                }
            }
        }
        String rle = Rle.encode(m, h, w);
        assertThat(rle).isEqualTo(naiveEncode(m, h, w));
        assertThat(Rle.decode(rle, h, w)).isEqualTo(m);
    }

    @Test
    void windowDecodeEqualsCropOfFullDecodeIncludingOutside() {
        SplittableRandom rnd = new SplittableRandom(5);
        for (int t = 0; t < 300; t++) {
            int[] s = shape(rnd);
            int h = s[0];
            int w = s[1];
            byte[] m = binary(randomMask(rnd, h, w));
            RleRuns runs = Rle.runs(m, h, w);
            int ww = 1 + rnd.nextInt(w + 10);
            int wh = 1 + rnd.nextInt(h + 10);
            int x0 = rnd.nextInt(w + 2 * ww) - ww - 2;
            int y0 = rnd.nextInt(h + 2 * wh) - wh - 2;
            byte[] expected = new byte[ww * wh];
            for (int y = 0; y < wh; y++) {
                for (int x = 0; x < ww; x++) {
                    int ix = x0 + x;
                    int iy = y0 + y;
                    if (ix >= 0 && ix < w && iy >= 0 && iy < h) {
                        expected[y * ww + x] = m[iy * w + ix];
                    }
                }
            }
            assertThat(Rle.decodeWindow(runs, x0, y0, ww, wh)).as("window %d,%d %dx%d of %dx%d", x0, y0, ww, wh, h, w)
                    .isEqualTo(expected);
            assertThat(Rle.decodeWindow(runs, FinalInterval.createMinSize(x0, y0, ww, wh))).isEqualTo(expected);
        }
    }

    @Test
    void windowDecodeOverwritesAndUsesTheForegroundValue() {
        RleRuns runs = Rle.parse("2 3", 3, 4); // column 0 rows 1..2, column 1 row 0
        byte[] out = new byte[4];
        Arrays.fill(out, (byte) 9);
        Rle.decodeWindowInto(runs, 0, 0, 2, 2, out, (byte) 255);
        assertThat(out).containsExactly(0, (byte) 255, (byte) 255, 0);
        assertThat(Rle.decodeWindow("2 3", 3, 4, -1, 1, 2, 2)).containsExactly(0, 1, 0, 1);
    }

    @Test
    void decodesRandomUnsortedOverlappingRunsToTheirUnion() {
        SplittableRandom rnd = new SplittableRandom(6);
        for (int t = 0; t < 300; t++) {
            int[] s = shape(rnd);
            int h = s[0];
            int w = s[1];
            int n = h * w;
            byte[] expected = new byte[n];
            StringBuilder sb = new StringBuilder("  ");
            int k = rnd.nextInt(10);
            for (int r = 0; r < k; r++) {
                int start = rnd.nextInt(n);
                int len = 1 + rnd.nextInt(Math.min(n - start, 1 + rnd.nextInt(3 * h)));
                for (int p = start; p < start + len; p++) {
                    expected[(p % h) * w + p / h] = 1;
                }
                sb.append(start + 1).append(rnd.nextBoolean() ? " " : " \t").append(len).append("  ");
            }
            String rle = sb.toString();
            assertThat(Rle.decode(rle, h, w)).as(rle).isEqualTo(expected);
            assertThat(Rle.parse(rle, h, w).toRle()).isEqualTo(naiveEncode(expected, h, w));
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "   ", "\n\t"})
    void blankIsTheEmptyMask(String rle) {
        assertThat(Rle.parse(rle, 2, 3)).isEqualTo(RleRuns.empty(2, 3));
        assertThat(Rle.decode(rle, 2, 3)).containsOnly(0);
        assertThat(Rle.encode(new byte[6], 2, 3)).isEmpty();
    }

    @Test
    void errorsNameTheTokenItsPositionAndTheProblem() {
        assertThatThrownBy(() -> Rle.decode("1 2 5", 3, 4))
                .hasMessageContaining("odd number of tokens (3)").hasMessageContaining("#3 '5'")
                .hasMessageContaining("character 4");
        assertThatThrownBy(() -> Rle.decode("1 1 0 2", 3, 4))
                .hasMessageContaining("#3 '0'").hasMessageContaining("is a start and must be >= 1");
        assertThatThrownBy(() -> Rle.decode("3 0", 3, 4)).hasMessageContaining("#2 '0'")
                .hasMessageContaining("is a length and must be >= 1");
        assertThatThrownBy(() -> Rle.decode("11 3", 3, 4)).hasMessageContaining("#2 '3'")
                .hasMessageContaining("past the last pixel 12");
        assertThatThrownBy(() -> Rle.decode("1 2.5", 3, 4)).hasMessageContaining("#2 '2.5'")
                .hasMessageContaining("not an integer");
        assertThatThrownBy(() -> Rle.decode("1 1 x7 1", 3, 4)).hasMessageContaining("#3 'x7' (character 4)");
        assertThatThrownBy(() -> Rle.decode("1 99999999999999999999999", 3, 4)).hasMessageContaining("out of range");
        assertThatThrownBy(() -> Rle.decode("1 1", 0, 4)).hasMessageContaining("height 0");
        assertThatThrownBy(() -> Rle.encode(new byte[5], 2, 3)).hasMessageContaining("got 5");
        assertThatThrownBy(() -> Rle.decodeInto(RleRuns.empty(2, 2), new byte[4], (byte) 0))
                .hasMessageContaining("foreground value must be non-zero");
        assertThatThrownBy(() -> Rle.decodeWindow(RleRuns.empty(2, 2), 0, 0, 0, 3)).hasMessageContaining("0 x 3");
    }

    @Test
    void runsRecordRejectsNonCanonicalRuns() {
        assertThatThrownBy(() -> new RleRuns(3, 4, new long[] {0, 2}, new long[] {2, 1}))
                .hasMessageContaining("run 1");
        assertThatThrownBy(() -> new RleRuns(3, 4, new long[] {11}, new long[] {2}))
                .hasMessageContaining("end <= height*width = 12");
        assertThatThrownBy(() -> new RleRuns(3, 4, new long[] {1}, new long[] {}))
                .hasMessageContaining("same length");
        RleRuns r = new RleRuns(3, 4, new long[] {0, 3}, new long[] {2, 9});
        assertThat(r.area()).isEqualTo(11);
        assertThat(r.toRle()).isEqualTo("1 2 4 9");
        assertThat(r.toMask()).isEqualTo(Rle.decode("1 2 4 9", 3, 4));
    }

    @Test
    void encoderRejectsMisuse() {
        RleEncoder enc = Rle.encoder(3, 2);
        enc.addRows(new byte[4], 2);
        assertThatThrownBy(() -> enc.addRows(new byte[4], 2)).hasMessageContaining("pass the mask height 3");
        assertThatThrownBy(() -> enc.addRows(new byte[1], 1)).hasMessageContaining("band of length 1");
        assertThatThrownBy(enc::finish).isInstanceOf(IllegalStateException.class).hasMessageContaining("2 of 3 rows");
        enc.addRows(new byte[] {0, 5}, 1);
        assertThat(enc.finish().toRle()).isEqualTo("6 1");
        assertThatThrownBy(enc::finish).isInstanceOf(IllegalStateException.class);
    }
}
