package io.github.hubmapseg.tiling.post;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.github.hubmapseg.testkit.ExternalTools;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * DenseCRF on the permutohedral lattice against an exact O(N^2) mean-field written in numpy below. The reference is
 * OUR transcription of the paper's equations (Krähenbühl and Koltun 2011, eq. 2-4 with Gaussian kernels
 * {@code exp(-|f_i - f_j|^2 / 2)} over the scaled features) with densecrf's symmetric normalisation and
 * {@code unary_from_softmax}; pydensecrf itself is not packaged in Debian (no pip here), so it cannot be the
 * reference. The lattice approximates the Gaussian, so the check is a tolerance on the marginals and agreement of
 * the MAP labels, and that the CRF moves the labels towards the colour edges (what would fail if the kernels or the
 * message sign were wrong).
 */
class DenseCrfTest {

    /** A patch: a pink disc on white with noisy probabilities that spill over the disc's edge. */
    static float[][] patch(int w, int h, long seed, byte[] rgb) {
        Random rnd = new Random(seed);
        int n = w * h;
        float[] p = new float[n];
        float[] truth = new float[n];
        double cx = w * 0.45, cy = h * 0.55, r = Math.min(w, h) * 0.3;
        for (int y = 0; y < h; y++) {
            for (int x = 0; x < w; x++) {
                int i = y * w + x;
                boolean in = Math.hypot(x - cx, y - cy) < r;
                truth[i] = in ? 1 : 0;
                rgb[i] = (byte) (in ? 200 + rnd.nextInt(20) : 235 + rnd.nextInt(20));
                rgb[n + i] = (byte) (in ? 90 + rnd.nextInt(20) : 225 + rnd.nextInt(20));
                rgb[2 * n + i] = (byte) (in ? 150 + rnd.nextInt(20) : 230 + rnd.nextInt(20));
                boolean blob = Math.hypot(x - cx - 2, y - cy) < r + 2.5; // prediction spills 2-4 px to the right
                double q = blob ? 0.62 : 0.35;
                p[i] = (float) Math.min(1, Math.max(0, q + rnd.nextGaussian() * 0.12));
            }
        }
        return new float[][] {p, truth};
    }

    static float[] exactReference(Path dir, float[] p, byte[] rgb, int w, int h, DenseCrf c) throws Exception {
        Path py = ExternalTools.python("python3-numpy", "numpy");
        ByteBuffer b = ByteBuffer.allocate(4 * p.length).order(ByteOrder.LITTLE_ENDIAN);
        for (float v : p) {
            b.putFloat(v);
        }
        Files.write(dir.resolve("p.f32"), b.array());
        Files.write(dir.resolve("rgb.u8"), rgb);
        Path script = dir.resolve("crf.py");
        Files.writeString(script, """
                import sys, numpy as np
                d, w, h = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
                gs, gc, bs, br, bc, iters = [float(v) for v in sys.argv[4:10]]
                n = w * h
                p = np.fromfile(d + '/p.f32', dtype='<f4').astype(np.float64)
                rgb = np.fromfile(d + '/rgb.u8', dtype=np.uint8).reshape(3, n).T.astype(np.float64)
                ys, xs = np.mgrid[0:h, 0:w]
                pos = np.stack([xs.ravel(), ys.ravel()], 1).astype(np.float64)
                def kernel(f):
                    d2 = ((f[:, None, :] - f[None, :, :]) ** 2).sum(-1)
                    k = np.exp(-0.5 * d2)                 # K_ij including i = j, as the lattice filters
                    s = 1.0 / np.sqrt(k.sum(1))           # densecrf NORMALIZE_SYMMETRIC
                    return s[:, None] * k * s[None, :]
                kg = kernel(pos / gs)
                kb = kernel(np.concatenate([pos / bs, rgb / br], 1))
                sm = np.stack([1 - p, p], 1)
                u = -np.log(np.clip(sm, 1e-5, 1.0))       # unary_from_softmax
                def softmax(a):
                    a = a - a.max(1, keepdims=True)
                    e = np.exp(a)
                    return e / e.sum(1, keepdims=True)
                q = softmax(-u)
                for _ in range(int(iters)):
                    q = softmax(-u + gc * (kg @ q) + bc * (kb @ q))   # Potts: -(-w K Q)
                print(' '.join('%.7f' % v for v in q[:, 1]))
                """);
        Process pr = new ProcessBuilder(py.toString(), script.toString(), dir.toString(), "" + w, "" + h,
                "" + c.gaussianSxy(), "" + c.gaussianCompat(), "" + c.bilateralSxy(), "" + c.bilateralSrgb(),
                "" + c.bilateralCompat(), "" + c.iterations()).redirectErrorStream(true).start();
        String out = new String(pr.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
        assertThat(pr.waitFor(120, TimeUnit.SECONDS)).isTrue();
        assertThat(pr.exitValue()).as(out).isZero();
        String[] s = out.split("\\s+");
        assertThat(s).hasSize(w * h);
        float[] q = new float[s.length];
        for (int i = 0; i < s.length; i++) {
            q[i] = Float.parseFloat(s[i]);
        }
        return q;
    }

    @Test
    void latticeMeanFieldMatchesTheExactMeanFieldOnSmallPatches(@TempDir Path dir) throws Exception {
        // team B's settings (the marginals saturate) and weak kernels that leave them in between (the lattice's
        // approximation shows there)
        DenseCrf weak = new DenseCrf(2, 0.5, 6, 20, 1, 2);
        for (int[] size : new int[][] {{24, 20, 0}, {31, 27, 0}, {24, 20, 1}, {31, 27, 1}}) {
            int w = size[0], h = size[1], n = w * h;
            DenseCrf crf = size[2] == 0 ? DenseCrf.TEAM_B : weak;
            byte[] rgb = new byte[3 * n];
            float[][] pt = patch(w, h, 7 + w, rgb);
            float[] got = crf.infer(pt[0], rgb, w, h);
            float[] ref = exactReference(dir, pt[0], rgb, w, h, crf);
            double maxDiff = 0, sumDiff = 0;
            int agree = 0, refFixed = 0, inFixed = 0;
            for (int i = 0; i < n; i++) {
                double dd = Math.abs(got[i] - ref[i]);
                maxDiff = Math.max(maxDiff, dd);
                sumDiff += dd;
                agree += (got[i] > 0.5) == (ref[i] > 0.5) ? 1 : 0;
                refFixed += (ref[i] > 0.5) == (pt[1][i] > 0.5) ? 1 : 0;
                inFixed += (pt[0][i] >= 0.5) == (pt[1][i] > 0.5) ? 1 : 0;
            }
            System.out.printf("CRF %s %dx%d: max |Q_lattice - Q_exact| %.4f, mean %.4f, MAP agreement %d/%d,"
                    + " exact right %d, input right %d%n", crf, w, h, maxDiff, sumDiff / n, agree, n, refFixed, inFixed);
            assertThat(sumDiff / n).as("mean |dQ|").isLessThan(0.005);
            assertThat(maxDiff).as("max |dQ|").isLessThan(0.03);
            assertThat((double) agree / n).as("MAP agreement").isGreaterThan(0.98);
            // the reference itself must show the CRF's effect, else the comparison proves little
            assertThat(refFixed).isGreaterThan(inFixed + n / 20);
        }
    }

    @Test
    void zeroIterationsGiveTheClippedInput() {
        int w = 9, h = 7, n = w * h;
        byte[] rgb = new byte[3 * n];
        float[] p = patch(w, h, 3, rgb)[0];
        p[0] = 0;
        p[1] = 1;
        float[] q = new DenseCrf(3, 3, 80, 13, 10, 0).infer(p, rgb, w, h);
        for (int i = 2; i < n; i++) {
            assertThat(q[i]).isCloseTo(p[i], org.assertj.core.data.Offset.offset(1e-5f));
        }
        assertThat(q[0]).isCloseTo(1e-5f, org.assertj.core.data.Offset.offset(1e-7f));
        assertThat(q[1]).isCloseTo(1 - 1e-5f, org.assertj.core.data.Offset.offset(1e-6f));
    }

    @Test
    void hostileValuesAreRefusedNamingThem() {
        assertThatThrownBy(() -> new DenseCrf(0, 3, 80, 13, 10, 5)).hasMessageContaining("gaussian sxy must be > 0, got 0.0");
        assertThatThrownBy(() -> new DenseCrf(3, 3, 80, 13, 10, -1)).hasMessageContaining("iterations must be in 0..1000, got -1");
        assertThatThrownBy(() -> DenseCrf.TEAM_B.infer(new float[] {Float.NaN}, new byte[3], 1, 1))
                .hasMessageContaining("probabilities in [0, 1], got NaN");
        assertThatThrownBy(() -> DenseCrf.TEAM_B.infer(new float[4], new byte[3], 2, 2))
                .hasMessageContaining("needs 4 probabilities and 12 RGB values");
    }
}
