package io.github.hubmapseg.models;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

class ModelsTest {

    /** Expected values: torchvision 0.14 {@code sum(p.numel())} without {@code fc.*} (see class javadoc). */
    @ParameterizedTest
    @CsvSource({"resnet34, 21284672", "resnet50, 23508032", "resnext50_32x4d, 22979904",
        "resnext101_32x4d, 42128704"})
    void encoderFreeParametersEqualTorchvision(String encoder, long expected) {
        ModelSummary s = Models.builder("unet", encoder).summary(64, 64);
        assertThat(s.encoderParams()).isEqualTo(expected);
        assertThat(s.outputStride()).isEqualTo(32);
        assertThat(s.trainableParams()).isGreaterThan(expected);
    }

    @Test
    void unetResnet34DecoderParametersEqualSmpFormula() {
        // smp Unet(resnet34) decoder: blocks (in+skip -> out) x2 3x3 convs without bias + BN(out) weight/bias,
        // head 16 -> 1 3x3 with bias
        long[][] blocks = {{512 + 256, 256}, {256 + 128, 128}, {128 + 64, 64}, {64 + 64, 32}, {32, 16}};
        long expected = 0;
        for (long[] b : blocks) {
            expected += b[0] * b[1] * 9 + 2 * b[1] + b[1] * b[1] * 9 + 2 * b[1];
        }
        expected += 16 * 9 + 1;
        ModelSummary s = Models.builder("unet", "resnet34").summary(64, 64);
        assertThat(s.trainableParams() - s.encoderParams()).isEqualTo(expected);
    }

    @Test
    void unknownNamesListTheValidOnes() {
        assertThatThrownBy(() -> Models.create("unet", "resnext51")).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("resnext51").hasMessageContaining("resnext50_32x4d")
                .hasMessageContaining("resnet34");
        assertThatThrownBy(() -> Models.create("unett", "resnet34")).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("unett").hasMessageContaining("unet");
    }

    @Test
    void tinyUnetGivesLogitsAtInputSizeAndRejectsSizesNotMultipleOfStride() {
        try (SegmentationModel m = Models.create("unet", "tiny")) {
            INDArray out = m.logits(Nd4j.rand(2, 64, 96, 3));
            assertThat(out.shape()).containsExactly(2, 64, 96, 1);
            assertThat(out.minNumber().doubleValue()).isLessThan(0); // logits, not probabilities
            assertThatThrownBy(() -> m.logits(Nd4j.rand(1, 250, 64, 3)))
                    .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("250x64")
                    .hasMessageContaining("pad to 256x64");
            assertThatThrownBy(() -> m.logits(Nd4j.rand(1, 64, 64, 4)))
                    .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("3 channels");
            ModelSummary s = m.summary(64, 64);
            assertThat(s.layers().get(s.layers().size() - 1).outputShape()).containsExactly(64, 64, 1);
            assertThat(s.format()).contains("segmentation_head.0").contains("output stride");
        }
    }

    @Test
    void builderRejectsBadOptions() {
        assertThatThrownBy(() -> Models.builder("unet", "tiny").classes(0).build())
                .hasMessageContaining("classes must be >= 1, got 0");
        assertThatThrownBy(() -> Models.builder("unet", "tiny").decoderChannels(List.of(8, 8)).build())
                .hasMessageContaining("decoderChannels must have 5 entries");
    }
}
