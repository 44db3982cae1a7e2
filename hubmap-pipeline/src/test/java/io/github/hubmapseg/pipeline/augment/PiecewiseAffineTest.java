package io.github.hubmapseg.pipeline.augment;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.github.hubmapseg.testkit.ExternalTools;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@link PiecewiseAffine} against skimage 0.19 ({@code python3-skimage}): albumentations' {@code PiecewiseAffine}
 * steps (grid, jittered points, {@code PiecewiseAffineTransform.estimate(src, dst)}, {@code warp(image, transform,
 * order=1, mode='constant', cval=0, preserve_range=True)}, the mask with {@code order=0}) on the same jitter. The
 * mesh takes qhull's diagonal for each cell (read from skimage's triangulation), so the transform must agree to
 * float tolerance and the pixels exactly up to float storage; the default (all main diagonals) is then checked to
 * differ from skimage only inside the cells whose diagonal qhull chose the other way.
 */
class PiecewiseAffineTest {

    private static double[] doubles(Path p) throws Exception {
        ByteBuffer b = ByteBuffer.wrap(Files.readAllBytes(p)).order(ByteOrder.LITTLE_ENDIAN);
        double[] out = new double[b.remaining() / 8];
        b.asDoubleBuffer().get(out);
        return out;
    }

    private static void write(Path p, double[] v) throws Exception {
        ByteBuffer b = ByteBuffer.allocate(v.length * 8).order(ByteOrder.LITTLE_ENDIAN);
        b.asDoubleBuffer().put(v);
        Files.write(p, b.array());
    }

    @Test
    void transformAndPixelsEqualSkimageWithTheSameTriangulation(@TempDir Path dir) throws Exception {
        Path py = ExternalTools.python("python3-skimage python3-numpy python3-scipy", "skimage", "numpy", "scipy");
        int[][] sizes = {{70, 90}, {64, 64}, {128, 96}};
        for (int[] size : sizes) {
            int h = size[0];
            int w = size[1];
            int rows = 4;
            int cols = 4;
            SplittableRandom r = new SplittableRandom(h * 31L + w);
            double scale = 0.05;
            double[] jx = new double[rows * cols];
            double[] jy = new double[rows * cols];
            for (int i = 0; i < jx.length; i++) {
                jy[i] = scale * r.nextGaussian() * h;
                jx[i] = scale * r.nextGaussian() * w;
            }
            double[] img = new double[3 * h * w]; // planar
            byte[] mask = new byte[h * w];
            for (int y = 0; y < h; y++) {
                for (int x = 0; x < w; x++) {
                    for (int c = 0; c < 3; c++) {
                        img[c * h * w + y * w + x] = r.nextInt(256);
                    }
                    mask[y * w + x] = (byte) ((x / 8 + y / 6) % 3 == 0 ? 1 : 0);
                }
            }
            write(dir.resolve("img.f64"), img);
            write(dir.resolve("jit.f64"), concat(jy, jx));
            Files.write(dir.resolve("mask.u8"), mask);
            String script = "import numpy as np\n"
                    + "from skimage.transform import PiecewiseAffineTransform, warp\n"
                    + "h, w, rows, cols = " + h + ", " + w + ", " + rows + ", " + cols + "\n"
                    + "d = r'" + dir + "/'\n"
                    + "img = np.fromfile(d + 'img.f64', '<f8').reshape(3, h, w).transpose(1, 2, 0).copy()\n"
                    + "mask = np.fromfile(d + 'mask.u8', np.uint8).reshape(h, w)\n"
                    + "jit = np.fromfile(d + 'jit.f64', '<f8').reshape(2, rows * cols).T\n"
                    // albumentations' PiecewiseAffine.get_params_dependent_on_targets, jitter already in pixels
                    + "y = np.linspace(0, h, rows)\n"
                    + "x = np.linspace(0, w, cols)\n"
                    + "xx_src, yy_src = np.meshgrid(x, y)\n"
                    + "points_src = np.dstack([yy_src.flat, xx_src.flat])[0]\n"
                    + "points_dest = np.copy(points_src)\n"
                    + "points_dest[:, 0] = points_dest[:, 0] + jit[:, 0]\n"
                    + "points_dest[:, 1] = points_dest[:, 1] + jit[:, 1]\n"
                    + "points_src = points_src[:, ::-1]\n"
                    + "points_dest = points_dest[:, ::-1]\n"
                    + "m = PiecewiseAffineTransform()\n"
                    + "m.estimate(points_src, points_dest)\n"
                    + "anti = np.zeros((rows - 1) * (cols - 1))\n"
                    + "for tri in m._tesselation.simplices:\n"
                    + "    rc = [(i // cols, i % cols) for i in tri]\n"
                    + "    r0 = min(p[0] for p in rc); c0 = min(p[1] for p in rc)\n"
                    + "    if not ((r0, c0) in rc and (r0 + 1, c0 + 1) in rc):\n"
                    + "        anti[r0 * (cols - 1) + c0] = 1\n"
                    + "anti.astype('<f8').tofile(d + 'anti.f64')\n"
                    + "gy, gx = np.mgrid[0:h, 0:w]\n"
                    + "coords = np.stack([gx.ravel(), gy.ravel()], 1).astype(float)\n"
                    + "m(coords).astype('<f8').tofile(d + 'map.f64')\n"
                    + "out = warp(img, m, order=1, mode='constant', cval=0, preserve_range=True, output_shape=img.shape)\n"
                    + "out.transpose(2, 0, 1).astype('<f8').tofile(d + 'out.f64')\n"
                    + "mo = warp(mask, m, order=0, mode='constant', cval=0, preserve_range=True, output_shape=mask.shape)\n"
                    + "mo.astype('<f8').tofile(d + 'mout.f64')\n";
            Path s = Files.writeString(dir.resolve("ref.py"), script);
            Process p = new ProcessBuilder(py.toString(), s.toString()).redirectErrorStream(true).start();
            String text = new String(p.getInputStream().readAllBytes());
            assertThat(p.waitFor(120, TimeUnit.SECONDS)).isTrue();
            assertThat(p.exitValue()).as(text).isZero();

            double[] antiD = doubles(dir.resolve("anti.f64"));
            boolean[] anti = new boolean[antiD.length];
            for (int i = 0; i < anti.length; i++) {
                anti[i] = antiD[i] != 0;
            }
            PiecewiseAffine.Mesh mesh = PiecewiseAffine.Mesh.of(h, w, rows, cols, jx, jy, anti);
            double[] map = doubles(dir.resolve("map.f64"));
            double[] s2 = new double[2];
            double maxMap = 0;
            for (int y = 0; y < h; y++) {
                for (int x = 0; x < w; x++) {
                    mesh.map(x, y, s2);
                    int i = y * w + x;
                    maxMap = Math.max(maxMap, Math.max(Math.abs(s2[0] - map[2 * i]), Math.abs(s2[1] - map[2 * i + 1])));
                }
            }
            assertThat(maxMap).as("%dx%d: transform vs skimage", h, w).isLessThan(1e-9);

            float[] f = new float[img.length];
            for (int i = 0; i < f.length; i++) {
                f[i] = (float) img[i];
            }
            Tile t = Tile.of(f, mask.clone(), 3, h, w);
            mesh.warp(t);
            double[] expected = doubles(dir.resolve("out.f64"));
            double maxPix = 0;
            long zeros = 0;
            for (int i = 0; i < expected.length; i++) {
                maxPix = Math.max(maxPix, Math.abs(t.image()[i] - expected[i]));
                zeros += expected[i] == 0 ? 1 : 0;
            }
            assertThat(maxPix).as("%dx%d: bilinear pixels vs skimage (float storage)", h, w).isLessThan(1e-4);
            assertThat(zeros).as("constant border: some output samples fall outside the input").isPositive();
            double[] mexp = doubles(dir.resolve("mout.f64"));
            for (int i = 0; i < mexp.length; i++) {
                assertThat((double) t.mask()[i]).as("%dx%d mask pixel %d", h, w, i).isEqualTo(mexp[i]);
            }
            // the default triangulation (main diagonals) agrees wherever qhull chose the main diagonal too
            PiecewiseAffine.Mesh plain = PiecewiseAffine.Mesh.of(h, w, rows, cols, jx, jy, null);
            double[] gx = PiecewiseAffine.Mesh.linspace(w, cols);
            double[] gy = PiecewiseAffine.Mesh.linspace(h, rows);
            for (int y = 0; y < h; y++) {
                for (int x = 0; x < w; x++) {
                    int c = 0;
                    while (c < cols - 2 && x >= gx[c + 1]) {
                        c++;
                    }
                    int rr = 0;
                    while (rr < rows - 2 && y >= gy[rr + 1]) {
                        rr++;
                    }
                    if (!anti[rr * (cols - 1) + c]) {
                        plain.map(x, y, s2);
                        int i = y * w + x;
                        assertThat(Math.abs(s2[0] - map[2 * i]) + Math.abs(s2[1] - map[2 * i + 1])).isLessThan(1e-9);
                    }
                }
            }
        }
    }

    private static double[] concat(double[] a, double[] b) {
        double[] out = new double[a.length + b.length];
        System.arraycopy(a, 0, out, 0, a.length);
        System.arraycopy(b, 0, out, a.length, b.length);
        return out;
    }

    @Test
    void aDrawMovesImageAndMaskTogetherAndNoPositiveJitterIsIdentity() {
        int h = 64;
        int w = 64;
        float[] img = new float[h * w];
        byte[] mask = new byte[h * w];
        for (int i = 0; i < img.length; i++) {
            mask[i] = (byte) ((i % w) / 16 % 2);
            img[i] = mask[i] * 200f;
        }
        Tile t = Tile.of(img.clone(), mask.clone(), 1, h, w);
        PiecewiseAffine.defaults(1).apply(t, new SplittableRandom(3));
        assertThat(t.image()).isNotEqualTo(img);
        int agree = 0;
        int inside = 0;
        for (int i = 0; i < h * w; i++) {
            float v = t.image()[i];
            if (v == 0 || v == 200) { // away from the bilinear edges and the zero border, image and mask agree
                inside++;
                agree += (v == 200) == (t.mask()[i] == 1) ? 1 : 0;
            }
        }
        assertThat(agree).isEqualTo(inside);
        Tile same = Tile.of(img.clone(), mask.clone(), 1, h, w);
        new PiecewiseAffine(0, 0, 4, 4, 1).apply(same, new SplittableRandom(3));
        assertThat(same.image()).containsExactly(img);
    }

    @Test
    void badParametersAreNamed() {
        assertThatThrownBy(() -> new PiecewiseAffine(-0.1, 0.05, 4, 4, 0.5)).hasMessageContaining("scaleMin");
        assertThatThrownBy(() -> new PiecewiseAffine(0.05, 0.03, 4, 4, 0.5)).hasMessageContaining("scaleMax");
        assertThatThrownBy(() -> new PiecewiseAffine(0.03, 0.05, 1, 4, 0.5)).hasMessageContaining("grid");
    }
}
