package io.github.hubmapseg.models;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * Parity of the decoders and heads with PyTorch: {@code src/test/python/ref_decoders.py} (torch 1.13 with
 * torchvision's {@code ASPP}, {@code nn.PixelShuffle}, smp's SCSE/FPN/Linknet module layouts; random weights with
 * a fixed seed) writes state_dicts, inputs and every output to {@code target/torch-parity}; the weights are
 * imported by name (every tensor used, none missing) and every graph output must match to 1e-4 (eval mode).
 * Skipped, with a message, when /usr/bin/python3 has no torch.
 */
class DecoderParityTest {
    private static final Path SCRIPT = Paths.get("src", "test", "python", "ref_decoders.py");

    private static void check(String name, Models.Builder builder, int outputs) throws Exception {
        Path weights = TorchParityTest.reference(SCRIPT, name);
        Map<String, INDArray> ref = TorchParityTest.refs(name);
        Map<String, INDArray> sd = TorchWeights.readNpz(weights);
        try (SegmentationModel m = builder.build()) {
            int n = TorchWeights.load(m, sd, "");
            long expected = sd.keySet().stream().filter(k -> !k.endsWith("num_batches_tracked")).count();
            assertThat(n).as("tensors imported").isEqualTo(expected);
            INDArray[] out = m.outputs(SegmentationModel.toNhwc(ref.get("x")));
            assertThat(out).hasSize(outputs);
            for (int i = 0; i < outputs; i++) {
                TorchParityTest.assertClose(out[i], ref.get("y" + i), name + " output " + i + " ("
                        + m.outputNames().get(i) + ")");
            }
        }
    }

    @Test
    void unetWithPixelShuffleAsppHypercolumnScseAndHeadsMatchesPyTorch() throws Exception {
        check("unet_tiny_3rd", Models.builder("unet", "tiny").decoderChannels(List.of(32, 32, 16, 16, 16))
                .upsampling(Upsampling.PIXEL_SHUFFLE).aspp(32, List.of(1, 2)).hypercolumn(8).scse(true)
                .dropout(0.1).deepSupervision(true).classificationHead(true), 6);
    }

    @Test
    void unetWithPlainHypercolumnScseAndHeadsMatchesPyTorch() throws Exception {
        check("unet_tiny_1st", Models.builder("unet", "tiny").decoderChannels(List.of(32, 32, 16, 16, 16))
                .hypercolumn(0).scse(true).deepSupervision(true).classificationHead(true), 6);
    }

    @Test
    void fpnTinyMatchesPyTorch() throws Exception {
        check("fpn_tiny", Models.builder("fpn", "tiny").pyramidChannels(32).segmentationChannels(32), 1);
    }

    @Test
    void fpnResnet34MatchesPyTorch() throws Exception {
        check("fpn_resnet34", Models.builder("fpn", "resnet34").pyramidChannels(32).segmentationChannels(32), 1);
    }

    @Test
    void linknetTinyMatchesPyTorch() throws Exception {
        check("linknet_tiny", Models.builder("linknet", "tiny").prefinalChannels(16), 1);
    }

    @Test
    void linknetResnet34MatchesPyTorch() throws Exception {
        check("linknet_resnet34", Models.builder("linknet", "resnet34"), 1);
    }
}
