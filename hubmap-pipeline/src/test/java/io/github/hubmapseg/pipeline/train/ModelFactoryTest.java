package io.github.hubmapseg.pipeline.train;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.github.hubmapseg.models.SegmentationModel;
import io.github.hubmapseg.pipeline.config.Recipe;
import io.github.hubmapseg.pipeline.config.Recipes;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/** The recipe's model keys map onto the models builder's options (on a tiny encoder, small channels). */
class ModelFactoryTest {
    private static Recipe tiny(String builtin, String... more) {
        List<String> o = new java.util.ArrayList<>(List.of("model.encoder=tiny", "model.base_channels=4"));
        o.addAll(List.of(more));
        return Recipes.withOverrides(Recipes.builtin(builtin), o);
    }

    private static boolean has(SegmentationModel m, String vertex) {
        return m.graph().getConfiguration().getVertices().containsKey(vertex);
    }

    /** Every shipped recipe describes a model that builds, as shipped (summary only: no weights allocated). */
    @Test
    void everyShippedRecipeDescribesABuildableModel() {
        for (String name : Recipes.NAMES) {
            Recipe shipped = Recipes.builtin(name);
            List<String> encoders = shipped.model().variants().isEmpty() ? List.of(shipped.model().encoder())
                    : shipped.model().variants(); // 3rd place: resnext50_32x4d and resnext101_32x4d
            for (String encoder : encoders) {
                Recipe r = Recipes.withOverrides(shipped, List.of("model.encoder=" + encoder));
                var summary = ModelFactory.builder(r).summary(r.data().tileSize(), r.data().tileSize());
                assertThat(summary.encoder()).as(name).isEqualTo(encoder);
                assertThat(summary.layers()).as(name).isNotEmpty();
            }
        }
    }

    @Test
    void thirdPlaceKeysGiveAsppFpnSkipsAndPixelShuffle() {
        try (SegmentationModel m = ModelFactory.create(tiny("third-place"))) {
            assertThat(has(m, "decoder.aspp.convs.4.0")).isTrue(); // rates 1, 2, 3, 4
            assertThat(has(m, "decoder.blocks.0.shuffle.0")).isTrue();
            assertThat(has(m, "decoder.hypercolumn.3.3")).isTrue();
            assertThat(m.outputNames()).containsExactly("loss");
        }
    }

    @Test
    void firstPlaceKeysGiveHeadsThatTrainOneStep() {
        // attention (scSE) needs >= 16 channels: base 16
        try (SegmentationModel m = ModelFactory.create(tiny("first-place", "model.base_channels=16"))) {
            assertThat(has(m, "decoder.blocks.0.attention1.attention.cSE.1")).isTrue();
            assertThat(has(m, "decoder.hypercolumn")).isTrue();
            assertThat(m.outputNames()).hasSize(6);
            INDArray x = Nd4j.rand(DataType.FLOAT, 2, 64, 64, 3);
            INDArray y = Nd4j.rand(DataType.FLOAT, 2, 64, 64, 1).gt(0.7).castTo(DataType.FLOAT);
            assertThat(m.fit(x, y)).isFinite().isPositive();
        }
    }

    /** smp's default U-Net decoder (256, 128, 64, 32, 16) is a recipe key, so its files load with model.weights. */
    @Test
    void decoderChannelsKeyGivesSmpDefaultDecoder() {
        var s = ModelFactory.builder(tiny("cpu-quick", "model.decoder_channels=[256, 128, 64, 32, 16]")).summary(64, 64);
        List<Long> channels = new java.util.ArrayList<>();
        for (int i = 0; i < 5; i++) {
            String name = "decoder.blocks." + i + ".conv2.0";
            channels.add(s.layers().stream().filter(l -> l.name().equals(name)).findFirst().orElseThrow()
                    .outputShape()[2]);
        }
        assertThat(channels).containsExactly(256L, 128L, 64L, 32L, 16L);
        var base = ModelFactory.builder(tiny("cpu-quick")).summary(64, 64); // (8b, 4b, 2b, b, b), b = 4
        assertThat(base.layers().stream().filter(l -> l.name().equals("decoder.blocks.4.conv2.0")).findFirst()
                .orElseThrow().outputShape()[2]).isEqualTo(4);
        assertThatThrownBy(() -> tiny("cpu-quick", "model.decoder_channels=[256, 128]"))
                .hasMessageContaining("model.decoder_channels must be five").hasMessageContaining("[256, 128]");
        assertThatThrownBy(() -> ModelFactory.builder(tiny("cpu-quick", "model.architecture=linknet",
                "model.decoder_channels=[256, 128, 64, 32, 16]")))
                .hasMessageContaining("applies to unet and manet only");
    }

    /** model.variant_encoder_weights: each backbone of model.variants starts from its own file (3rd place: two swsl files). */
    @Test
    void eachVariantGetsItsOwnEncoderWeights(@org.junit.jupiter.api.io.TempDir java.nio.file.Path tmp)
            throws Exception {
        java.nio.file.Path a = java.nio.file.Files.writeString(tmp.resolve("swsl50.pth"), "x");
        java.nio.file.Path b = java.nio.file.Files.writeString(tmp.resolve("swsl101.pth"), "x");
        Recipe r = Recipes.withOverrides(Recipes.builtin("third-place"),
                List.of("model.variant_encoder_weights=[" + a + ", " + b + "]"));
        ModelFactory.checkPretraining(r); // both files exist: no "needs weights" failure although pretrained is swsl
        for (int i = 0; i < 2; i++) {
            Recipe v = ModelFactory.variant(r, i);
            assertThat(v.model().encoder()).isEqualTo(List.of("resnext50_32x4d", "resnext101_32x4d").get(i));
            assertThat(v.model().encoderWeights()).isEqualTo((i == 0 ? a : b).toString());
            assertThat(v.model().hasWeights()).isTrue();
        }
        assertThatThrownBy(() -> ModelFactory.checkPretraining(Recipes.withOverrides(Recipes.builtin("third-place"),
                List.of("model.variant_encoder_weights=[" + a + ", " + tmp.resolve("missing.pth") + "]"))))
                .hasMessageContaining("model.variant_encoder_weights[1] (variant resnext101_32x4d): no such file");
        assertThatThrownBy(() -> Recipes.withOverrides(Recipes.builtin("third-place"),
                List.of("model.variant_encoder_weights=[" + a + "]"))).hasMessageContaining("1 files for 2");
        assertThatThrownBy(() -> Recipes.withOverrides(Recipes.builtin("third-place"),
                List.of("model.variant_encoder_weights=[" + a + ", " + b + "]", "model.encoder_weights=" + a)))
                .hasMessageContaining("both set");
    }

    /** The "Tricks" write-up's two attention variants are recipe keys. */
    @Test
    void attentionGateAndCbamKeys() {
        try (SegmentationModel m = ModelFactory.create(tiny("cpu-quick", "model.base_channels=16",
                "model.attention_gate=true", "model.cbam=true"))) {
            assertThat(has(m, "decoder.blocks.0.attention_gate.psi")).isTrue();
            assertThat(has(m, "decoder.blocks.0.attention2.attention.SpatialGate.spatial.conv")).isTrue();
        }
        assertThatThrownBy(() -> ModelFactory.create(tiny("cpu-quick", "model.base_channels=16", "model.cbam=true",
                "model.attention=true"))).hasMessageContaining("scse and cbam");
    }

    /** smp's PAN and MAnet are model.architecture values; PAN's encoder output stride is a key. */
    @Test
    void panAndManetKeys() {
        try (SegmentationModel m = ModelFactory.create(tiny("cpu-quick", "model.architecture=pan",
                "model.encoder_output_stride=32"))) {
            assertThat(has(m, "decoder.fpa.mid.0.conv")).isTrue();
            assertThat(has(m, "decoder.gau1.conv2.conv")).isTrue();
            assertThat(m.graph().getLayer("decoder.fpa.mid.0.conv").getParam("W").size(0)).isEqualTo(4); // b
        }
        try (SegmentationModel m = ModelFactory.create(tiny("cpu-quick", "model.architecture=manet"))) {
            assertThat(has(m, "decoder.center.attention")).isTrue();
            assertThat(has(m, "decoder.blocks.3.SE_ll.3")).isTrue();
            assertThat(m.graph().getLayer("decoder.center.top_conv").getParam("W").size(0)).isEqualTo(8); // 2b
        }
        // smp's default output stride 16 dilates the stride-32 stage: layer4 stays at stride 16
        var s = ModelFactory.builder(tiny("cpu-quick", "model.architecture=pan", "model.encoder=resnet34"))
                .summary(128, 128);
        assertThat(s.layers().stream().filter(l -> l.name().equals("encoder.layer4.2.conv2")).findFirst()
                .orElseThrow().outputShape()).containsExactly(8, 8, 512);
        assertThatThrownBy(() -> ModelFactory.create(tiny("cpu-quick", "model.architecture=pan")))
                .hasMessageContaining("encoderOutputStride 32");
    }

    @Test
    void inconsistentKeysAreRefused() {
        assertThatThrownBy(() -> ModelFactory.create(tiny("cpu-quick", "model.fpn_skips=true",
                "model.hypercolumn=true"))).hasMessageContaining("model.fpn_skips and model.hypercolumn");
        assertThatThrownBy(() -> ModelFactory.create(tiny("cpu-quick", "model.deep_supervision=true")))
                .hasMessageContaining("train.deep_supervision_weight");
        assertThatThrownBy(() -> ModelFactory.create(tiny("cpu-quick", "model.architecture=fpn",
                "model.aspp=true"))).hasMessageContaining("not applicable to fpn: aspp");
    }
}
