package io.github.hubmapseg.models;

import static org.assertj.core.api.Assertions.assertThat;

import io.github.hubmapseg.models.weights.Npz;
import io.github.hubmapseg.models.weights.StateDict;
import io.github.hubmapseg.models.weights.WeightFiles;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * smp's {@code timm-efficientnet-bN} (timm's EfficientNet as smp builds it: b0 encoder file, b2 U-Net file) and
 * smp's {@code efficientnet-bN} (lukemelas EfficientNet-PyTorch: TF "same" static padding, swish, its names) against
 * our transcription of that source in {@code src/test/python/ref_smp.py} (lukemelas 7e8b0d3, smp bc597e9a), torch
 * 1.13, random weights with batch-norm statistics randomised, 64x64 inputs: encoder files (b0 as a legacy
 * {@code .pth}; b2, whose nominal 260-pixel padding is uneven at other layers than b0's, as safetensors) give all five
 * feature maps, and whole smp U-Net, FPN and Linknet files on it (zip, legacy, safetensors) give the logits, to 1e-4
 * of max |y|, with layout, architecture and encoder detected from the names. Skipped without torch.
 */
class SmpEfficientNetTest {
    static final Path OUT = Paths.get("target", "smp-efficientnet");

    @BeforeAll
    static void generate() throws Exception {
        TorchReferences.generate("ref_smp.py", OUT, 300, List.of());
    }

    @ParameterizedTest
    @CsvSource({"smp_efficientnet-b0, legacy, efficientnet-b0, SMP",
        "smp_efficientnet-b2, safetensors, efficientnet-b2, SMP",
        "smp_timm-efficientnet-b0, zip, timm-efficientnet-b0, TIMM"})
    void encoderFilesGiveSmpFeatures(String c, String format, String encoder, WeightLayout layout) throws Exception {
        StateDict sd = WeightFiles.read(WeightImportTest.file(OUT, c, format));
        WeightLayouts.Detection d = WeightLayouts.detect(sd.tensors(), null);
        assertThat(d.arch()).isNull();
        assertThat(d.layout()).isEqualTo(layout);
        assertThat(d.encoder()).as(String.join("; ", d.problems())).isEqualTo(encoder);
        INDArray x = Npz.readNpy(OUT.resolve(c + ".x.npy"));
        Map<String, INDArray> feats = Npz.read(OUT.resolve(c + ".features.npz"));
        try (SegmentationModel enc = Models.encoderOnly(encoder, 3)) {
            TorchWeights.load(enc, WeightLayouts.toEncoderNames(sd.tensors(), d), "");
            INDArray[] out = enc.outputs(SegmentationModel.toNhwc(x));
            for (int i = 0; i < 5; i++) {
                WeightImportTest.assertRelClose(SegmentationModel.toNchw(out[i]), feats.get("y" + i),
                        c + " feature " + i);
            }
        }
    }

    @ParameterizedTest
    @CsvSource({"unet, efficientnet-b0, zip", "fpn, efficientnet-b0, legacy", "linknet, efficientnet-b0, safetensors",
        "unet, timm-efficientnet-b2, legacy"})
    void wholeSmpModelsGiveSmpLogits(String arch, String encoder, String format, @TempDir Path tmp) throws Exception {
        String c = arch + "_" + encoder;
        StateDict sd = WeightFiles.read(WeightImportTest.file(OUT, c, format));
        WeightLayouts.Detection d = WeightLayouts.detect(sd.tensors(), null);
        assertThat(d.layout()).isEqualTo(WeightLayout.SMP);
        assertThat(d.arch()).isEqualTo(arch);
        assertThat(d.encoder()).as(String.join("; ", d.problems())).isEqualTo(encoder);
        INDArray x = Npz.readNpy(OUT.resolve(c + ".x.npy"));
        INDArray y = Npz.readNpy(OUT.resolve(c + ".y.npy"));
        Path ckpt = tmp.resolve("model.zip");
        SegmentationModel imported = WeightLayouts.importModel(sd.tensors(), null, null, null, null);
        boolean viaCheckpoint = arch.equals("fpn"); // the GroupNorm and bilinear vertices through the JSON
        if (viaCheckpoint) {
            Checkpoints.save(imported, ckpt);
            imported.close();
        }
        try (SegmentationModel m = viaCheckpoint ? Checkpoints.load(ckpt) : imported) {
            assertThat(m.encoder()).isEqualTo(encoder);
            WeightImportTest.assertRelClose(SegmentationModel.toNchw(m.logits(SegmentationModel.toNhwc(x))), y,
                    c + " " + format);
        }
    }

    /** A checkpoint from before the rename records efficientnet-bN for torchvision's network: it loads as tv-. */
    @Test
    void oldEfficientNetCheckpointNamesMeanTorchvision() {
        try (SegmentationModel tv = Models.encoderOnly("tv-efficientnet-b0", 3);
                SegmentationModel smp = Models.encoderOnly("efficientnet-b0", 3)) {
            assertThat(new SegmentationModel("encoder", "efficientnet-b0", 3, 32, tv.graph(), Map.of(), List.of())
                    .encoder()).isEqualTo("tv-efficientnet-b0");
            assertThat(new SegmentationModel("encoder", "efficientnet-b0", 3, 32, smp.graph(), Map.of(), List.of())
                    .encoder()).isEqualTo("efficientnet-b0");
        }
    }

    @Test
    void staticSamePaddingIsLukemelas() {
        // Conv2dStaticSamePadding: total max((ceil(i/s) - 1) s + k - i, 0)
        assertThat(LukemelasEfficientNetEncoder.samePadding(224, 3, 2)).isEqualTo(1);
        assertThat(LukemelasEfficientNetEncoder.samePadding(65, 5, 2)).isEqualTo(4);
        assertThat(LukemelasEfficientNetEncoder.samePadding(14, 5, 1)).isEqualTo(4);
        assertThat(Encoders.create("efficientnet-b2").stageChannels()).containsExactly(32, 24, 48, 120, 352);
        assertThat(Models.encoderTorchShapes("efficientnet-b0")).containsKey("_blocks.15._project_conv.weight")
                .doesNotContainKey("_blocks.16._bn0.weight");
        assertThat(List.of(Models.encoderTorchShapes("efficientnet-b0").get("_blocks.1._se_reduce.weight")))
                .containsExactly(new long[] {4, 96, 1, 1});
    }
}
