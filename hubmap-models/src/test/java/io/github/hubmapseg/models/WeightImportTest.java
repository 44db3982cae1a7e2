package io.github.hubmapseg.models;


import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.github.hubmapseg.models.weights.Npz;
import io.github.hubmapseg.models.weights.StateDict;
import io.github.hubmapseg.models.weights.WeightFiles;
import io.github.hubmapseg.models.weights.WeightFormat;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.ops.transforms.Transforms;

/**
 * Whole smp models and encoders imported from files written by torch 1.13 ({@code src/test/python/ref_import.py}:
 * random weights, batch-norm statistics randomised), with the layout, architecture, encoder and decoder options
 * detected from the file alone; the imported model (resnet34 and efficientnet-b0: saved as a checkpoint and loaded
 * again) must give PyTorch's
 * logits (encoders: all five feature maps) to 1e-4 relative to max |y|. Each architecture meets every file format
 * and each encoder every format (a Latin square: format = (arch + encoder) mod 3). Skipped without torch.
 */
class WeightImportTest {
    static final Path OUT = Paths.get("target", "weight-import");
    private static final List<String> ARCHS = List.of("unet", "fpn", "linknet");
    private static final List<String> ENCODERS = List.of("resnet34", "resnext50_32x4d", "se_resnext50_32x4d",
            "tv-efficientnet-b0");
    private static final List<String> FORMATS = List.of("zip", "legacy", "safetensors");
    private static final Map<String, String> ENCODER_CASES = new LinkedHashMap<>();

    static {
        ENCODER_CASES.put("tv_resnet34", "resnet34:zip:TORCHVISION");
        ENCODER_CASES.put("tv_resnext50_32x4d", "resnext50_32x4d:safetensors:TORCHVISION");
        ENCODER_CASES.put("cadene_se_resnext50_32x4d", "se_resnext50_32x4d:legacy:CADENE");
        ENCODER_CASES.put("timm_seresnext50_32x4d", "seresnext50_32x4d:safetensors:TIMM");
        ENCODER_CASES.put("tv_efficientnet_b0", "tv-efficientnet-b0:legacy:TORCHVISION");
    }

    static Path file(String c, String format) {
        return file(OUT, c, format);
    }

    static Path file(Path dir, String c, String format) {
        return dir.resolve(c + switch (format) {
            case "zip" -> ".pth";
            case "legacy" -> ".legacy.pth";
            default -> ".safetensors";
        });
    }

    static Stream<Arguments> wholeModels() {
        List<Arguments> out = new ArrayList<>();
        for (int a = 0; a < ARCHS.size(); a++) {
            for (int e = 0; e < ENCODERS.size(); e++) {
                out.add(Arguments.of(ARCHS.get(a), ENCODERS.get(e), FORMATS.get((a + e) % 3)));
            }
        }
        return out.stream();
    }

    /** Generates the files (cached in target/weight-import until the script changes); skips without torch. */
    @BeforeAll
    static void generate() throws Exception {
        List<String> cases = new ArrayList<>();
        wholeModels().forEach(a -> cases.add(a.get()[0] + "_" + a.get()[1] + ":" + a.get()[2]));
        ENCODER_CASES.forEach((c, spec) -> cases.add(c + ":" + spec.split(":")[1]));
        TorchReferences.generate("ref_import.py", OUT, 900, cases);
    }

    static void assertRelClose(INDArray actualNchw, INDArray expected, String what) {
        assertThat(actualNchw.shape()).as(what).containsExactly(expected.shape());
        double maxDiff = Transforms.abs(actualNchw.sub(expected)).maxNumber().doubleValue();
        double scale = Transforms.abs(expected).maxNumber().doubleValue();
        assertThat(scale).as(what + " max |y|").isGreaterThan(0);
        assertThat(maxDiff / scale).as(what + ": max |diff| " + maxDiff + ", max |y| " + scale).isLessThan(1e-4);
    }

    @ParameterizedTest(name = "{0} {1} from {2}")
    @MethodSource("wholeModels")
    void wholeSmpModelGivesPyTorchLogits(String arch, String encoder, String format, @TempDir Path tmp)
            throws Exception {
        String c = arch + "_" + encoder;
        StateDict sd = WeightFiles.read(file(c, format));
        assertThat(sd.format()).isEqualTo(switch (format) {
            case "zip" -> WeightFormat.TORCH_ZIP;
            case "legacy" -> WeightFormat.TORCH_LEGACY;
            default -> WeightFormat.SAFETENSORS;
        });
        WeightLayouts.Detection d = WeightLayouts.detect(sd.tensors(), null);
        assertThat(d.layout()).isEqualTo(WeightLayout.SMP);
        assertThat(d.arch()).isEqualTo(arch);
        assertThat(d.encoder()).as(String.join("; ", d.problems())).isEqualTo(encoder);
        Path ckpt = tmp.resolve("model.zip");
        // through a checkpoint (what `hubmap weights import` writes) for the light encoders; the ResNeXt checkpoints
        // (grouped convolutions stored dense) only cost time here, the format has its own tests
        boolean viaCheckpoint = encoder.equals("resnet34") || encoder.equals("tv-efficientnet-b0");
        INDArray x = Npz.readNpy(OUT.resolve(c + ".x.npy"));
        INDArray y = Npz.readNpy(OUT.resolve(c + ".y.npy"));
        SegmentationModel imported = WeightLayouts.importModel(sd.tensors(), null, null, null, null);
        if (viaCheckpoint) {
            Checkpoints.save(imported, ckpt);
            imported.close();
        }
        try (SegmentationModel m = viaCheckpoint ? Checkpoints.load(ckpt) : imported) {
            assertThat(m.arch()).isEqualTo(arch);
            assertThat(m.encoder()).isEqualTo(encoder);
            assertRelClose(SegmentationModel.toNchw(m.logits(SegmentationModel.toNhwc(x))), y, c + " " + format);
        }
    }

    static Stream<String> encoderCases() {
        return ENCODER_CASES.keySet().stream();
    }

    @ParameterizedTest
    @MethodSource("encoderCases")
    void encoderFilesGivePyTorchFeaturesAndLoadIntoAUnet(String c) throws Exception {
        String[] spec = ENCODER_CASES.get(c).split(":");
        String encoder = spec[0];
        StateDict sd = WeightFiles.read(file(c, spec[1]));
        WeightLayouts.Detection d = WeightLayouts.detect(sd.tensors(), null);
        assertThat(d.arch()).isNull();
        assertThat(d.layout()).isEqualTo(WeightLayout.valueOf(spec[2]));
        assertThat(d.encoder()).as(String.join("; ", d.problems())).isEqualTo(encoder);
        INDArray x = Npz.readNpy(OUT.resolve(c + ".x.npy"));
        Map<String, INDArray> feats = Npz.read(OUT.resolve(c + ".features.npz"));
        try (SegmentationModel enc = Models.encoderOnly(encoder, 3)) {
            TorchWeights.load(enc, WeightLayouts.toEncoderNames(sd.tensors(), d), "");
            INDArray[] out = enc.outputs(SegmentationModel.toNhwc(x));
            for (int i = 0; i < 5; i++) {
                assertRelClose(SegmentationModel.toNchw(out[i]), feats.get("y" + i), c + " feature " + i);
            }
        }
        try (SegmentationModel unet = Models.builder("unet", encoder).decoderChannels(List.of(16, 16, 8, 8, 8))
                .build()) {
            INDArray decoderBefore = unet.graph().getLayer("segmentation_head.0").getParam("W").dup();
            int n = WeightLayouts.loadEncoder(unet, sd.tensors(), null);
            assertThat(n).isGreaterThan(100);
            String first = encoder.contains("se") ? "encoder.layer0.conv1" : encoder.startsWith("tv-eff")
                    ? "encoder.features.0.0" : "encoder.conv1";
            String key = encoder.startsWith("seresnext") ? "conv1.weight" : first.substring(8) + ".weight";
            assertThat(unet.graph().getLayer(first).getParam("W")).isEqualTo(sd.tensors().get(key));
            assertThat(unet.graph().getLayer("segmentation_head.0").getParam("W")).isEqualTo(decoderBefore);
        }
    }

    @Test
    void aPartialFileListsMissingUnexpectedAndMisshapedTensors() throws Exception {
        StateDict sd = WeightFiles.read(file("tv_resnet34", "zip"));
        Map<String, INDArray> t = new LinkedHashMap<>(sd.tensors());
        t.remove("layer4.2.bn2.running_var");
        t.put("layer9.extra.weight", t.get("conv1.weight"));
        t.put("layer1.0.conv2.weight", t.get("layer1.0.conv1.weight").reshape(64, 64, 9, 1));
        WeightLayouts.Detection d = WeightLayouts.detect(t, null);
        assertThat(d.encoder()).isNull();
        assertThat(String.join("; ", d.problems())).contains("closest encoder resnet34")
                .contains("1 missing: layer4.2.bn2.running_var [512]")
                .contains("1 wrong shape: layer1.0.conv2.weight: expected [64, 64, 3, 3], got [64, 64, 9, 1]")
                .contains("1 unexpected: layer9.extra.weight");
        assertThatThrownBy(() -> WeightLayouts.importModel(t, "unet", null, null, null))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("fits no registered encoder")
                .hasMessageContaining("layer4.2.bn2.running_var");
        assertThatThrownBy(() -> WeightLayouts.detect(sd.tensors(), WeightLayout.CADENE))
                .hasMessageContaining("torchvision layout, not cadene");
    }
}
