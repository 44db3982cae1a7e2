package io.github.hubmapseg.pipeline.infer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.github.hubmapseg.models.SegmentationModel;
import io.github.hubmapseg.pipeline.TinyData;
import io.github.hubmapseg.pipeline.train.ModelFactory;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/** Issue #15 (4): the memory of a prediction is estimated from tile, batch and model before it starts. */
class PredictionMemoryTest {

    @Test
    void activationsAreWhatDl4jComputesInAForwardPass() {
        try (SegmentationModel m = ModelFactory.create(TinyData.recipe())) {
            int window = 64;
            int batch = 2;
            // reference: the activations DL4J itself produces for every vertex of a real forward pass
            INDArray x = Nd4j.rand(new int[] {batch, window, window, 3});
            Map<String, INDArray> acts = m.graph().feedForward(x, false);
            long values = 0;
            for (INDArray a : acts.values()) {
                values += a.length();
            }
            assertThat(PredictionMemory.activationBytes(m, window, batch)).isEqualTo(4 * values);
            assertThat(PredictionMemory.activationBytes(m, 2 * window, batch))
                    .isEqualTo(4 * PredictionMemory.activationBytes(m, window, batch));
            assertThat(PredictionMemory.activationBytes(m, window, 2 * batch))
                    .isEqualTo(2 * PredictionMemory.activationBytes(m, window, batch));
            // a window whose activations overflow 64 bits saturates instead of wrapping round to a small number
            assertThat(PredictionMemory.activationBytes(m, 1 << 30, 1 << 30)).isEqualTo(Long.MAX_VALUE);
        }
    }

    @Test
    void anEstimateAboveTheCapsIsOneLineWithTheNumbers() {
        long gib = 1L << 30;
        PredictionMemory fits = new PredictionMemory(1024, 4, 512L << 20, 4 * gib, 5 * gib, 6 * gib, 6 * gib);
        assertThat(fits.check()).isSameAs(fits);
        assertThatThrownBy(() -> new PredictionMemory(4096, 4, 512L << 20, 4 * gib, 40 * gib, 5 * gib, 6 * gib)
                .check()).isInstanceOf(IllegalArgumentException.class).hasMessage("prediction needs at least 40.0 GiB "
                + "of native memory for one forward pass (window 4096 x 4096, batch 4: the sum of the model's layer "
                + "outputs), but 5.0 GiB of the 6.0 GiB cap are free: lower infer.tile_size (--set infer.tile_size=N) "
                + "or raise -Dorg.bytedeco.javacpp.maxbytes (HUBMAP_NATIVE_MAXBYTES)");
        assertThatThrownBy(() -> new PredictionMemory(4096, 4, 5 * gib, 4 * gib, 0, 5 * gib, 6 * gib).check())
                .hasMessageStartingWith("prediction needs about 5.0 GiB of heap for window 4096 x 4096, batch 4, but "
                        + "the JVM may use 4.0 GiB");
    }

    /** The DenseCRF's buffers (a strip, a patch per core) are planned on top of the engine's. */
    @Test
    void theDenseCrfBuffersArePlannedOnTopOfTheEngine() throws Exception {
        var recipe = TinyData.recipe();
        try (io.github.hubmapseg.pipeline.data.CompetitionDataset ds = io.github.hubmapseg.pipeline.data
                .CompetitionDataset.open(TinyData.dir());
             io.github.hubmapseg.models.ModelPredictor p = new io.github.hubmapseg.models.ModelPredictor(
                     ModelFactory.create(recipe), new double[3], new double[] {1, 1, 1},
                     io.github.hubmapseg.models.OutputActivation.LOGITS)) {
            var slide = ds.slide(ds.testIds().get(0));
            Inference plain = new Inference(recipe.infer(), 0.5, null);
            io.github.hubmapseg.tiling.post.PostProcessing crf = new io.github.hubmapseg.tiling.post.PostProcessing(0,
                    true, 4, 256, 64, 0, 0);
            long base = PredictionMemory.estimate(plain, recipe.infer(), java.util.List.of(p), slide).heapBytes();
            long with = PredictionMemory.estimate(plain.withPost(crf, null), recipe.infer(), java.util.List.of(p),
                    slide).heapBytes();
            assertThat(with - base).isEqualTo(io.github.hubmapseg.tiling.post.DenseCrfSink.plannedBytes(slide.width(),
                    4, 256, 64, Runtime.getRuntime().availableProcessors())).isPositive();
        }
    }
}
