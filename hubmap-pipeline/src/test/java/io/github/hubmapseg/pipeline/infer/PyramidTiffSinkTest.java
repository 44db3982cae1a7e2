package io.github.hubmapseg.pipeline.infer;

import io.github.hubmapseg.testkit.ExternalTools;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.github.hubmapseg.core.slide.ImageSource;
import io.github.hubmapseg.core.slide.ImageSources;
import io.github.hubmapseg.pipeline.HandData;
import io.github.hubmapseg.pipeline.config.Recipe;
import io.github.hubmapseg.pipeline.data.CompetitionDataset;
import io.github.hubmapseg.tiling.sink.RowSink;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class PyramidTiffSinkTest {
    static final String PY = ExternalTools.PYTHON3.toString();
    static final String DUMP = String.join("\n",
            "import sys, tifffile, numpy as np",
            "with tifffile.TiffFile(sys.argv[1]) as t:",
            "    s = t.series[0]",
            "    print('ome', t.is_ome, 'levels', len(s.levels))",
            "    for i, l in enumerate(s.levels):",
            "        a = l.asarray()",
            "        print(i, a.shape[1], a.shape[0], a.dtype)",
            "        a.astype(a.dtype.newbyteorder('<')).tofile(sys.argv[2] + '/level%d.raw' % i)",
            "");

    /** The 2x2-mean pyramid of a map, computed here independently of the sink. */
    static List<float[]> pyramid(float[] map, int w, int h, int tile) {
        List<float[]> out = new ArrayList<>();
        out.add(map);
        while (w > tile || h > tile) {
            int nw = (w + 1) / 2;
            int nh = (h + 1) / 2;
            float[] prev = out.get(out.size() - 1);
            float[] next = new float[nw * nh];
            for (int y = 0; y < nh; y++) {
                for (int x = 0; x < nw; x++) {
                    float s = 0;
                    int n = 0;
                    for (int dy = 0; dy < 2; dy++) {
                        for (int dx = 0; dx < 2; dx++) {
                            int xx = 2 * x + dx;
                            int yy = 2 * y + dy;
                            if (xx < w && yy < h) {
                                s += prev[yy * w + xx];
                                n++;
                            }
                        }
                    }
                    next[y * nw + x] = s / n;
                }
            }
            out.add(next);
            w = nw;
            h = nh;
        }
        return out;
    }

    /** Whether tifffile's check runs: when it is installed, and always in CI (where a missing tool fails). */
    static boolean tifffile() {
        return ExternalTools.inCi() || ExternalTools.hasPython("tifffile", "numpy");
    }

    static String dump(Path tiff, Path dir) throws IOException, InterruptedException {
        Path script = dir.resolve("dump.py");
        Files.writeString(script, DUMP);
        Process p = new ProcessBuilder(PY, script.toString(), tiff.toString(), dir.toString()).redirectErrorStream(true)
                .start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.waitFor(120, TimeUnit.SECONDS)).isTrue();
        assertThat(p.exitValue()).as(out).isZero();
        return out;
    }

    static float[] map(int w, int h) {
        float[] m = new float[w * h];
        for (int y = 0; y < h; y++) {
            for (int x = 0; x < w; x++) {
                m[y * w + x] = (float) (0.5 + 0.5 * Math.sin(x * 0.07) * Math.cos(y * 0.05));
            }
        }
        return m;
    }

    static void feed(PyramidTiffSink s, float[] m, int w, int h, int bandRows) throws IOException {
        s.begin(w, h);
        float[] band = new float[bandRows * w];
        for (int y0 = 0; y0 < h; y0 += bandRows) {
            int rows = Math.min(bandRows, h - y0);
            System.arraycopy(m, y0 * w, band, 0, rows * w);
            s.accept(y0, rows, band);
        }
        s.end();
    }

    @Test
    void tifffileReadsEveryLevelOfAnOddSizedFloatAndByteFile(@TempDir Path dir) throws Exception {
        ExternalTools.python("python3-tifffile python3-numpy", "tifffile", "numpy");
        int w = 200;
        int h = 150;
        float[] m = map(w, h);
        List<float[]> expected = pyramid(m, w, h, 32);
        assertThat(expected).hasSize(4); // 200x150, 100x75, 50x38, 25x19
        for (PyramidTiffSink.Format f : PyramidTiffSink.Format.values()) {
            Path tiff = dir.resolve("p-" + f + ".ome.tif");
            try (PyramidTiffSink s = PyramidTiffSink.open(tiff, w, h, 32, f, "test")) {
                feed(s, m, w, h, 7);
                assertThat(s.levelCount()).isEqualTo(4);
            }
            Path out = Files.createDirectories(dir.resolve("dump-" + f));
            String info = dump(tiff, out);
            assertThat(info).contains("ome True levels 4");
            int lw = w;
            int lh = h;
            for (int k = 0; k < 4; k++) {
                assertThat(info).contains(k + " " + lw + " " + lh + (f == PyramidTiffSink.Format.UINT8 ? " uint8" : " float32"));
                byte[] raw = Files.readAllBytes(out.resolve("level" + k + ".raw"));
                float[] e = expected.get(k);
                if (f == PyramidTiffSink.Format.UINT8) {
                    assertThat(raw).hasSize(lw * lh);
                    for (int i = 0; i < raw.length; i++) {
                        assertThat((double) (raw[i] & 0xFF)).as("level %d pixel %d", k, i)
                                .isCloseTo(255.0 * e[i], org.assertj.core.data.Offset.offset(0.5 + 1e-3));
                    }
                } else {
                    ByteBuffer b = ByteBuffer.wrap(raw).order(ByteOrder.LITTLE_ENDIAN);
                    for (int i = 0; i < lw * lh; i++) {
                        assertThat(b.getFloat(4 * i)).as("level %d pixel %d", k, i)
                                .isCloseTo(e[i], org.assertj.core.data.Offset.offset(1e-6f));
                    }
                }
                lw = (lw + 1) / 2;
                lh = (lh + 1) / 2;
            }
        }
    }

    @Test
    void inferenceWritesTheSlidesProbabilityMapThatTifffileAndOurReaderRead(@TempDir Path dir) throws Exception {
        HandData.write(dir.resolve("data"));
        int n = HandData.SIZE;
        Recipe.Infer infer = new Recipe.Infer(64, 2, 16, 16, "gaussian", List.of("hflip"), 0.5, false, "mean", 0,
                0);
        Inference inf = new Inference(infer, 0.5, null);
        Path tiff = dir.resolve("t.ome.tif");
        float[] m = new float[n * n];
        try (CompetitionDataset ds = CompetitionDataset.open(dir.resolve("data"))) {
            inf.predictProbabilities(ds.slide("t"), List.of(HandData.identity()), new RowSink() {
                @Override
                public void accept(long y0, int rows, float[] band) {
                    System.arraycopy(band, 0, m, (int) y0 * n, rows * n);
                }
            });
            assertThat(inf.writeProbabilityTiff(ds.slide("t"), List.of(HandData.identity()), tiff,
                    PyramidTiffSink.Format.UINT8, 64)).isEqualTo(3);
        }
        try (var files = Files.list(dir)) {
            assertThat(files.map(p -> p.getFileName().toString())).containsExactlyInAnyOrder("data", "t.ome.tif");
        }
        try (ImageSource s = ImageSources.open(tiff)) {
            assertThat(s.width()).isEqualTo(n);
            assertThat(s.height()).isEqualTo(n);
            assertThat(s.channels()).isEqualTo(1);
            byte[] px = s.read(new net.imglib2.FinalInterval(n, n), 1).update(null).getCurrentStorageArray();
            for (int i = 0; i < px.length; i++) {
                assertThat((double) (px[i] & 0xFF)).isCloseTo(255.0 * m[i], org.assertj.core.data.Offset.offset(0.501));
            }
        }
        if (tifffile()) {
            Path out = Files.createDirectories(dir.resolve("dump"));
            assertThat(dump(tiff, out)).contains("levels 3");
            List<float[]> expected = pyramid(m, n, n, 64);
            for (int k = 0; k < 3; k++) {
                byte[] raw = Files.readAllBytes(out.resolve("level" + k + ".raw"));
                float[] e = expected.get(k);
                assertThat(raw).hasSize(e.length);
                for (int i = 0; i < raw.length; i++) {
                    assertThat((double) (raw[i] & 0xFF)).isCloseTo(255.0 * e[i], org.assertj.core.data.Offset.offset(0.501));
                }
            }
        }
    }

    /** Runs a libvips command line; returns its output. */
    static String vips(String... args) throws IOException, InterruptedException {
        List<String> cmd = new ArrayList<>(List.of(args));
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.waitFor(120, TimeUnit.SECONDS)).isTrue();
        assertThat(p.exitValue()).as(String.join(" ", cmd) + ": " + out).isZero();
        return out;
    }

    /**
     * The levels the file must hold, from the format's definition: level 0 is the map; each reduced level is
     * the float32 mean of 2x2 blocks summed as (top pair) + (bottom pair), a missing column or row left out;
     * uint8 samples are {@code round(255 * clamp(p, 0, 1))}.
     */
    static List<byte[]> expectedLevels(float[] map, int w, int h, int tile, PyramidTiffSink.Format f) {
        List<byte[]> out = new ArrayList<>();
        float[] cur = map;
        while (true) {
            byte[] b = new byte[w * h * (f == PyramidTiffSink.Format.UINT8 ? 1 : 4)];
            ByteBuffer bb = ByteBuffer.wrap(b).order(ByteOrder.LITTLE_ENDIAN);
            for (int i = 0; i < w * h; i++) {
                if (f == PyramidTiffSink.Format.UINT8) {
                    float v = Math.max(0f, Math.min(1f, cur[i]));
                    b[i] = (byte) Math.round(v * 255f);
                } else {
                    bb.putFloat(4 * i, cur[i]);
                }
            }
            out.add(b);
            if (w <= tile && h <= tile) {
                return out;
            }
            int nw = (w + 1) / 2;
            int nh = (h + 1) / 2;
            float[] next = new float[nw * nh];
            for (int y = 0; y < nh; y++) {
                for (int x = 0; x < nw; x++) {
                    boolean two = 2 * x + 1 < w;
                    boolean below = 2 * y + 1 < h;
                    float top = cur[2 * y * w + 2 * x] + (two ? cur[2 * y * w + 2 * x + 1] : 0);
                    float s = top;
                    int n = two ? 2 : 1;
                    if (below) {
                        s += cur[(2 * y + 1) * w + 2 * x] + (two ? cur[(2 * y + 1) * w + 2 * x + 1] : 0);
                        n *= 2;
                    }
                    next[y * nw + x] = s / n;
                }
            }
            cur = next;
            w = nw;
            h = nh;
        }
    }

    @Test
    void libvipsReadsEveryLevelBitExactInUint8AndFloat32(@TempDir Path dir) throws Exception {
        String vips = ExternalTools.command("libvips-tools", "vips").toString();
        String vipsheader = ExternalTools.command("libvips-tools", "vipsheader").toString();
        int w = 200;
        int h = 150;
        float[] m = map(w, h);
        m[0] = -0.25f; // clamped in uint8, kept in float32
        m[1] = 1.5f;
        for (PyramidTiffSink.Format f : PyramidTiffSink.Format.values()) {
            Path tiff = dir.resolve("p-" + f + ".ome.tif");
            try (PyramidTiffSink s = PyramidTiffSink.open(tiff, w, h, 32, f, "test")) {
                feed(s, m, w, h, 7);
                assertThat(s.levelCount()).isEqualTo(4);
            }
            List<byte[]> expected = expectedLevels(m, w, h, 32, f);
            assertThat(expected).hasSize(4);
            // level 0 is the main IFD; reduced level k is SubIFD k - 1 (vips tiffload --subifd N)
            assertThatThrownBy(() -> vips(vips, "tiffload", tiff.toString(), dir.resolve("x.v").toString(),
                    "--subifd", "3")).hasMessageContaining("subifd");
            int lw = w;
            int lh = h;
            for (int k = 0; k < 4; k++) {
                Path v = dir.resolve("l" + k + ".v");
                Path raw = dir.resolve("l" + k + ".raw");
                vips(vips, "tiffload", tiff.toString(), v.toString(), "--subifd", Integer.toString(k - 1));
                String header = vips(vipsheader, "-a", v.toString());
                assertThat(header).contains("width: " + lw).contains("height: " + lh).contains("bands: 1")
                        .contains("format: " + (f == PyramidTiffSink.Format.UINT8 ? "uchar" : "float"));
                vips(vips, "rawsave", v.toString(), raw.toString());
                assertThat(Files.readAllBytes(raw)).as("%s level %d", f, k).isEqualTo(expected.get(k));
                lw = (lw + 1) / 2;
                lh = (lh + 1) / 2;
            }
        }
    }

    @Test
    void anIncompleteFileIsNeverMovedIntoPlace(@TempDir Path dir) throws IOException {
        Path tiff = dir.resolve("x.ome.tif");
        try (PyramidTiffSink s = PyramidTiffSink.open(tiff, 64, 64, 32, PyramidTiffSink.Format.UINT8, "x")) {
            s.begin(64, 64);
            s.accept(0, 1, new float[64]);
            assertThatThrownBy(s::end).hasMessageContaining("got 1 of 64 rows");
        }
        try (var files = Files.list(dir)) {
            assertThat(files).isEmpty();
        }
        assertThatThrownBy(() -> PyramidTiffSink.open(tiff, 64, 64, 30, PyramidTiffSink.Format.UINT8, "x"))
                .hasMessageContaining("tileSize must be a positive multiple of 16");
    }
}
