package io.github.hubmapseg.tiling;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.github.hubmapseg.core.predict.Predictor;
import io.github.hubmapseg.core.predict.TileBatch;
import io.github.hubmapseg.core.slide.InMemoryImageSource;
import io.github.hubmapseg.tiling.conformance.BoxBlurPredictor;
import io.github.hubmapseg.tiling.sink.FloatImageSink;
import java.util.List;
import java.util.Random;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

class EngineTest {

    static InMemoryImageSource randomImage(int w, int h, long seed) {
        byte[] p = new byte[w * h];
        new Random(seed).nextBytes(p);
        return new InMemoryImageSource(p, w, h, 1);
    }

    /** Divides by 255: probabilities from pixel values. */
    static Predictor scaled(Predictor p) {
        return new Predictor() {
            @Override
            public int inputChannels() {
                return p.inputChannels();
            }

            @Override
            public TileBatch predict(TileBatch t) {
                float[] o = p.predict(t).data();
                for (int k = 0; k < o.length; k++) {
                    o[k] /= 255f;
                }
                return new TileBatch(o, t.size(), 1, t.height(), t.width());
            }
        };
    }

    static float[] run(Engine e, InMemoryImageSource img) throws Exception {
        FloatImageSink out = new FloatImageSink();
        e.run(img, List.of(out));
        float[] f = new float[out.values().length];
        for (int k = 0; k < f.length; k++) {
            f[k] = (float) out.values()[k];
        }
        return f;
    }

    /**
     * A side member runs in the same pass without changing the combined rows, and its rows are the ones it gives run
     * alone, each band arriving before the combined band of the same rows.
     */
    @Test
    void aSideMemberRunsInTheSamePassAndLeavesTheCombinationAlone() throws Exception {
        InMemoryImageSource img = randomImage(77, 59, 5);
        Member a = Member.of(Predictors.at(scaled(new BoxBlurPredictor()), 1, 3), 24).withOverlap(6);
        Member b = Member.of(Predictors.at(scaled(new BoxBlurPredictor()), 2, 2), 16).withOverlap(4);
        Member side = Member.of(Predictors.at(scaled(TestModels.identity()), 3, 0), 8).withOverlap(2);
        float[] combined = run(Engine.builder(List.of(a, b)).bandRows(6).build(), img);
        float[] alone = run(Engine.builder(List.of(side)).bandRows(6).build(), img);
        FloatImageSink sideOut = new FloatImageSink();
        List<Long> order = new java.util.ArrayList<>();
        FloatImageSink main = new FloatImageSink();
        Engine e = Engine.builder(List.of(a, b)).bandRows(6).side(side, new io.github.hubmapseg.tiling.sink.RowSink() {
            @Override
            public void begin(long w, long h) throws java.io.IOException {
                sideOut.begin(w, h);
            }

            @Override
            public void accept(long y0, int rows, float[] band) throws java.io.IOException {
                order.add(y0);
                sideOut.accept(y0, rows, band);
            }

            @Override
            public void end() throws java.io.IOException {
                sideOut.end();
            }
        }).build();
        assertThat(e.members()).containsExactly(a, b);
        assertThat(e.sideMembers()).containsExactly(side);
        e.run(img, List.of(new io.github.hubmapseg.tiling.sink.RowSink() {
            @Override
            public void begin(long w, long h) throws java.io.IOException {
                main.begin(w, h);
            }

            @Override
            public void accept(long y0, int rows, float[] band) throws java.io.IOException {
                assertThat(order).last().isEqualTo(y0); // the side band of these rows came first
                main.accept(y0, rows, band);
            }

            @Override
            public void end() throws java.io.IOException {
                main.end();
            }
        }));
        for (int k = 0; k < combined.length; k++) {
            assertThat((float) main.values()[k]).isEqualTo(combined[k]);
            assertThat((float) sideOut.values()[k]).isEqualTo(alone[k]);
        }
        assertThat(e.plan(77, 59, 1).members()).hasSize(3); // planned together
    }

    @Test
    void oneMemberAtFullScaleIsTheSlidingWindowPass() throws Exception {
        InMemoryImageSource img = randomImage(97, 83, 4);
        Member m = Member.of(Predictors.at(new BoxBlurPredictor(), 1, 3), 24).withOverlap(7);
        float[] got = run(Engine.builder(List.of(m)).bandRows(5).build(), img);
        FloatImageSink ref = SlidingWindow.builder(24).stride(17).expand(3).build().predict(img, new BoxBlurPredictor());
        for (int k = 0; k < got.length; k++) {
            assertThat((double) got[k]).isEqualTo(ref.values()[k]);
        }
    }

    @Test
    void aMemberAtReduceRSeesBlockMeansOfTheSlideInsideItAndItsRowsAreRepeatedToLevel0() throws Exception {
        int w = 61;
        int h = 45;
        InMemoryImageSource img = randomImage(w, h, 9);
        byte[] px = img.read(net.imglib2.FinalInterval.createMinSize(0, 0, w, h)).update(null).getCurrentStorageArray();
        for (int r : new int[] {2, 3, 4}) {
            Member m = Member.of(Predictors.at(TestModels.identity(), r, 2), 8).withOverlap(2);
            float[] got = run(Engine.builder(List.of(m)).bandRows(7).build(), img);
            // reference (our transcription of the definition): the mean of the block's pixels inside the slide,
            // rounded half up to a byte, repeated over the block
            for (int y = 0; y < h; y++) {
                for (int x = 0; x < w; x++) {
                    int bx = x / r * r;
                    int by = y / r * r;
                    int acc = 0;
                    int cnt = 0;
                    for (int yy = by; yy < Math.min(h, by + r); yy++) {
                        for (int xx = bx; xx < Math.min(w, bx + r); xx++) {
                            acc += px[yy * w + xx] & 0xFF;
                            cnt++;
                        }
                    }
                    assertThat(got[y * w + x]).as("reduce %d at (%d, %d)", r, x, y)
                            .isEqualTo((float) ((acc * 2 + cnt) / (2 * cnt)));
                }
            }
        }
    }

    @Test
    void membersAtTheirOwnScaleTileAndPosesAreCombinedPerPixel() throws Exception {
        InMemoryImageSource img = randomImage(90, 70, 2);
        Member a = Member.of(Predictors.at(scaled(TestModels.ramp()), 2, 4), 16).withOverlap(4)
                .withPoses(D4.IDENTITY, D4.HFLIP);
        Member b = Member.of(Predictors.at(scaled(new BoxBlurPredictor()), 3, 1), 24).withOverlap(8)
                .withWeighting(Weighting.mean()).withWeight(3);
        float[] pa = run(Engine.builder(List.of(a)).build(), img);
        float[] pb = run(Engine.builder(List.of(b)).build(), img);
        float[] mean = run(Engine.builder(List.of(a, b)).bandRows(11).build(), img);
        float[] vote = run(Engine.builder(List.of(a, b)).combination(Combination.vote(2, 0.4)).build(), img);
        boolean differ = false;
        for (int k = 0; k < pa.length; k++) {
            assertThat(mean[k]).isCloseTo((pa[k] + 3 * pb[k]) / 4, org.assertj.core.data.Offset.offset(1e-6f));
            assertThat(vote[k]).isEqualTo(pa[k] >= 0.4 && pb[k] >= 0.4 ? 1f : 0f);
            differ |= pa[k] != pb[k];
        }
        assertThat(differ).isTrue();
    }

    @Test
    void eachMemberCallsItsPredictorOncePerWindowPerPose() throws Exception {
        InMemoryImageSource img = randomImage(100, 80, 3);
        AtomicLong seenA = new AtomicLong();
        AtomicLong seenB = new AtomicLong();
        Member a = Member.of(Predictors.at(TestModels.constant(0.3f, 1, seenA, false), 2, 0), 16)
                .withPoses(D4.flips());
        Member b = Member.of(Predictors.at(TestModels.constant(0.6f, 1, seenB, false), 4, 2), 8);
        Engine e = Engine.builder(List.of(a, b)).build();
        float[] got = run(e, img);
        EnginePlan plan = e.plan(100, 80, 1);
        assertThat(seenA.get()).isEqualTo(plan.members().get(0).grid().size() * 4);
        assertThat(seenB.get()).isEqualTo(plan.members().get(1).grid().size());
        assertThat(plan.members().get(0).grid().width()).isEqualTo(50);
        assertThat(plan.members().get(1).grid().width()).isEqualTo(25);
        for (float v : got) {
            assertThat(v).isCloseTo(0.45f, org.assertj.core.data.Offset.offset(1e-6f));
        }
        assertThat(plan.describe()).contains("member 0: reduce 2, tile 16").contains("member 1: reduce 4, tile 8")
                .contains("total");
    }

    @Test
    void memoryStaysBandedForAllMembers() throws Exception {
        // a tall image: the held rows stay within the plan whatever the height
        InMemoryImageSource img = randomImage(128, 2000, 5);
        Member a = Member.of(Predictors.at(TestModels.identity(), 2, 0), 16);
        Member b = Member.of(Predictors.at(TestModels.identity(), 3, 0), 32);
        Engine e = Engine.builder(List.of(a, b)).memoryBudget(4_000_000).build();
        long[] peakRows = new long[1];
        e.run(img, List.of(new io.github.hubmapseg.tiling.sink.RowSink() {
            @Override
            public void accept(long y0, int rows, float[] band) {
                peakRows[0] = Math.max(peakRows[0], rows);
            }
        }));
        assertThat(peakRows[0]).isLessThanOrEqualTo(64);
        assertThat(e.plan(128, 2000, 1).totalBytes()).isLessThan(4_000_000);
    }

    @Test
    void badSettingsAreNamed() {
        Predictor p = TestModels.identity();
        assertThatThrownBy(() -> Member.of(p, 16).withOverlap(16)).hasMessageContaining("overlap must be in 0..15");
        assertThatThrownBy(() -> Member.of(p, 16).withWeight(0)).hasMessageContaining("weight");
        assertThatThrownBy(() -> Predictors.at(p, 0, 0)).hasMessageContaining("reduce must be >= 1, got 0");
        assertThatThrownBy(() -> Engine.builder(List.of(Member.of(p, 16))).combination(Combination.vote(2, 0.5)).build())
                .hasMessageContaining("k = 2 with 1 members");
        assertThatThrownBy(() -> Engine.builder(List.of(Member.of(p, 512), Member.of(p, 512))).memoryBudget(100_000)
                .build().plan(30000, 25000, 3)).hasMessageContaining("memoryBudget");
        assertThatThrownBy(() -> Engine.builder(List.of(Member.of(Predictors.at(p, 4, 0), 32))).build()
                .run(randomImage(100, 100, 1), List.of(new FloatImageSink())))
                .hasMessageStartingWith("member 0 (reduce 4, tile 32").hasMessageContaining("larger than the image 25 x 25");
    }
}
