package io.github.hubmapseg.models;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.nd4j.linalg.api.ndarray.INDArray;

/** SE-ResNeXt and EfficientNet encoders without PyTorch: shapes, channels, registry, U-Net forward and training. */
class NewEncodersTest {

    @ParameterizedTest
    @ValueSource(strings = {"tv-efficientnet-b0", "se_resnext50_32x4d"})
    void unetBuildsRunsTrainsOneStepAndRoundTripsThroughACheckpoint(String encoder, @TempDir Path dir)
            throws Exception {
        INDArray[] d = TrainingTest.tiles(1, 64, 5);
        try (SegmentationModel m = Models.builder("unet", encoder).decoderChannels(List.of(32, 16, 16, 8, 8))
                .build()) {
            INDArray out = m.logits(d[0]);
            assertThat(out.shape()).containsExactly(1, 64, 64, 1);
            INDArray before = m.graph().params().dup();
            double loss = m.fit(d[0], d[1]);
            assertThat(loss).isFinite().isPositive();
            assertThat(m.graph().params().equalsWithEps(before, 0)).isFalse();
            INDArray after = m.logits(d[0]);
            assertThat(after.isNaN().any()).isFalse();
            if (encoder.startsWith("se_resnext")) {
                return; // a checkpoint of its 78M stored weights + Adam state needs more than the 2 GiB test heap
            }
            Path file = dir.resolve("m.zip");
            Checkpoints.save(m, file);
            try (SegmentationModel r = Checkpoints.load(file)) {
                assertThat(r.encoder()).isEqualTo(encoder);
                assertThat(r.logits(d[0])).isEqualTo(after);
            }
        }
    }

    @Test
    void efficientNetChannelsFollowTorchvisionScaling() {
        // torchvision: b0 16/24/40/112/320; b3 (width 1.2) 24/32/48/136/384; b7 (width 2.0) 32/48/80/224/640
        assertThat(Encoders.create("tv-efficientnet-b0").stageChannels()).containsExactly(16, 24, 40, 112, 320);
        assertThat(Encoders.create("tv-efficientnet-b3").stageChannels()).containsExactly(24, 32, 48, 136, 384);
        assertThat(Encoders.create("tv-efficientnet-b7").stageChannels()).containsExactly(32, 48, 80, 224, 640);
        assertThat(EfficientNetEncoder.makeDivisible(32 * 1.1)).isEqualTo(32);
        assertThat(EfficientNetEncoder.makeDivisible(40 * 1.1)).isEqualTo(48);
        assertThat(EfficientNetEncoder.makeDivisible(16 * 1.4)).isEqualTo(24);
        assertThat(EfficientNetEncoder.makeDivisible(3)).isEqualTo(8);
    }

    @ParameterizedTest
    @ValueSource(strings = {"se_resnext50_32x4d", "se_resnext101_32x4d", "tv-efficientnet-b0", "tv-efficientnet-b5"})
    void summaryFeatureShapesHaveStrides2To32(String encoder) {
        ModelSummary s = Models.builder("unet", encoder).summary(128, 96);
        assertThat(s.outputStride()).isEqualTo(32);
        List<Integer> channels = Encoders.create(encoder).stageChannels();
        // the decoder's first block concatenates the stride-16 feature onto the upsampled stride-32 feature
        LayerInfo first = s.layers().stream().filter(l -> l.name().startsWith("decoder.blocks.0")).findFirst()
                .orElseThrow();
        assertThat(first.outputShape()[0]).isEqualTo(128 / 16);
        assertThat(first.outputShape()[1]).isEqualTo(96 / 16);
        assertThat(channels).hasSize(5);
    }

    @Test
    void seResnextMaxPoolReproducesCeilMode() {
        // MaxPool2d(3, 2, ceil_mode=True) of 32x32 gives 16x16 (floor mode would give 15x15)
        ModelSummary s = Models.builder("unet", "se_resnext50_32x4d").summary(64, 64);
        LayerInfo pool = s.layers().stream().filter(l -> l.name().equals("encoder.layer0.pool")).findFirst()
                .orElseThrow();
        assertThat(pool.outputShape()).containsExactly(16, 16, 64);
    }

    @Test
    void namesAndAliases() {
        assertThat(Encoders.names()).contains("se_resnext50_32x4d", "se_resnext101_32x4d", "tv-efficientnet-b0",
                "tv-efficientnet-b7");
        assertThat(Encoders.create("efficientnet_b4").name()).isEqualTo("tv-efficientnet-b4");
        assertThatThrownBy(() -> Encoders.create("tv-efficientnet-b8")).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("tv-efficientnet-b8").hasMessageContaining("tv-efficientnet-b7");
        assertThatThrownBy(() -> EfficientNetEncoder.b(9)).hasMessageContaining("got 9");
        assertThatThrownBy(() -> new SeResNeXtEncoder("x", List.of(1, 2, 3), 32, 4, 16))
                .hasMessageContaining("[1, 2, 3]");
    }
}
