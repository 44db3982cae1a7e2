package io.github.hubmapseg.tiling;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.github.hubmapseg.core.rle.Rle;
import io.github.hubmapseg.core.slide.InMemoryImageSource;
import io.github.hubmapseg.tiling.conformance.BoxBlurPredictor;
import io.github.hubmapseg.tiling.sink.FloatImageSink;
import io.github.hubmapseg.tiling.sink.MaskImageSink;
import io.github.hubmapseg.tiling.sink.RowSink;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class SlidingWindowTest {

    static InMemoryImageSource randomImage(int w, int h, int c, long seed) {
        byte[] p = new byte[w * h * c];
        new Random(seed).nextBytes(p);
        return new InMemoryImageSource(p, w, h, c);
    }

    static double[] values(InMemoryImageSource s) throws Exception {
        int w = (int) s.width();
        int h = (int) s.height();
        float[] f = new float[w * h];
        Rasters.of(s).read(0, 0, w, h, f);
        double[] d = new double[f.length];
        for (int k = 0; k < f.length; k++) {
            d[k] = f[k];
        }
        return d;
    }

    @ParameterizedTest
    @CsvSource({"32,32,0,gaussian", "32,24,0,gaussian", "32,17,5,mean", "48,20,16,gaussian", "16,5,3,mean",
        "40,40,8,gaussian32"})
    void identityPredictorReturnsTheInputExactly(int t, int s, int e, String wt) throws Exception {
        InMemoryImageSource img = randomImage(101, 77, 1, t * 31L + s);
        Weighting weighting = switch (wt) {
            case "mean" -> Weighting.mean();
            case "gaussian32" -> Weighting.gaussian(1.0 / 32);
            default -> Weighting.gaussian();
        };
        SlidingWindow sw = SlidingWindow.builder(t).stride(s).expand(e).weighting(weighting).batchSize(3).build();
        FloatImageSink out = sw.predict(img, TestModels.identity());
        assertThat(out.values()).containsExactly(values(img));
    }

    @Test
    void identityWithAllEightPosesIsStillExact() throws Exception {
        InMemoryImageSource img = randomImage(70, 66, 1, 3);
        SlidingWindow sw = SlidingWindow.builder(32).stride(20).expand(6).build();
        assertThat(sw.predict(img, Predictors.tta(TestModels.identity(), D4.values())).values()).containsExactly(values(img));
    }

    @ParameterizedTest
    @CsvSource({"16,16,1", "16,9,1", "24,13,2", "32,7,4", "20,20,3", "64,33,1"})
    void tiledEqualsUntiledWhenExpansionCoversTheReceptiveField(int t, int s, int e) throws Exception {
        InMemoryImageSource img = randomImage(97, 83, 1, 11);
        double[] ref = TestModels.blurReflect(values(img), 83, 97);
        for (Weighting w : List.of(Weighting.mean(), Weighting.gaussian(), Weighting.gaussian(1.0 / 16))) {
            FloatImageSink out = SlidingWindow.builder(t).stride(s).expand(e).weighting(w).build()
                    .predict(img, new BoxBlurPredictor());
            double worst = 0;
            for (int k = 0; k < ref.length; k++) {
                worst = Math.max(worst, Math.abs(out.values()[k] - ref[k]) / 255);
            }
            assertThat(worst).as("T%d S%d E%d %s", t, s, e, w).isLessThanOrEqualTo(1e-6);
        }
    }

    @Test
    void withoutExpansionTileBordersShow() throws Exception {
        InMemoryImageSource img = randomImage(64, 64, 1, 12);
        double[] ref = TestModels.blurReflect(values(img), 64, 64);
        FloatImageSink out = SlidingWindow.builder(32).stride(32).expand(0).build().predict(img, new BoxBlurPredictor());
        double worst = 0;
        for (int k = 0; k < ref.length; k++) {
            worst = Math.max(worst, Math.abs(out.values()[k] - ref[k]));
        }
        assertThat(worst).isGreaterThan(1);
    }

    @Test
    void ttaUndoesEachPoseBeforeBlending() throws Exception {
        InMemoryImageSource img = randomImage(64, 64, 1, 5);
        double[] in = values(img);
        for (D4[] poses : List.of(D4.values(), D4.flips(), new D4[] {D4.IDENTITY, D4.HFLIP})) {
            FloatImageSink out = SlidingWindow.builder(32).stride(32).build()
                    .predict(img, Predictors.tta(TestModels.ramp(), poses));
            for (int k = 0; k < in.length; k++) {
                assertThat(out.values()[k]).isCloseTo(in[k] * 15.5, org.assertj.core.data.Offset.offset(1e-3));
            }
        }
        // without TTA the ramp shows
        FloatImageSink plain = SlidingWindow.builder(32).stride(32).build().predict(img, TestModels.ramp());
        assertThat(plain.values()[5]).isEqualTo(in[5] * 5);
    }

    @Test
    void ensembleMeanAndVoting() throws Exception {
        InMemoryImageSource img = randomImage(50, 40, 3, 1);
        List<io.github.hubmapseg.core.predict.Predictor> ps = List.of(TestModels.constant(0.2f, 3, null, false),
                TestModels.constant(0.6f, 3, null, false), TestModels.constant(0.8f, 3, null, false));
        FloatImageSink mean = new FloatImageSink();
        SlidingWindow.builder(32).stride(16).build().run(Rasters.of(img),
                Predictors.combined(ps, Combination.mean(), null), mean);
        for (double v : mean.values()) {
            assertThat(v).isCloseTo(1.6 / 3, org.assertj.core.data.Offset.offset(1e-6));
        }
        FloatImageSink two = new FloatImageSink();
        SlidingWindow.builder(32).stride(16).build().run(Rasters.of(img),
                Predictors.combined(ps, Combination.vote(2, 0.5), null), two);
        assertThat(two.values()).containsOnly(1.0);
        FloatImageSink three = new FloatImageSink();
        SlidingWindow.builder(32).stride(16).build().run(Rasters.of(img),
                Predictors.combined(ps, Combination.vote(3, 0.5), null), three);
        assertThat(three.values()).containsOnly(0.0);
        assertThatThrownBy(() -> Predictors.combined(ps, Combination.vote(4, 0.5), null))
                .hasMessageContaining("k = 4").hasMessageContaining("3 members");
    }

    @Test
    void logitsGoThroughASigmoid() throws Exception {
        InMemoryImageSource img = randomImage(40, 40, 3, 1);
        FloatImageSink out = SlidingWindow.builder(32).build().predict(img, TestModels.constant(0f, 3, null, true));
        assertThat(out.values()).containsOnly(0.5);
    }

    @Test
    void windowsWithoutTissueAreNotPredicted() throws Exception {
        InMemoryImageSource img = randomImage(128, 64, 3, 1);
        byte[] cells = new byte[16 * 8];
        for (int j = 0; j < 8; j++) {
            cells[j * 16] = 1; // tissue only in the first column of cells (x < 8)
        }
        TissueMask tissue = new TissueMask(16, 8, 8, cells);
        AtomicLong seen = new AtomicLong();
        AtomicLong last = new AtomicLong();
        AtomicLong total = new AtomicLong();
        SlidingWindow sw = SlidingWindow.builder(32).stride(32).tissue(tissue)
                .progress((d, t) -> {
                    assertThat(d).isGreaterThanOrEqualTo(last.get());
                    last.set(d);
                    total.set(t);
                }).build();
        FloatImageSink out = new FloatImageSink();
        sw.run(img, TestModels.constant(1f, 3, seen, false), out);
        assertThat(seen.get()).isEqualTo(2); // the two tiles of column 0
        assertThat(last.get()).isEqualTo(8).isEqualTo(total.get());
        assertThat(out.values()[10]).isEqualTo(1.0);
        assertThat(out.values()[100]).isEqualTo(0.0);
    }

    @Test
    void rowsStreamInOrderOnceInBandsOfThePlannedHeight() throws Exception {
        InMemoryImageSource img = randomImage(300, 500, 1, 2);
        SlidingWindow sw = SlidingWindow.builder(64).stride(48).expand(8).memoryBudget(3_000_000).build();
        MemoryPlan plan = sw.plan(300, 500, 1);
        List<long[]> bands = new ArrayList<>();
        sw.run(img, TestModels.identity(), new RowSink() {
            long width;

            @Override
            public void begin(long w, long h) {
                width = w;
            }

            @Override
            public void accept(long y0, int rows, float[] band) {
                assertThat(band.length).isGreaterThanOrEqualTo((int) (rows * width));
                bands.add(new long[] {y0, rows});
            }
        });
        long next = 0;
        for (long[] b : bands) {
            assertThat(b[0]).isEqualTo(next);
            assertThat(b[1]).isBetween(1L, (long) plan.bandRows());
            next += b[1];
        }
        assertThat(next).isEqualTo(500);
        assertThat(plan.totalBytes()).isLessThanOrEqualTo(3_000_000);
    }

    @Test
    void memoryIsIndependentOfHeight() {
        SlidingWindow sw = SlidingWindow.builder(512).stride(384).batchSize(8).build();
        MemoryPlan a = sw.plan(30000, 25000, 3);
        MemoryPlan b = sw.plan(30000, 250000, 3);
        assertThat(a.tileStoreBytes() + a.batchBytes()).isEqualTo(b.tileStoreBytes() + b.batchBytes());
        assertThat(a.totalBytes()).isLessThan(1L << 30);
    }

    @Test
    void tooSmallBudgetIsRefusedWithTheNumbers() {
        SlidingWindow sw = SlidingWindow.builder(512).stride(384).memoryBudget(10_000_000).build();
        assertThatThrownBy(() -> sw.plan(30000, 25000, 3)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("memoryBudget 9.5 MiB").hasMessageContaining("needs at least");
    }

    @Test
    void maskOutputThresholdsAndDropsSmallComponents() throws Exception {
        // a predictor that marks bright pixels: p = in / 255
        byte[] px = new byte[60 * 50];
        for (int y = 10; y < 30; y++) {
            for (int x = 10; x < 30; x++) {
                px[y * 60 + x] = (byte) 250; // 400-pixel square
            }
        }
        px[45 * 60 + 50] = (byte) 250; // single pixel
        InMemoryImageSource img = new InMemoryImageSource(px, 60, 50, 1);
        io.github.hubmapseg.core.predict.Predictor scale = new io.github.hubmapseg.core.predict.Predictor() {
            @Override
            public int inputChannels() {
                return 1;
            }

            @Override
            public io.github.hubmapseg.core.predict.TileBatch predict(io.github.hubmapseg.core.predict.TileBatch t) {
                float[] d = t.data().clone();
                for (int k = 0; k < d.length; k++) {
                    d[k] /= 255f;
                }
                return new io.github.hubmapseg.core.predict.TileBatch(d, t.size(), 1, t.height(), t.width());
            }
        };
        byte[] expected = new byte[60 * 50];
        for (int y = 10; y < 30; y++) {
            for (int x = 10; x < 30; x++) {
                expected[y * 60 + x] = 1;
            }
        }
        MaskImageSink mask = new MaskImageSink();
        SlidingWindow.builder(32).stride(20).build().run(img, scale,
                io.github.hubmapseg.tiling.sink.RowSinks.maskStage(0.5, 2, mask));
        assertThat(Rle.encode(mask.mask(), 50, 60)).isEqualTo(Rle.encode(expected, 50, 60));
        MaskImageSink keep = new MaskImageSink();
        SlidingWindow.builder(32).stride(20).build().run(img, scale,
                io.github.hubmapseg.tiling.sink.RowSinks.maskStage(0.5, 0, keep));
        assertThat(keep.mask()[45 * 60 + 50]).isEqualTo((byte) 1);
    }

    @Test
    void badOptionsAreNamed() {
        assertThatThrownBy(() -> SlidingWindow.builder(-3).build()).hasMessage("tileSize must be > 0, got -3");
        assertThatThrownBy(() -> SlidingWindow.builder(32).stride(33).build()).hasMessageContaining("stride must be in 1..32");
        assertThatThrownBy(() -> SlidingWindow.builder(32).expand(-1).build()).hasMessageContaining("expand must be >= 0, got -1");
        assertThatThrownBy(() -> SlidingWindow.builder(32).overlap(1.0).build()).hasMessageContaining("overlap must be in [0, 1)");
        assertThatThrownBy(() -> SlidingWindow.builder(32).batchSize(0).build()).hasMessageContaining("batchSize must be > 0");
        assertThatThrownBy(() -> Predictors.tta(TestModels.identity(), D4.HFLIP, D4.HFLIP)).hasMessageContaining("distinct");
        InMemoryImageSource img = randomImage(20, 50, 1, 1);
        assertThatThrownBy(() -> SlidingWindow.builder(32).build().predict(img, TestModels.identity()))
                .hasMessageContaining("tileSize 32 is larger than the image 20 x 50");
        InMemoryImageSource rgb = randomImage(64, 64, 3, 1);
        assertThatThrownBy(() -> SlidingWindow.builder(32).build().predict(rgb, TestModels.identity()))
                .hasMessageContaining("predictor expects 1 input channels, the image has 3");
        io.github.hubmapseg.core.predict.Predictor div32 = new io.github.hubmapseg.core.predict.Predictor() {
            @Override
            public int inputChannels() {
                return 3;
            }

            @Override
            public io.github.hubmapseg.core.predict.TileBatch predict(io.github.hubmapseg.core.predict.TileBatch t) {
                return t;
            }

            @Override
            public int sizeDivisor() {
                return 32;
            }
        };
        assertThatThrownBy(() -> SlidingWindow.builder(32).expand(4).build().predict(rgb, div32))
                .hasMessageContaining("window size tile + 2*expand = 40 must be a multiple of the predictor's size divisor 32");
    }

    @Test
    void overlapGivesTheStride() {
        assertThat(SlidingWindow.builder(512).overlap(0.25).build().grid(1000, 1000).stride()).isEqualTo(384);
        assertThat(SlidingWindow.builder(512).overlap(0).build().grid(1000, 1000).stride()).isEqualTo(512);
    }

    @Test
    void readingInTheCallingThreadGivesTheSameResult() throws Exception {
        InMemoryImageSource img = randomImage(90, 70, 1, 9);
        double[] a = SlidingWindow.builder(32).stride(19).expand(3).readerThreads(0).build()
                .predict(img, new BoxBlurPredictor()).values();
        double[] b = SlidingWindow.builder(32).stride(19).expand(3).readerThreads(3).prefetchBatches(5).batchSize(1).build()
                .predict(img, new BoxBlurPredictor()).values();
        assertThat(a).containsExactly(b);
    }
}
