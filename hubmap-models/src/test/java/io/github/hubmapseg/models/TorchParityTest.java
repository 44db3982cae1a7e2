package io.github.hubmapseg.models;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.ops.transforms.Transforms;

/**
 * Parity with PyTorch: {@code src/test/python/hubmap_models_ref.py} (run with /usr/bin/python3, torch 1.13 +
 * torchvision, random weights with a fixed seed, no downloads) writes state_dicts, inputs and outputs to
 * {@code target/torch-parity}; the weights are imported by name and the outputs must match to 1e-4.
 * Skipped, with a message, when /usr/bin/python3 has no torch (CI installs python3-torch).
 */
class TorchParityTest {
    private static final Path OUT = Paths.get("target", "torch-parity");
    private static final Path SCRIPT = Paths.get("src", "test", "python", "hubmap_models_ref.py");
    private static final double TOL = 1e-4;

    static Path reference(String name) throws IOException, InterruptedException {
        Path weights = OUT.resolve(name + ".weights.npz");
        Path ref = OUT.resolve(name + ".ref.npz");
        if (Files.exists(ref) && Files.getLastModifiedTime(ref).compareTo(Files.getLastModifiedTime(SCRIPT)) > 0) {
            return weights;
        }
        Path python = Paths.get("/usr/bin/python3");
        Assumptions.assumeTrue(Files.isExecutable(python), "skipped: /usr/bin/python3 not found (needs torch)");
        Process check = new ProcessBuilder(python.toString(), "-c", "import torch, torchvision")
                .redirectErrorStream(true).start();
        check.getInputStream().readAllBytes();
        Assumptions.assumeTrue(check.waitFor() == 0,
                "skipped: /usr/bin/python3 cannot import torch and torchvision (apt-get install python3-torch"
                        + " python3-torchvision)");
        Files.createDirectories(OUT);
        Process p = new ProcessBuilder(python.toString(), SCRIPT.toString(), name, OUT.toString())
                .redirectErrorStream(true).start();
        String log = new String(p.getInputStream().readAllBytes());
        assertThat(p.waitFor(300, TimeUnit.SECONDS)).isTrue();
        assertThat(p.exitValue()).as(log).isZero();
        return weights;
    }

    static Map<String, INDArray> refs(String name) throws IOException {
        return TorchWeights.readNpz(OUT.resolve(name + ".ref.npz"));
    }

    static void assertClose(INDArray actualNhwc, INDArray expectedNchw, String what) {
        INDArray actual = SegmentationModel.toNchw(actualNhwc);
        assertThat(actual.shape()).as(what).containsExactly(expectedNchw.shape());
        double maxDiff = Transforms.abs(actual.sub(expectedNchw)).maxNumber().doubleValue();
        double scale = Math.max(1.0, Transforms.abs(expectedNchw).maxNumber().doubleValue());
        assertThat(maxDiff / scale).as(what + " max |diff| " + maxDiff + " (scale " + scale + ")").isLessThan(TOL);
    }

    @Test
    void resnext50StageOutputsMatchTorchvision() throws Exception {
        Path weights = reference("resnext50_32x4d");
        Map<String, INDArray> ref = refs("resnext50_32x4d");
        try (SegmentationModel enc = Models.encoderOnly("resnext50_32x4d", 3)) {
            int n = TorchWeights.load(enc, weights, "");
            assertThat(n).isEqualTo(53 + 53 * 4); // 53 convs, 53 batch norms x 4 tensors
            INDArray[] out = enc.outputs(SegmentationModel.toNhwc(ref.get("x")));
            assertThat(out).hasSize(5);
            for (int i = 0; i < 5; i++) {
                assertClose(out[i], ref.get("y" + i), "stage " + i);
            }
        }
    }

    @Test
    void unetResnet34LogitsMatchPyTorch() throws Exception {
        Path weights = reference("unet_resnet34");
        Map<String, INDArray> ref = refs("unet_resnet34");
        try (SegmentationModel m = Models.builder("unet", "resnet34").decoderChannels(List.of(32, 16, 16, 8, 8))
                .build()) {
            TorchWeights.load(m, weights, "");
            assertClose(m.logits(SegmentationModel.toNhwc(ref.get("x"))), ref.get("y0"), "logits");
        }
    }

    @Test
    void unetTinyLogitsMatchPyTorch() throws Exception {
        Path weights = reference("unet_tiny");
        Map<String, INDArray> ref = refs("unet_tiny");
        try (SegmentationModel m = Models.builder("unet", "tiny").decoderChannels(List.of(32, 24, 16, 8, 8))
                .build()) {
            TorchWeights.load(m, weights, "");
            assertClose(m.logits(SegmentationModel.toNhwc(ref.get("x"))), ref.get("y0"), "logits");
        }
    }

    @Test
    void missingMisshapedAndUnusedTensorsAreListed() throws Exception {
        Path weights = reference("unet_tiny");
        Map<String, INDArray> sd = TorchWeights.readNpz(weights);
        sd.remove("decoder.blocks.0.conv1.1.running_var");
        sd.put("decoder.extra.weight", sd.get("segmentation_head.0.bias"));
        try (SegmentationModel m = Models.builder("unet", "tiny").decoderChannels(List.of(32, 24, 16, 8, 4))
                .build()) {
            INDArray before = m.graph().getLayer("segmentation_head.0").getParam("W").dup();
            assertThatThrownBy(() -> TorchWeights.load(m, sd, ""))
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("missing: decoder.blocks.0.conv1.1.running_var")
                    .hasMessageContaining("wrong shape")
                    .hasMessageContaining("segmentation_head.0.weight: expected [1, 4, 3, 3], got [1, 8, 3, 3]")
                    .hasMessageContaining("unused: decoder.extra.weight");
            assertThat(m.graph().getLayer("segmentation_head.0").getParam("W")).isEqualTo(before);
        }
    }
}
