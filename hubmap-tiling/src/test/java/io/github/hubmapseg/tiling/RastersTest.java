package io.github.hubmapseg.tiling;

import static org.assertj.core.api.Assertions.assertThat;

import io.github.hubmapseg.testkit.ExternalTools;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@link Rasters#readWindow}'s reflect-101 windows against OpenCV's {@code copyMakeBorder(BORDER_REFLECT_101)}. */
class RastersTest {

    static final int W = 7;
    static final int H = 5;
    static final int C = 3;
    static final int PAD = 4;

    /** Windows (x, y, w, h, off): inside, inside at an offset, each border, and larger than the image. */
    static final int[][] WINDOWS = {
        {1, 1, 3, 2, 0}, {0, 0, W, H, 0}, {2, 1, 4, 3, 5}, {-3, -2, 6, 4, 0}, {4, 3, 6, 5, 2}, {-4, 2, 5, 3, 1},
        {3, -4, 2, 6, 0}, {-4, -4, W + 8, H + 8, 3}};

    @Test
    void windowsEqualOpenCvsReflect101Border(@TempDir Path dir) throws Exception {
        Path py = ExternalTools.python("python3-opencv python3-numpy", "cv2", "numpy");
        Random rnd = new Random(19);
        double[] img = new double[W * H * C]; // channel-planar, values k / 4 (exact in float)
        for (int k = 0; k < img.length; k++) {
            img[k] = rnd.nextInt(1024) / 4.0;
        }
        ByteBuffer b = ByteBuffer.allocate(8 * img.length).order(ByteOrder.LITTLE_ENDIAN);
        for (double v : img) {
            b.putDouble(v);
        }
        Path in = dir.resolve("img.f64");
        Path out = dir.resolve("padded.f64");
        Files.write(in, b.array());
        Path script = dir.resolve("pad.py");
        Files.writeString(script, """
                import sys, numpy as np, cv2
                w, h, c, p = (int(v) for v in sys.argv[3:7])
                a = np.fromfile(sys.argv[1], dtype='<f8').reshape(c, h, w).transpose(1, 2, 0).copy()
                r = cv2.copyMakeBorder(a, p, p, p, p, cv2.BORDER_REFLECT_101)
                r.transpose(2, 0, 1).astype('<f8').tofile(sys.argv[2])
                """);
        Process pr = new ProcessBuilder(List.of(py.toString(), script.toString(), in.toString(), out.toString(),
                "" + W, "" + H, "" + C, "" + PAD)).redirectErrorStream(true).start();
        String log = new String(pr.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(pr.waitFor(120, TimeUnit.SECONDS)).isTrue();
        assertThat(pr.exitValue()).as(log).isZero();
        ByteBuffer pb = ByteBuffer.wrap(Files.readAllBytes(out)).order(ByteOrder.LITTLE_ENDIAN);
        int pw = W + 2 * PAD;
        int ph = H + 2 * PAD;
        double[] padded = new double[pw * ph * C];
        for (int k = 0; k < padded.length; k++) {
            padded[k] = pb.getDouble();
        }
        Raster r = Rasters.of(img, W, H, C);
        for (int[] win : WINDOWS) {
            int x = win[0], y = win[1], w = win[2], h = win[3], off = win[4];
            float[] f = new float[off + w * h * C];
            double[] d = new double[off + w * h * C];
            Rasters.readWindow(r, x, y, w, h, f, off);
            Rasters.readWindow(r, x, y, w, h, d, off);
            for (int c = 0; c < C; c++) {
                for (int j = 0; j < h; j++) {
                    for (int i = 0; i < w; i++) {
                        double want = padded[(x + PAD + i) + pw * ((y + PAD + j) + ph * c)];
                        int k = off + i + w * (j + h * c);
                        assertThat(d[k]).as("double window %s at (%d, %d, %d)", List.of(x, y, w, h), i, j, c)
                                .isEqualTo(want);
                        assertThat(f[k]).as("float window %s at (%d, %d, %d)", List.of(x, y, w, h), i, j, c)
                                .isEqualTo((float) want);
                    }
                }
            }
        }
    }
}
