package io.github.hubmapseg.pipeline.augment;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.github.hubmapseg.pipeline.TinyData;
import io.github.hubmapseg.pipeline.data.CompetitionDataset;
import io.github.hubmapseg.testkit.ExternalTools;
import net.imglib2.util.Intervals;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@link Clahe} against OpenCV 4.6 ({@code python3-opencv} for {@code /usr/bin/python3}): the uint8 channel
 * equalisation equals {@code cv2.createCLAHE(clip, (8, 8)).apply} value for value, on sides that divide the grid
 * and sides that do not, with and without clipping; the RGB path (albumentations' LAB handling) is compared with
 * cv2's fixed-point {@code cvtColor} pipeline and its stated difference bounded.
 */
class ClaheTest {

    /** Smooth structure plus noise, so that tiles have different histograms and clipping bites. */
    private static int[] image(int h, int w, int channels, long seed) {
        SplittableRandom r = new SplittableRandom(seed);
        int[] out = new int[channels * h * w];
        for (int c = 0; c < channels; c++) {
            double fx = 0.02 + 0.05 * r.nextDouble();
            double fy = 0.02 + 0.05 * r.nextDouble();
            for (int y = 0; y < h; y++) {
                for (int x = 0; x < w; x++) {
                    double v = 120 + 60 * Math.sin(fx * x) * Math.cos(fy * y) + 25 * r.nextGaussian()
                            + (x > w / 2 ? 30 : 0);
                    out[c * h * w + y * w + x] = (int) Math.max(0, Math.min(255, Math.rint(v)));
                }
            }
        }
        return out;
    }

    private static List<String> runPython(Path dir, String script) throws Exception {
        Path py = ExternalTools.python("python3-opencv python3-numpy", "cv2", "numpy");
        Path s = Files.writeString(dir.resolve("ref.py"), script);
        Process p = new ProcessBuilder(py.toString(), s.toString()).redirectErrorStream(true).start();
        String text = new String(p.getInputStream().readAllBytes());
        assertThat(p.waitFor(120, TimeUnit.SECONDS)).isTrue();
        assertThat(p.exitValue()).as(text).isZero();
        return List.of(text.split("\n"));
    }

    private static byte[] bytes(int[] v) {
        byte[] b = new byte[v.length];
        for (int i = 0; i < v.length; i++) {
            b[i] = (byte) v[i];
        }
        return b;
    }

    private static int[] ints(byte[] b) {
        int[] v = new int[b.length];
        for (int i = 0; i < b.length; i++) {
            v[i] = b[i] & 0xff;
        }
        return v;
    }

    @Test
    void channelEqualisationEqualsOpenCvValueForValue(@TempDir Path dir) throws Exception {
        int[][] sizes = {{64, 64}, {100, 77}, {37, 130}, {256, 256}, {9, 8}};
        double[] clips = {0, 1, 1.5, 2, 4, 40};
        List<String> cases = new ArrayList<>();
        for (int k = 0; k < sizes.length; k++) {
            int h = sizes[k][0];
            int w = sizes[k][1];
            Files.write(dir.resolve("in" + k + ".raw"), bytes(image(h, w, 1, k)));
            for (double c : clips) {
                cases.add("(" + k + "," + h + "," + w + "," + c + ")");
            }
        }
        runPython(dir, "import cv2, numpy as np\n"
                + "for k,h,w,c in [" + String.join(",", cases) + "]:\n"
                + "    a = np.fromfile(r'" + dir + "/in%d.raw' % k, np.uint8).reshape(h, w)\n"
                + "    cv2.createCLAHE(clipLimit=c, tileGridSize=(8, 8)).apply(a).tofile(r'" + dir
                + "/out%d_%s.raw' % (k, c))\n");
        int compared = 0;
        for (int k = 0; k < sizes.length; k++) {
            int h = sizes[k][0];
            int w = sizes[k][1];
            int[] in = image(h, w, 1, k);
            for (double c : clips) {
                int[] expected = ints(Files.readAllBytes(dir.resolve("out" + k + "_" + c + ".raw")));
                int[] got = Clahe.equalize(in, h, w, c, 8, 8);
                assertThat(got).as("%dx%d clip %s", h, w, c).containsExactly(expected);
                compared += expected.length;
            }
        }
        assertThat(compared).isGreaterThan(400_000);
        // not a no-op: equalisation changes the channel
        assertThat(Clahe.equalize(image(64, 64, 1, 0), 64, 64, 2, 8, 8)).isNotEqualTo(image(64, 64, 1, 0));
    }

    @Test
    void rgbThroughLabIsAlbumentationsUpToTheStatedConversionDifference(@TempDir Path dir) throws Exception {
        // a PAS-like synthetic slide region (realistic colours: CLAHE on L amplifies any L difference where the
        // tile histograms are narrow, and out-of-gamut colours amplify it again on the way back)
        int h = 256;
        int w = 256;
        int[] rgb;
        try (CompetitionDataset ds = CompetitionDataset.open(TinyData.dir())) {
            byte[] b = ds.slide(ds.trainIds().get(0)).read(Intervals.createMinSize(128, 128, w, h))
                    .update(null).getCurrentStorageArray(); // (x, y, c): planar
            rgb = ints(b);
        }
        byte[] hwc = new byte[rgb.length];
        for (int i = 0; i < h * w; i++) {
            for (int c = 0; c < 3; c++) {
                hwc[i * 3 + c] = (byte) rgb[c * h * w + i];
            }
        }
        Files.write(dir.resolve("rgb.raw"), hwc);
        // albumentations' F.clahe for an RGB uint8 image
        runPython(dir, "import cv2, numpy as np\n"
                + "img = np.fromfile(r'" + dir + "/rgb.raw', np.uint8).reshape(" + h + ", " + w + ", 3)\n"
                + "lab = cv2.cvtColor(img, cv2.COLOR_RGB2LAB)\n"
                + "lab.tofile(r'" + dir + "/lab.raw')\n"
                + "lab[:, :, 0] = cv2.createCLAHE(clipLimit=2.0, tileGridSize=(8, 8)).apply(lab[:, :, 0])\n"
                + "cv2.cvtColor(lab, cv2.COLOR_LAB2RGB).tofile(r'" + dir + "/out.raw')\n");
        int[] cvLab = ints(Files.readAllBytes(dir.resolve("lab.raw")));
        int[] expected = ints(Files.readAllBytes(dir.resolve("out.raw")));
        // our L*a*b* encoding against cv2's fixed-point one
        double[] lab = new double[3];
        int maxLab = 0;
        for (int i = 0; i < h * w; i++) {
            Clahe.Lab.fromRgb(rgb[i], rgb[h * w + i], rgb[2 * h * w + i], lab);
            int[] ours = {(int) Math.rint(lab[0] * 255 / 100), (int) Math.rint(lab[1] + 128),
                (int) Math.rint(lab[2] + 128)};
            for (int c = 0; c < 3; c++) {
                maxLab = Math.max(maxLab, Math.abs(ours[c] - cvLab[i * 3 + c]));
            }
        }
        float[] img = new float[rgb.length];
        for (int i = 0; i < rgb.length; i++) {
            img[i] = rgb[i];
        }
        Tile t = Tile.of(img, null, 3, h, w);
        new Clahe(2, 2, 8, 8, 1).apply(t, 2);
        int max = 0;
        long same = 0;
        double diffSum = 0;
        double changeSum = 0;
        for (int i = 0; i < h * w; i++) {
            for (int c = 0; c < 3; c++) {
                int ours = (int) t.image()[c * h * w + i];
                int d = Math.abs(ours - expected[i * 3 + c]);
                max = Math.max(max, d);
                same += d == 0 ? 1 : 0;
                diffSum += d;
                changeSum += Math.abs(expected[i * 3 + c] - rgb[c * h * w + i]);
            }
        }
        int n = 3 * h * w;
        System.out.printf(java.util.Locale.ROOT, "CLAHE RGB vs cv2's LAB pipeline on a %dx%d synthetic slide region: "
                + "uint8 L*a*b* max |diff| %d; RGB max |diff| %d, mean |diff| %.3f, %.4f of values equal; "
                + "cv2 changed the input by %.3f on average%n", w, h, maxLab, max, diffSum / n, (double) same / n,
                changeSum / n);
        assertThat(maxLab).as("uint8 L*a*b* differs from cv2's fixed point by at most 1").isLessThanOrEqualTo(1);
        assertThat(changeSum / n).as("CLAHE changes the image").isGreaterThan(5);
        // the stated difference: a +-1 L encoding difference moves histogram mass between neighbouring bins
        assertThat(diffSum / n).as("mean RGB difference to albumentations").isLessThan(0.1 * changeSum / n);
        assertThat(max).as("largest RGB difference to albumentations").isLessThanOrEqualTo(16);
    }

    @Test
    void badParametersAreNamed() {
        assertThatThrownBy(() -> new Clahe(0, 2, 8, 8, 0.5)).hasMessageContaining("clipLimitMin");
        assertThatThrownBy(() -> new Clahe(2, 1, 8, 8, 0.5)).hasMessageContaining("clipLimitMax");
        assertThatThrownBy(() -> new Clahe(1, 2, 0, 8, 0.5)).hasMessageContaining("tile grid");
        assertThatThrownBy(() -> Clahe.of(2).transform(Tile.of(new float[8], null, 2, 2, 2), new SplittableRandom(1)))
                .hasMessageContaining("2 channels");
    }
}
