package io.github.hubmapseg.models;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import io.github.hubmapseg.core.predict.TileBatch;
import java.nio.file.Path;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.zip.ZipFile;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

class ModelPredictorTest {

    @Test
    void normalisesWithTheGivenMeanAndStdAndReturnsTheModelOutputInNchw() {
        double[] mean = {100, 120, 140};
        double[] std = {50, 40, 30};
        SegmentationModel model = Models.create("unet", "tiny");
        try (ModelPredictor p = new ModelPredictor(model, mean, std, OutputActivation.LOGITS)) {
            assertThat(p.outputsLogits()).isTrue();
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
            // independent reference: index arithmetic written out, (v - mean) / std in double
            for (int k = 0; k < 200; k++) {
                int nn = r.nextInt(b);
                int c = r.nextInt(3);
                int y = r.nextInt(s);
                int x = r.nextInt(s);
                float v = data[((nn * 3 + c) * s + y) * s + x];
                assertThat(nhwc[((nn * s + y) * s + x) * 3 + c]).isCloseTo((float) ((v - mean[c]) / std[c]),
                        within(1e-5f));
            }
            TileBatch out = p.predict(in);
            assertThat(out.channels()).isEqualTo(1);
            assertThat(out.size()).isEqualTo(b);
            INDArray ref = model.logits(Nd4j.create(nhwc, new long[] {b, s, s, 3}, 'c'));
            assertThat(out.data()).containsExactly(ref.dup('c').data().asFloat());
        }
    }

    @Test
    void outputsLogitsIsTheRecordedActivationAndBadNormalisationIsRefused() {
        try (ModelPredictor p = new ModelPredictor(Models.create("unet", "tiny"), new double[3],
                new double[] {1, 1, 1}, OutputActivation.SIGMOID)) {
            assertThat(p.outputsLogits()).isFalse();
            assertThat(p.outputActivation()).isEqualTo(OutputActivation.SIGMOID);
        }
        try (SegmentationModel m = Models.create("unet", "tiny")) {
            assertThatThrownBy(() -> new ModelPredictor(m, new double[2], new double[] {1, 1},
                    OutputActivation.LOGITS)).isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("2 means").hasMessageContaining("takes 3");
            assertThatThrownBy(() -> new ModelPredictor(m, new double[3], new double[] {1, 0, 1},
                    OutputActivation.LOGITS)).isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("channel 1").hasMessageContaining("std 0.0");
        }
    }

    @Test
    void theOutputActivationIsRecordedInTheCheckpointHeaderAndReadBack(@TempDir Path dir) throws Exception {
        Path with = dir.resolve("with.zip");
        Path without = dir.resolve("without.zip");
        Path bad = dir.resolve("bad.zip");
        try (SegmentationModel m = Models.create("unet", "tiny")) {
            Checkpoints.save(m, with, Map.of(OutputActivation.KEY, OutputActivation.SIGMOID), false);
            Checkpoints.save(m, without, Map.of(), false);
            Checkpoints.save(m, bad, Map.of(OutputActivation.KEY, "softmax"), false);
        }
        try (ZipFile z = new ZipFile(with.toFile())) {
            com.fasterxml.jackson.databind.JsonNode h = new com.fasterxml.jackson.databind.ObjectMapper()
                    .readTree(z.getInputStream(z.getEntry(Checkpoints.HEADER)));
            assertThat(h.path("metadata").path("output_activation").asText()).isEqualTo("sigmoid");
        }
        assertThat(Checkpoints.read(with).outputActivation()).contains(OutputActivation.SIGMOID);
        assertThat(Checkpoints.read(without).outputActivation()).isEmpty();
        assertThatThrownBy(() -> Checkpoints.read(bad).outputActivation())
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("'softmax'")
                .hasMessageContaining("'logits' or 'sigmoid'");
    }
}
