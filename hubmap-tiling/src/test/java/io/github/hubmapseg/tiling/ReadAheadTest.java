package io.github.hubmapseg.tiling;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.github.hubmapseg.core.predict.Predictor;
import io.github.hubmapseg.core.predict.TileBatch;
import io.github.hubmapseg.core.slide.AbstractImageSource;
import io.github.hubmapseg.core.slide.ImageSource;
import io.github.hubmapseg.core.slide.ImageSources;
import io.github.hubmapseg.core.slide.InMemoryImageSource;
import io.github.hubmapseg.core.slide.SlideInfo;
import io.github.hubmapseg.core.slide.TiffSlideWriter;
import io.github.hubmapseg.tiling.sink.FloatImageSink;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * The read-ahead band ({@link ReadAheadBand}) changes where window pixels come from, never their values: every
 * pass here runs twice, read-ahead on and off (windows read one by one, the engine before the band), and the
 * outputs must be bit-identical.
 */
class ReadAheadTest {

    /**
     * Position- and channel-sensitive: {@code p = sigmoid-free mix of the 3 channels and the pixel to the
     * right, scaled by the column}, so a window assembled from the wrong rows, columns or channels differs.
     */
    static Predictor mix() {
        return new Predictor() {
            @Override
            public int inputChannels() {
                return 3;
            }

            @Override
            public TileBatch predict(TileBatch t) {
                int h = t.height();
                int w = t.width();
                int plane = h * w;
                float[] in = t.data();
                float[] out = new float[t.size() * plane];
                for (int n = 0; n < t.size(); n++) {
                    int b = n * 3 * plane;
                    for (int y = 0; y < h; y++) {
                        for (int x = 0; x < w; x++) {
                            int k = y * w + x;
                            int kr = y * w + Math.min(w - 1, x + 1);
                            out[n * plane + k] = (in[b + k] + 2 * in[b + plane + k] + 3 * in[b + 2 * plane + kr])
                                    * (1 + x) / (6 * 255f * w) + y * 1e-4f;
                        }
                    }
                }
                return new TileBatch(out, t.size(), 1, h, w);
            }
        };
    }

    /** Same length and the same bits at every index; names the first index that differs. */
    static void assertSameBits(float[] got, float[] want) {
        assertThat(got).hasSameSizeAs(want);
        for (int k = 0; k < got.length; k++) {
            if (Float.floatToRawIntBits(got[k]) != Float.floatToRawIntBits(want[k])) {
                throw new AssertionError("value " + k + " differs: " + got[k] + " vs " + want[k]);
            }
        }
    }

    static void assertSameBits(double[] got, double[] want) {
        assertThat(got).hasSameSizeAs(want);
        for (int k = 0; k < got.length; k++) {
            if (Double.doubleToRawLongBits(got[k]) != Double.doubleToRawLongBits(want[k])) {
                throw new AssertionError("value " + k + " differs: " + got[k] + " vs " + want[k]);
            }
        }
    }

    static InMemoryImageSource rgb(int w, int h, long seed) {
        byte[] p = new byte[w * h * 3];
        new Random(seed).nextBytes(p);
        return new InMemoryImageSource(p, w, h, 3);
    }

    static float[] run(SlidingWindow.Builder b, ImageSource src, boolean ahead) throws IOException {
        FloatImageSink out = new FloatImageSink();
        b.readAhead(ahead).build().run(src, mix(), out);
        return out.floats();
    }

    @ParameterizedTest
    @CsvSource({"32,24,0,2,4", "32,24,8,2,3", "32,17,5,0,2", "48,20,16,1,5", "16,5,3,2,1", "64,64,0,2,2",
        "40,40,20,2,7"})
    void passIsBitIdenticalWithAndWithoutReadAhead(int t, int s, int e, int threads, int batch) throws Exception {
        InMemoryImageSource img = rgb(203, 157, t * 31L + s);
        SlidingWindow.Builder b = SlidingWindow.builder(t).stride(s).expand(e).batchSize(batch)
                .readerThreads(threads);
        assertThat(b.build().plan(203, 157, 3).readAheadBytes()).isPositive();
        CountingSource a = new CountingSource(img);
        CountingSource w = new CountingSource(img);
        float[] on = run(b, a, true);
        float[] off = run(b, w, false);
        assertThat(on).hasSize(203 * 157);
        assertSameBits(on, off);
        // the band reads rows across the image (in at most 2 column parts), the old reader one window at a time
        assertThat(a.widest).isGreaterThanOrEqualTo(203 / 2);
        assertThat(w.widest).isLessThanOrEqualTo(t + 2 * e);
    }

    /**
     * With the band, windows are assembled one batch ahead of the predictor whatever the prefetch: two batch
     * arrays in turn (each written right before it is predicted), and the plan counts two batches (one without
     * reader threads); without it, reader threads fill up to {@code prefetch + 1} arrays ahead. Same bits.
     */
    @Test
    void withTheBandBatchesAreAssembledOneAheadIntoTwoArrays() throws Exception {
        InMemoryImageSource img = rgb(203, 157, 77);
        float[][] outs = new float[3][];
        for (int k = 0; k < 3; k++) {
            boolean ahead = k < 2;
            int threads = k == 1 ? 0 : 2;
            java.util.Set<Object> arrays = java.util.Collections.newSetFromMap(new java.util.IdentityHashMap<>());
            Predictor base = mix();
            Predictor spy = new Predictor() {
                @Override
                public int inputChannels() {
                    return 3;
                }

                @Override
                public TileBatch predict(TileBatch t) {
                    if (t.size() == 3) { // full batches (the last one may be shorter)
                        arrays.add(t.data());
                    }
                    return base.predict(t);
                }
            };
            SlidingWindow sw = SlidingWindow.builder(32).stride(24).expand(4).batchSize(3).readerThreads(threads)
                    .prefetchBatches(3).readAhead(ahead).build();
            FloatImageSink out = new FloatImageSink();
            sw.run(img, spy, out);
            outs[k] = out.floats();
            MemoryPlan plan = sw.plan(203, 157, 3);
            long oneBatch = 3L * (3 + 3) * 40 * 40 * 4;
            if (ahead) {
                assertThat(arrays).hasSize(threads == 0 ? 1 : 2);
                assertThat(plan.batchBytes()).isEqualTo((threads == 0 ? 1 : 2) * oneBatch);
            } else {
                assertThat(arrays).hasSizeGreaterThan(1).hasSizeLessThanOrEqualTo(3 + 1);
                assertThat(plan.batchBytes()).isEqualTo((3 + 1) * oneBatch);
            }
        }
        assertSameBits(outs[0], outs[2]);
        assertSameBits(outs[1], outs[2]);
    }

    @Test
    void doublePrecisionIsBitIdenticalToo() throws Exception {
        InMemoryImageSource img = rgb(97, 131, 5);
        for (int threads : new int[] {0, 2}) {
            SlidingWindow.Builder b = SlidingWindow.builder(32).stride(24).expand(6).readerThreads(threads)
                    .precision(SlidingWindow.Precision.DOUBLE);
            double[][] got = new double[2][];
            for (int k = 0; k < 2; k++) {
                FloatImageSink out = new FloatImageSink();
                b.readAhead(k == 0).build().run(img, mix(), out);
                got[k] = out.values();
            }
            assertSameBits(got[0], got[1]);
        }
    }

    @Test
    void skippedTileRowsAreNotReadAndTheRestIsIdentical() throws Exception {
        InMemoryImageSource img = rgb(150, 260, 9);
        // tissue only in rows 0..39 and 200..259: the tile rows between are skipped
        byte[] cells = new byte[150 * 260];
        for (int y = 0; y < 260; y++) {
            if (y < 40 || y >= 200) {
                java.util.Arrays.fill(cells, y * 150, y * 150 + 150, (byte) 1);
            }
        }
        TissueMask mask = new TissueMask(150, 260, 1, cells);
        CountingSource counted = new CountingSource(img);
        SlidingWindow.Builder b = SlidingWindow.builder(32).stride(24).expand(4).tissue(mask);
        float[] on = run(b, counted, true);
        long rowsRead = counted.rows;
        assertSameBits(on, run(b, img, false));
        // the band reads the rows of the tile rows with tissue (plus chunk rounding), not all 260
        assertThat(rowsRead).isGreaterThanOrEqualTo(40 + 60).isLessThan(260);
    }

    @Test
    void compressedTiledTiffAndReducedMembersAreIdentical(@TempDir Path dir) throws Exception {
        InMemoryImageSource img = rgb(300, 212, 11);
        Path f = dir.resolve("slide.tif");
        try (TiffSlideWriter w = TiffSlideWriter.builder(f, 300, 212).tileSize(32)
                .compression(TiffSlideWriter.Compression.DEFLATE).open()) {
            w.writeAll(img, 2, null);
        }
        try (ImageSource src = ImageSources.open(f)) {
            SlidingWindow.Builder b = SlidingWindow.builder(48).stride(36).expand(8).batchSize(3);
            float[] on = run(b, src, true);
            assertSameBits(on, run(b, src, false));
            assertSameBits(on, run(b, img, false));
            // an engine of two members, one at reduce 2 (a ReducedImageSource: not an AbstractImageSource)
            List<Member> members = List.of(Member.of(mix(), 32).withOverlap(8),
                    Member.of(Predictors.at(mix(), 2, 4), 24).withOverlap(6));
            float[][] got = new float[2][];
            for (int k = 0; k < 2; k++) {
                FloatImageSink out = new FloatImageSink();
                Engine.builder(members).readAhead(k == 0).build().run(src, List.of(out));
                got[k] = out.floats();
            }
            assertSameBits(got[0], got[1]);
            assertThat(Engine.builder(members).build().plan(300, 212, 3).describe()).contains("read-ahead");
        }
    }

    /**
     * Uncompressed chunky TIFFs (tiled by the library's writer; stripped, with strips of 7 rows, by tifffile) fill
     * the ring with rows as stored, interleaved, and deinterleave only into the windows; a planar one keeps the
     * planar ring. All bit-identical to the windows read one by one and to the image in memory.
     */
    @Test
    void uncompressedInterleavedTiffsFillTheRingAsStoredAndAreIdentical(@TempDir Path dir) throws Exception {
        InMemoryImageSource img = rgb(300, 212, 12);
        Path tiled = dir.resolve("tiled.tif");
        try (TiffSlideWriter w = TiffSlideWriter.builder(tiled, 300, 212).tileSize(32)
                .compression(TiffSlideWriter.Compression.NONE).open()) {
            w.writeAll(img, 2, null);
        }
        List<Path> files = new java.util.ArrayList<>(List.of(tiled));
        List<Boolean> interleaved = new java.util.ArrayList<>(List.of(true));
        Path py = io.github.hubmapseg.testkit.ExternalTools.python("python3-numpy python3-tifffile", "numpy",
                "tifffile");
        Path raw = dir.resolve("planar.raw");
        java.nio.file.Files.write(raw, img.read(net.imglib2.FinalInterval.createMinSize(0, 0, 300, 212))
                .update(null).getCurrentStorageArray());
        Path script = dir.resolve("w.py");
        java.nio.file.Files.writeString(script, """
                import sys, numpy as np, tifffile
                a = np.fromfile(sys.argv[1], dtype=np.uint8).reshape(3, 212, 300)
                tifffile.imwrite(sys.argv[2], a.transpose(1, 2, 0).copy(), photometric='rgb', rowsperstrip=7)
                tifffile.imwrite(sys.argv[3], a, photometric='rgb', planarconfig='separate', rowsperstrip=7)
                """);
        Process pr = new ProcessBuilder(py.toString(), script.toString(), raw.toString(),
                dir.resolve("strips.tif").toString(), dir.resolve("planar.tif").toString())
                .redirectErrorStream(true).start();
        String log = new String(pr.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
        assertThat(pr.waitFor()).as(log).isZero();
        files.add(dir.resolve("strips.tif"));
        interleaved.add(true);
        files.add(dir.resolve("planar.tif"));
        interleaved.add(false);
        for (int k = 0; k < files.size(); k++) {
            try (ImageSource src = ImageSources.open(files.get(k))) {
                assertThat(((AbstractImageSource) src).readsInterleaved()).as(files.get(k).toString())
                        .isEqualTo(interleaved.get(k));
                for (int threads : new int[] {0, 2}) {
                    SlidingWindow.Builder b = SlidingWindow.builder(48).stride(36).expand(8).batchSize(3)
                            .readerThreads(threads);
                    float[] on = run(b, src, true);
                    assertSameBits(on, run(b, src, false));
                    assertSameBits(on, run(b, img, false));
                }
                double[][] got = new double[2][];
                for (int a = 0; a < 2; a++) {
                    FloatImageSink out = new FloatImageSink();
                    SlidingWindow.builder(32).stride(24).expand(6).precision(SlidingWindow.Precision.DOUBLE)
                            .readAhead(a == 0).build().run(src, mix(), out);
                    got[a] = out.values();
                }
                assertSameBits(got[0], got[1]);
            }
        }
    }

    @Test
    void aReadErrorOnTheLoaderThreadReachesTheCallerWithItsMessage() {
        InMemoryImageSource img = rgb(120, 400, 3);
        ImageSource failing = new CountingSource(img) {
            @Override
            protected void readValid(long x, long y, int w, int h, byte[] dst, int dw, int dh, int ox, int oy)
                    throws IOException {
                if (y + h > 300) {
                    throw new IOException("slide.tif: cannot read tile 7 (corrupt)");
                }
                super.readValid(x, y, w, h, dst, dw, dh, ox, oy);
            }
        };
        for (int threads : new int[] {0, 2}) {
            for (boolean ahead : new boolean[] {true, false}) {
                SlidingWindow.Builder b = SlidingWindow.builder(32).stride(24).readerThreads(threads);
                assertThatThrownBy(() -> run(b, failing, ahead)).isInstanceOf(IOException.class)
                        .hasMessage("slide.tif: cannot read tile 7 (corrupt)");
            }
        }
    }

    @Test
    void theBandIsPlannedAndDroppedWhenTheBudgetCannotHoldIt() throws Exception {
        SlidingWindow big = SlidingWindow.builder(512).stride(384).batchSize(8).memoryBudget(700L << 20).build();
        MemoryPlan p = big.plan(30000, 25000, 3);
        // two tile rows (512 + 384 rows) plus one chunk of up to 512 rows, minus one, full width, 3 channels
        assertThat(p.readAheadBytes()).isEqualTo((512L + 384 + 511) * 30000 * 3);
        assertThat(p.totalBytes()).isLessThanOrEqualTo(700L << 20);
        SlidingWindow tight = SlidingWindow.builder(32).stride(24).memoryBudget(2_500_000).build();
        MemoryPlan q = tight.plan(2000, 300, 3);
        assertThat(q.readAheadBytes()).isZero();
        InMemoryImageSource img = rgb(2000, 300, 4);
        FloatImageSink out = new FloatImageSink();
        tight.run(img, mix(), out);
        assertSameBits(out.floats(), run(SlidingWindow.builder(32).stride(24), img, true));
    }

    /** Counts the source rows read (all channels of a rectangle count its height once) and the widest read. */
    static class CountingSource extends AbstractImageSource {
        final InMemoryImageSource in;
        long rows;
        int widest;

        CountingSource(InMemoryImageSource in) {
            this.in = in;
        }

        @Override
        protected void readValid(long x, long y, int w, int h, byte[] dst, int dw, int dh, int ox, int oy)
                throws IOException {
            synchronized (this) {
                if (x == 0) {
                    rows += h;
                }
                widest = Math.max(widest, w);
            }
            in.readInto(x, y, w, h, dst, dw, dh, ox, oy);
        }

        @Override
        public long width() {
            return in.width();
        }

        @Override
        public long height() {
            return in.height();
        }

        @Override
        public int channels() {
            return in.channels();
        }

        @Override
        public SlideInfo info() {
            return in.info();
        }

        @Override
        public void close() {
        }
    }
}
