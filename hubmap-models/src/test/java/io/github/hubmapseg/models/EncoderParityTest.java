package io.github.hubmapseg.models;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * Parity of the SE-ResNeXt and EfficientNet encoders with PyTorch: {@code src/test/python/ref_encoders.py}
 * (through hubmap_models_ref.py, /usr/bin/python3 with torch 1.13 + torchvision 0.14, random weights with a
 * fixed seed, eval mode, batch 2 at 64x64) writes the state_dict and the five feature maps; the weights are
 * imported by name and every feature map must match to 1e-4 ({@link TorchParityTest#assertClose}). Free
 * parameter counts are compared with the PyTorch definitions for all registered SE-ResNeXt/EfficientNet
 * encoders. Skipped without torch.
 */
class EncoderParityTest {

    /** Tensors of the state_dict that the import uses: all but BN counters and the classifier heads. */
    private static long importable(Map<String, INDArray> sd, List<String> skippedModules) {
        return sd.keySet().stream().filter(k -> !k.endsWith("num_batches_tracked"))
                .filter(k -> skippedModules.stream().noneMatch(m -> k.startsWith(m + "."))).count();
    }

    private static void assertFeaturesMatch(String encoder, String refCase) throws Exception {
        Path weights = TorchParityTest.reference(refCase);
        Map<String, INDArray> ref = TorchParityTest.refs(refCase);
        Map<String, INDArray> sd = TorchWeights.readNpz(weights);
        try (SegmentationModel enc = Models.encoderOnly(encoder, 3)) {
            int n = TorchWeights.load(enc, sd, "");
            assertThat(n).isEqualTo(importable(sd, Encoders.create(encoder).unusedTorchModules()));
            INDArray[] out = enc.outputs(SegmentationModel.toNhwc(ref.get("x")));
            assertThat(out).hasSize(5);
            for (int i = 0; i < 5; i++) {
                TorchParityTest.assertClose(out[i], ref.get("y" + i), encoder + " feature " + i);
                assertThat(out[i].size(3)).isEqualTo((long) Encoders.create(encoder).stageChannels().get(i));
            }
        }
    }

    @Test
    void seResnext50FeaturesMatchPretrainedmodelsLayout() throws Exception {
        assertFeaturesMatch("se_resnext50_32x4d", "se_resnext50_32x4d");
    }

    @Test
    void efficientNetB0FeaturesMatchTorchvision() throws Exception {
        // B1..B7 differ only by the scaling rules, which the parameter counts below check for every variant
        assertFeaturesMatch("tv-efficientnet-b0", "efficientnet-b0");
    }

    @Test
    void efficientNetImportsTorchvisionFeaturesStateDictIntoUnetEncoder() throws Exception {
        // efficientnet_b0().features.state_dict() (keys "0.0.weight", ...) with prefix "encoder.features."
        Path weights = TorchParityTest.reference("efficientnet-b0");
        Map<String, INDArray> full = TorchWeights.readNpz(weights);
        Map<String, INDArray> features = new java.util.LinkedHashMap<>();
        full.forEach((k, v) -> {
            if (k.startsWith("features.")) {
                features.put(k.substring("features.".length()), v);
            }
        });
        try (SegmentationModel m = Models.builder("unet", "tv-efficientnet-b0").build()) {
            int n = TorchWeights.load(m, features, "encoder.features.");
            assertThat(n).isEqualTo(importable(full, List.of("features.8", "classifier")));
            INDArray dw = m.graph().getLayer("encoder.features.1.0.block.0.0").getParam("W");
            INDArray torch = full.get("features.1.0.block.0.0.weight"); // [32, 1, 3, 3] -> DL4J [3, 3, 32, 1]
            assertThat(dw.getDouble(1, 2, 5, 0)).isEqualTo(torch.getDouble(5, 0, 1, 2));
        }
    }

    @Test
    void misshapedDepthwiseWeightIsListed() throws Exception {
        Path weights = TorchParityTest.reference("efficientnet-b0");
        Map<String, INDArray> sd = TorchWeights.readNpz(weights);
        sd.put("features.1.0.block.0.0.weight", sd.get("features.1.0.block.0.0.weight").reshape(32, 1, 9, 1));
        try (SegmentationModel enc = Models.encoderOnly("tv-efficientnet-b0", 3)) {
            assertThatThrownBy(() -> TorchWeights.load(enc, sd, "")).isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("features.1.0.block.0.0.weight: expected [32, 1, 3, 3], got [32, 1, 9, 1]");
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"se_resnext50_32x4d", "se_resnext101_32x4d", "tv-efficientnet-b0", "tv-efficientnet-b1",
        "tv-efficientnet-b2", "tv-efficientnet-b3", "tv-efficientnet-b4", "tv-efficientnet-b5", "tv-efficientnet-b6",
        "tv-efficientnet-b7"})
    void encoderFreeParametersEqualPyTorch(String encoder) throws Exception {
        TorchParityTest.reference("encoder_param_counts");
        long expected = TorchParityTest.refs("encoder_param_counts").get(encoder.replace("tv-", "")).getLong(0);
        ModelSummary s = Models.builder("unet", encoder).summary(64, 64);
        assertThat(s.encoderParams()).as(encoder).isEqualTo(expected);
    }
}
