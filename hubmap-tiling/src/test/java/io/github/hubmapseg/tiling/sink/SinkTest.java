package io.github.hubmapseg.tiling.sink;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.awt.image.BufferedImage;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.Random;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SinkTest {

    /** Reference: 8-connected labelling by flood fill, small components removed. */
    static byte[] reference(byte[] m, int w, int h, long minSize) {
        byte[] out = m.clone();
        int[] label = new int[w * h];
        int next = 0;
        for (int s = 0; s < w * h; s++) {
            if (m[s] == 0 || label[s] != 0) {
                continue;
            }
            next++;
            ArrayDeque<Integer> q = new ArrayDeque<>();
            java.util.List<Integer> comp = new java.util.ArrayList<>();
            q.add(s);
            label[s] = next;
            while (!q.isEmpty()) {
                int p = q.poll();
                comp.add(p);
                int x = p % w;
                int y = p / w;
                for (int dy = -1; dy <= 1; dy++) {
                    for (int dx = -1; dx <= 1; dx++) {
                        int xx = x + dx;
                        int yy = y + dy;
                        if (xx >= 0 && yy >= 0 && xx < w && yy < h && m[yy * w + xx] != 0 && label[yy * w + xx] == 0) {
                            label[yy * w + xx] = next;
                            q.add(yy * w + xx);
                        }
                    }
                }
            }
            if (comp.size() < minSize) {
                for (int p : comp) {
                    out[p] = 0;
                }
            }
        }
        return out;
    }

    static void stream(MaskRowSink sink, byte[] m, int w, int h, int band) throws Exception {
        sink.begin(w, h);
        for (int y = 0; y < h; y += band) {
            int n = Math.min(band, h - y);
            byte[] b = new byte[n * w + 7]; // longer than needed: only n*w bytes are valid
            System.arraycopy(m, y * w, b, 0, n * w);
            sink.accept(y, n, b);
        }
        sink.end();
    }

    @Test
    void componentFilterMatchesFloodFillOnRandomMasks() throws Exception {
        Random rnd = new Random(7);
        for (int trial = 0; trial < 40; trial++) {
            int w = 1 + rnd.nextInt(60);
            int h = 1 + rnd.nextInt(60);
            double density = 0.05 + 0.6 * rnd.nextDouble();
            byte[] m = new byte[w * h];
            for (int k = 0; k < m.length; k++) {
                m[k] = rnd.nextDouble() < density ? (byte) 1 : 0;
            }
            long min = 1 + rnd.nextInt(30);
            MaskImageSink got = new MaskImageSink();
            stream(new ComponentFilter(min, got), m, w, h, 1 + rnd.nextInt(7));
            assertThat(got.mask()).as("trial %d %dx%d min %d", trial, w, h, min).containsExactly(reference(m, w, h, min));
        }
    }

    @Test
    void componentFilterSurvivesLabelCompaction() throws Exception {
        // many tiny components over many rows force the label table to be compacted and grown
        int w = 300;
        int h = 400;
        byte[] m = new byte[w * h];
        Random rnd = new Random(3);
        for (int k = 0; k < m.length; k++) {
            m[k] = rnd.nextInt(5) == 0 ? (byte) 1 : 0;
        }
        for (int y = 0; y < h; y++) {
            m[y * w + 150] = 1; // one tall component
        }
        MaskImageSink got = new MaskImageSink();
        stream(new ComponentFilter(4, got), m, w, h, 16);
        assertThat(got.mask()).containsExactly(reference(m, w, h, 4));
    }

    /** Foreground iff {@code p >= threshold} (team A: "if that average is >= 0.5"), compared in double. */
    @Test
    void thresholdIsGreaterOrEqual() throws Exception {
        MaskImageSink got = new MaskImageSink();
        RowSink t = RowSinks.threshold(0.5, got);
        t.begin(5, 1);
        t.accept(0, 1, new float[] {0.2f, 0.49999f, 0.5f, 0.50001f, 1f});
        t.end();
        assertThat(got.mask()).containsExactly(0, 0, 1, 1, 1);
        // 0.65 is not a float: the float nearest to it (0.6499999762) is below the double threshold
        MaskImageSink got2 = new MaskImageSink();
        RowSink t2 = RowSinks.threshold(0.65, got2);
        t2.begin(3, 1);
        t2.accept(0, 1, new float[] {0.65f, Math.nextUp(0.65f), 0.7f});
        t2.end();
        assertThat(got2.mask()).containsExactly(0, 1, 1);
        MaskImageSink got3 = new MaskImageSink();
        RowSink t3 = RowSinks.threshold(0.5, got3);
        t3.begin(3, 1);
        t3.acceptDouble(0, 1, new double[] {0.4999999999, 0.5, 0.75}, 3);
        t3.end();
        assertThat(got3.mask()).containsExactly(0, 1, 1);
    }

    @Test
    void pngWriterStreamsA1BitPngThatImageIoReads(@TempDir Path dir) throws Exception {
        int w = 77;
        int h = 53;
        byte[] m = new byte[w * h];
        Random rnd = new Random(1);
        for (int k = 0; k < m.length; k++) {
            m[k] = rnd.nextBoolean() ? (byte) 1 : 0;
        }
        Path f = dir.resolve("mask.png");
        try (PngMaskWriter png = new PngMaskWriter(f)) {
            stream(png, m, w, h, 10);
        }
        BufferedImage img = ImageIO.read(f.toFile());
        assertThat(img.getWidth()).isEqualTo(w);
        assertThat(img.getHeight()).isEqualTo(h);
        for (int y = 0; y < h; y++) {
            for (int x = 0; x < w; x++) {
                int v = img.getRaster().getSample(x, y, 0);
                assertThat(v).as("(%d, %d)", x, y).isEqualTo(m[y * w + x]);
            }
        }
        try (var files = Files.list(dir)) {
            assertThat(files.toList()).containsExactly(f);
        }
    }

    @Test
    void pngWriterRefusesMissingRowsAndLeavesNoFile(@TempDir Path dir) throws Exception {
        Path f = dir.resolve("m.png");
        try (PngMaskWriter png = new PngMaskWriter(f)) {
            png.begin(4, 3);
            png.accept(0, 1, new byte[4]);
            assertThatThrownBy(png::end).hasMessageContaining("PNG expects 3 rows, got 1");
        }
        try (var files = Files.list(dir)) {
            assertThat(files.toList()).isEmpty();
        }
    }
}
