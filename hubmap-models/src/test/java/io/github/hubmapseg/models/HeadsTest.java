package io.github.hubmapseg.models;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.learning.config.Adam;

/** Deep-supervision and classification outputs, their labels, one training step; the registry's errors. */
class HeadsTest {

    @Test
    void deepSupervisionAndClassificationOutputsHaveTheDocumentedShapesAndTrain() {
        try (SegmentationModel m = Models.builder("unet", "tiny").decoderChannels(List.of(16, 16, 16, 16, 16))
                .upsampling(Upsampling.PIXEL_SHUFFLE).aspp(16, List.of(1, 2)).hypercolumn(4).scse(true)
                .deepSupervision(true).classificationHead(true).updater(new Adam(1e-3)).build()) {
            assertThat(m.outputNames()).containsExactly("loss", "deep_supervision.0.loss", "deep_supervision.1.loss",
                    "deep_supervision.2.loss", "deep_supervision.3.loss", "classification_head.loss");
            INDArray[] out = m.outputs(Nd4j.rand(2, 64, 96, 3));
            assertThat(out[0].shape()).containsExactly(2, 64, 96, 1);
            int[] strides = {16, 8, 4, 2};
            for (int i = 0; i < 4; i++) {
                assertThat(out[i + 1].shape()).as("deep supervision %d", i)
                        .containsExactly(2, 64 / strides[i], 96 / strides[i], 1);
            }
            assertThat(out[5].shape()).containsExactly(2, 1, 1, 1);

            INDArray[] d = TrainingTest.tiles(2, 64, 5);
            INDArray mask = d[1];
            mask.get(org.nd4j.linalg.indexing.NDArrayIndex.point(1)).assign(0); // image 1 has no glomerulus
            INDArray[] labels = m.labels(mask);
            assertThat(labels[0]).isSameAs(mask);
            assertThat(labels[1].shape()).containsExactly(2, 4, 4, 1);
            assertThat(labels[4].shape()).containsExactly(2, 32, 32, 1);
            assertThat(labels[5].shape()).containsExactly(2, 1, 1, 1);
            assertThat(labels[5].getDouble(0, 0, 0, 0)).isEqualTo(1.0);
            assertThat(labels[5].getDouble(1, 0, 0, 0)).isEqualTo(0.0);
            // a max-pooled cell is 1 iff one of its 16x16 pixels is
            double any = mask.get(org.nd4j.linalg.indexing.NDArrayIndex.point(0),
                    org.nd4j.linalg.indexing.NDArrayIndex.interval(16, 32),
                    org.nd4j.linalg.indexing.NDArrayIndex.interval(32, 48)).maxNumber().doubleValue();
            assertThat(labels[1].getDouble(0, 1, 2, 0)).isEqualTo(any);
            assertThat(labels[2].sumNumber().doubleValue()).isGreaterThan(0);

            INDArray before = m.graph().getLayer("deep_supervision.2").getParam("W").dup();
            double loss = m.fit(d[0], mask);
            assertThat(loss).isFinite().isPositive();
            assertThat(m.graph().getLayer("deep_supervision.2").getParam("W")).isNotEqualTo(before);
            assertThat(m.fit(d[0], labels)).isFinite();
        }
    }

    @Test
    void fpnAndLinknetGiveLogitsAtInputSize() {
        for (String arch : List.of("fpn", "linknet")) {
            try (SegmentationModel m = Models.builder(arch, "tiny").classificationHead(true).build()) {
                INDArray[] out = m.outputs(Nd4j.rand(1, 64, 32, 3));
                assertThat(out[0].shape()).as(arch).containsExactly(1, 64, 32, 1);
                assertThat(out[1].shape()).as(arch).containsExactly(1, 1, 1, 1);
                assertThat(m.arch()).isEqualTo(arch);
                assertThat(m.fit(Nd4j.rand(1, 32, 32, 3), Nd4j.rand(1, 32, 32, 1).gt(0.5).castTo(
                        org.nd4j.linalg.api.buffer.DataType.FLOAT))).isFinite();
            }
        }
    }

    @Test
    void pixelShuffleConvsStartIcnr() {
        try (SegmentationModel m = Models.builder("unet", "tiny").upsampling(Upsampling.PIXEL_SHUFFLE).build()) {
            INDArray w = m.graph().getLayer("decoder.blocks.1.shuffle.0").getParam("W");
            assertThat(w.size(0)).isEqualTo(4 * w.size(1));
            for (int c = 0; c < w.size(0); c += 4) {
                for (int k = 1; k < 4; k++) {
                    assertThat(w.slice(c + k)).isEqualTo(w.slice(c));
                }
            }
            assertThat(w.slice(0)).isNotEqualTo(w.slice(4));
        }
    }

    @Test
    void registryListsArchitecturesAndRejectsInapplicableOptions() {
        assertThat(Models.architectures()).containsExactly("unet", "fpn", "linknet", "pan", "manet");
        assertThatThrownBy(() -> Models.builder("fnp", "tiny")).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("'fnp'").hasMessageContaining("unet, fpn, linknet");
        assertThatThrownBy(() -> Models.builder("fpn", "tiny").aspp(32, List.of(1)).scse(true).build())
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("options not applicable to fpn: aspp, scse")
                .hasMessageContaining("pyramidChannels");
        assertThatThrownBy(() -> Models.builder("linknet", "tiny").deepSupervision(true).build())
                .hasMessageContaining("not applicable to linknet: deepSupervision");
        assertThatThrownBy(() -> Models.builder("unet", "tiny").prefinalChannels(8).build())
                .hasMessageContaining("not applicable to unet: prefinalChannels");
        assertThatThrownBy(() -> Models.builder("unet", "tiny").aspp(8, List.of()).build())
                .hasMessageContaining("aspp rates");
        assertThatThrownBy(() -> Models.builder("unet", "tiny").dropout(1.0).build())
                .hasMessageContaining("dropout must be in [0, 1), got 1.0");
        assertThatThrownBy(() -> Models.builder("unet", "tiny").decoderChannels(List.of(8, 8, 8, 8, 8)).scse(true)
                .build()).hasMessageContaining("scSE").hasMessageContaining(">= 16 channels");
        assertThatThrownBy(() -> Models.builder("fpn", "tiny").summary(100, 64))
                .hasMessageContaining("100x64").hasMessageContaining("pad to 128x64");
    }

    @Test
    void summariesOfNewArchitecturesCountSmpParameters() {
        // smp Linknet(resnet34) decoder: per block 1x1 (in -> in/4) + BN, transposed 4x4 (in/4 -> in/4, bias) +
        // BN, 1x1 (in/4 -> out) + BN; head 1x1 32 -> 1 with bias
        long[][] blocks = {{512, 256}, {256, 128}, {128, 64}, {64, 64}, {64, 32}};
        long expected = 0;
        for (long[] b : blocks) {
            long q = b[0] / 4;
            expected += b[0] * q + 2 * q + q * q * 16 + q + 2 * q + q * b[1] + 2 * b[1];
        }
        expected += 32 + 1;
        ModelSummary s = Models.builder("linknet", "resnet34").summary(64, 64);
        assertThat(s.trainableParams() - s.encoderParams()).isEqualTo(expected);
        ModelSummary f = Models.builder("fpn", "resnet34").summary(64, 64);
        assertThat(f.layers().get(f.layers().size() - 1).outputShape()).containsExactly(64, 64, 1);
        assertThat(f.format()).contains("decoder.seg_blocks.0.block.2.block.0").contains("decoder.p4.skip_conv");
    }
}
