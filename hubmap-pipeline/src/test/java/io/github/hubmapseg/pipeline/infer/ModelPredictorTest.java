package io.github.hubmapseg.pipeline.infer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import io.github.hubmapseg.core.predict.TileBatch;
import io.github.hubmapseg.models.SegmentationModel;
import io.github.hubmapseg.pipeline.TinyData;
import io.github.hubmapseg.pipeline.data.Normalization;
import io.github.hubmapseg.pipeline.train.ModelFactory;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

class ModelPredictorTest {

    @Test
    void normalisesLikeTrainingAndReturnsProbabilitiesInNchw() {
        Normalization n = new Normalization(new double[] {100, 120, 140}, new double[] {50, 40, 30});
        SegmentationModel model = ModelFactory.create(TinyData.recipe());
        try (ModelPredictor p = new ModelPredictor(model, n)) {
            assertThat(p.outputsLogits()).isFalse(); // SegLossLayer outputs sigmoid probabilities
            assertThat(p.sizeDivisor()).isEqualTo(32);
            int b = 2;
            int s = 32;
            float[] data = new float[b * 3 * s * s];
            SplittableRandom r = new SplittableRandom(5);
            for (int i = 0; i < data.length; i++) {
                data[i] = r.nextInt(256);
            }
            TileBatch in = new TileBatch(data, b, 3, s, s);
            float[] nhwc = p.toModelInput(in);
            // independent reference: index arithmetic written out
            for (int k = 0; k < 200; k++) {
                int nn = r.nextInt(b);
                int c = r.nextInt(3);
                int y = r.nextInt(s);
                int x = r.nextInt(s);
                float v = data[((nn * 3 + c) * s + y) * s + x];
                assertThat(nhwc[((nn * s + y) * s + x) * 3 + c]).isCloseTo((float) ((v - n.mean()[c]) / n.std()[c]),
                        within(1e-5f));
            }
            TileBatch out = p.predict(in);
            assertThat(out.channels()).isEqualTo(1);
            assertThat(out.size()).isEqualTo(b);
            INDArray ref = model.logits(Nd4j.create(nhwc, new long[] {b, s, s, 3}, 'c'));
            float[] refData = ref.dup('c').data().asFloat();
            assertThat(out.data()).containsExactly(refData);
            for (float v : out.data()) {
                assertThat(v).isBetween(0f, 1f);
            }
        }
    }

    @Test
    void aModelImportedFromPyTorchWeightsIsNormalisedWithImagenetAndOutputsLogits(@org.junit.jupiter.api.io.TempDir
            java.nio.file.Path tmp) throws Exception {
        java.nio.file.Path f = tmp.resolve("imported.zip");
        try (SegmentationModel m = io.github.hubmapseg.models.Models.create("unet", "tiny")) {
            io.github.hubmapseg.models.Checkpoints.save(m, f, java.util.Map.of(ModelPredictor.IMPORTED,
                    java.util.Map.of("source", "x.pth", "normalization", "imagenet")), false);
        }
        assertThat(ModelPredictor.isImported(f)).isTrue();
        try (ModelPredictor p = ModelPredictor.load(f)) {
            assertThat(p.outputsLogits()).isTrue();
            assertThat(p.normalization().mean()).containsExactly(Normalization.imagenet().mean());
            assertThat(p.normalization().std()).containsExactly(Normalization.imagenet().std());
            float[] data = new float[3 * 32 * 32];
            java.util.Arrays.fill(data, 128f);
            TileBatch out = p.predict(new TileBatch(data, 1, 3, 32, 32));
            INDArray ref = p.model().logits(Nd4j.create(p.toModelInput(new TileBatch(data, 1, 3, 32, 32)),
                    new long[] {1, 32, 32, 3}, 'c'));
            assertThat(out.data()).containsExactly(ref.dup('c').data().asFloat());
        }
        // a training checkpoint is not an imported one
        java.nio.file.Path t = tmp.resolve("train.zip");
        try (SegmentationModel m = ModelFactory.create(TinyData.recipe())) {
            io.github.hubmapseg.pipeline.train.Checkpoint.of(TinyData.recipe(), 1, 1, Normalization.scale255(3),
                    java.util.List.of(), Double.NaN, 0, m, false).save(t);
        }
        assertThat(ModelPredictor.isImported(t)).isFalse();
    }
}
