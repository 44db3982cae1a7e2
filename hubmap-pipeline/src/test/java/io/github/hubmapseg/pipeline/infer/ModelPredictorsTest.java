package io.github.hubmapseg.pipeline.infer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.github.hubmapseg.core.predict.TileBatch;
import io.github.hubmapseg.models.Checkpoints;
import io.github.hubmapseg.models.ModelPredictor;
import io.github.hubmapseg.models.Models;
import io.github.hubmapseg.models.OutputActivation;
import io.github.hubmapseg.models.SegmentationModel;
import io.github.hubmapseg.pipeline.TinyData;
import io.github.hubmapseg.pipeline.data.Normalization;
import io.github.hubmapseg.pipeline.train.Checkpoint;
import io.github.hubmapseg.pipeline.train.ModelFactory;
import io.github.hubmapseg.testkit.RepoFiles;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.zip.ZipFile;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.factory.Nd4j;

class ModelPredictorsTest {

    private static TileBatch tiles(int seed) {
        float[] data = new float[2 * 3 * 32 * 32];
        SplittableRandom r = new SplittableRandom(seed);
        for (int i = 0; i < data.length; i++) {
            data[i] = r.nextInt(256);
        }
        return new TileBatch(data, 2, 3, 32, 32);
    }

    /** The model's output on tiles normalised by index arithmetic written out here ((v - mean) / std, NHWC). */
    private static float[] reference(SegmentationModel m, Normalization n, TileBatch t) {
        int s = t.height();
        float[] nhwc = new float[t.data().length];
        for (int b = 0; b < t.size(); b++) {
            for (int c = 0; c < 3; c++) {
                for (int i = 0; i < s * s; i++) {
                    nhwc[(b * s * s + i) * 3 + c] = (t.data()[(b * 3 + c) * s * s + i] - (float) n.mean()[c])
                            * (float) (1.0 / n.std()[c]);
                }
            }
        }
        return m.logits(Nd4j.create(nhwc, new long[] {t.size(), s, s, 3}, 'c')).dup('c').data().asFloat();
    }

    private static String recorded(Path checkpoint) throws IOException {
        try (ZipFile z = new ZipFile(checkpoint.toFile())) {
            return new com.fasterxml.jackson.databind.ObjectMapper()
                    .readTree(z.getInputStream(z.getEntry(Checkpoints.HEADER))).path("metadata")
                    .path(OutputActivation.KEY).asText(null);
        }
    }

    @Test
    void aTrainingCheckpointSavedTodayRecordsSigmoidAndPredictsProbabilities(@TempDir Path tmp) throws Exception {
        Path t = tmp.resolve("train.zip");
        Normalization n = new Normalization(new double[] {100, 120, 140}, new double[] {50, 40, 30});
        try (SegmentationModel m = ModelFactory.create(TinyData.recipe())) {
            Checkpoint.of(TinyData.recipe(), 1, 1, n, List.of(), Double.NaN, 0, m, false).save(t);
        }
        assertThat(recorded(t)).isEqualTo("sigmoid");
        assertThat(ModelPredictors.isImported(t)).isFalse();
        TileBatch in = tiles(5);
        try (ModelPredictor p = ModelPredictors.load(t);
             SegmentationModel ref = Checkpoint.load(t).restore()) {
            assertThat(p.outputsLogits()).isFalse();
            assertThat(p.mean()).containsExactly(n.mean());
            assertThat(p.std()).containsExactly(n.std());
            float[] out = p.predict(in).data();
            assertThat(out).containsExactly(reference(ref, n, in));
            for (float v : out) {
                assertThat(v).isBetween(0f, 1f); // SegLossLayer's sigmoid
            }
        }
    }

    @Test
    void anOldCheckpointWithoutTheFieldStillPredictsIdentically() throws Exception {
        // written by the previous Checkpoint.save (see CheckpointFormatTest), before output_activation existed
        Path old = RepoFiles.root().resolve("hubmap-pipeline/src/test/resources/checkpoints/training-v2.zip");
        assertThat(recorded(old)).isNull();
        Checkpoint c = Checkpoint.load(old);
        TileBatch in = tiles(7);
        try (ModelPredictor p = ModelPredictors.load(old); SegmentationModel ref = c.restore()) {
            assertThat(p.outputsLogits()).isFalse(); // derived from its SegLossLayer output layer, as before
            assertThat(p.predict(in).data()).containsExactly(reference(ref, c.normalization(), in));
        }
    }

    @Test
    void theRecordedValueIsWhatCountsNotTheOutputLayer(@TempDir Path tmp) throws Exception {
        Path f = tmp.resolve("relabelled.zip");
        try (SegmentationModel m = ModelFactory.create(TinyData.recipe())) {
            Checkpoint c = Checkpoint.of(TinyData.recipe(), 1, 1, Normalization.scale255(3), List.of(), Double.NaN, 0,
                    m, false);
            Map<String, Object> meta = new java.util.LinkedHashMap<>(c.contents().metadata());
            meta.put(OutputActivation.KEY, "logits");
            Checkpoints.write(new Checkpoints.Contents(c.contents().model(), c.contents().configuration(),
                    c.contents().params(), null, meta), f);
            try (ModelPredictor p = ModelPredictors.load(f)) {
                assertThat(p.outputsLogits()).isTrue();
            }
            meta.put(OutputActivation.KEY, 3);
            Checkpoints.write(new Checkpoints.Contents(c.contents().model(), c.contents().configuration(),
                    c.contents().params(), null, meta), f);
        }
        assertThatThrownBy(() -> ModelPredictors.load(f)).isInstanceOf(IOException.class)
                .hasMessageContaining(f.toString()).hasMessageContaining("got '3'");
    }

    @Test
    void aModelImportedFromPyTorchWeightsIsNormalisedWithImagenetAndOutputsLogits(@TempDir Path tmp)
            throws Exception {
        Path old = tmp.resolve("imported-old.zip");
        Path today = tmp.resolve("imported.zip");
        try (SegmentationModel m = Models.create("unet", "tiny")) {
            // as hubmap weights import wrote it before the field existed, and as it writes it now
            Checkpoints.save(m, old, Map.of(ModelPredictors.IMPORTED, Map.of("source", "x.pth")), false);
            Checkpoints.save(m, today, Map.of(ModelPredictors.IMPORTED, Map.of("source", "x.pth"),
                    OutputActivation.KEY, OutputActivation.LOGITS), false);
        }
        for (Path f : List.of(old, today)) {
            assertThat(ModelPredictors.isImported(f)).isTrue();
            try (ModelPredictor p = ModelPredictors.load(f)) {
                assertThat(p.outputsLogits()).isTrue();
                assertThat(p.mean()).containsExactly(Normalization.imagenet().mean());
                assertThat(p.std()).containsExactly(Normalization.imagenet().std());
                TileBatch in = tiles(9);
                assertThat(p.predict(in).data()).containsExactly(reference(p.model(), Normalization.imagenet(), in));
            }
        }
    }
}
