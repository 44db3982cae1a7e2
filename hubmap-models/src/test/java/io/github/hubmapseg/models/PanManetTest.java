package io.github.hubmapseg.models;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.github.hubmapseg.models.weights.Npz;
import io.github.hubmapseg.models.weights.StateDict;
import io.github.hubmapseg.models.weights.WeightFiles;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.List;
import java.util.Map;
import org.deeplearning4j.nn.conf.ComputationGraphConfiguration;
import org.deeplearning4j.nn.conf.ComputationGraphConfiguration.GraphBuilder;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.WorkspaceMode;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.learning.config.NoOp;
import org.nd4j.linalg.ops.transforms.Transforms;

/**
 * smp's PAN and MAnet and timm's {@code tf_efficientnet_b0} against our transcription of smp's and timm's code in
 * {@code src/test/python/ref_panmanet.py} (module names identical to smp's/timm's, so the state_dict keys are theirs;
 * smp 5006616, timm aa4b5850), torch 1.13, random weights with batch-norm statistics and biases randomised: whole smp
 * PAN (encoder output stride 16, the dilated last stage, and 32) and MAnet files on resnet34 and smp's
 * efficientnet-b0 (PAN also on smp's timm-efficientnet-b0; zip, legacy and safetensors) give the logits to 1e-4 of
 * max |y|, architecture, encoder and decoder options detected from the names; timm's tf_efficientnet_b0 classification file gives timm's five feature maps. The
 * new vertices' gradients against central differences, and their JSON. Skipped without torch.
 */
class PanManetTest {
    static final Path OUT = Paths.get("target", "pan-manet");

    @BeforeAll
    static void generate() throws Exception {
        TorchReferences.generate("ref_panmanet.py", OUT, 300, List.of());
    }

    @ParameterizedTest(name = "{0} {1} from {2}")
    @CsvSource({"pan, resnet34, zip, panChannels, 32", "pan, efficientnet-b0, legacy, panChannels, 32",
        "pan, timm-efficientnet-b0, safetensors, panChannels, 32",
        "manet, resnet34, safetensors, pabChannels, 16", "manet, efficientnet-b0, zip, pabChannels, 64"})
    void wholeSmpModelsGiveSmpLogits(String arch, String encoder, String format, String option, int value,
            @TempDir Path tmp) throws Exception {
        String c = arch + "_" + encoder;
        StateDict sd = WeightFiles.read(WeightImportTest.file(OUT, c, format));
        WeightLayouts.Detection d = WeightLayouts.detect(sd.tensors(), null);
        assertThat(d.layout()).isEqualTo(WeightLayout.SMP);
        assertThat(d.arch()).isEqualTo(arch);
        assertThat(d.encoder()).as(String.join("; ", d.problems())).isEqualTo(encoder);
        assertThat(d.options()).containsEntry(option, value).containsEntry("classes", 1);
        if (arch.equals("manet")) {
            assertThat(d.options()).containsEntry("decoderChannels", List.of(32, 16, 16, 8, 8));
        }
        INDArray x = Npz.readNpy(OUT.resolve(c + ".x.npy"));
        INDArray y = Npz.readNpy(OUT.resolve(c + ".y.npy"));
        SegmentationModel imported = WeightLayouts.importModel(sd.tensors(), null, null, null, null);
        Path ckpt = tmp.resolve("model.zip");
        boolean viaCheckpoint = c.equals("pan_efficientnet-b0"); // the new vertices and the dilation through JSON
        if (viaCheckpoint) {
            Checkpoints.save(imported, ckpt);
            imported.close();
        }
        try (SegmentationModel m = viaCheckpoint ? Checkpoints.load(ckpt) : imported) {
            assertThat(m.arch()).isEqualTo(arch);
            assertThat(m.encoder()).isEqualTo(encoder);
            WeightImportTest.assertRelClose(SegmentationModel.toNchw(m.logits(SegmentationModel.toNhwc(x))), y,
                    c + " " + format);
            // export writes smp's names back: exactly the file's tensors, equal values
            Map<String, INDArray> exported = TorchWeights.export(m, new java.util.HashSet<>());
            assertThat(exported.keySet()).containsExactlyInAnyOrderElementsOf(sd.tensors().keySet().stream()
                    .filter(k -> !k.startsWith("encoder._conv_head.") && !k.startsWith("encoder._bn1.")).toList());
            for (String k : List.of("decoder.fpa.down1.1.conv.weight", "decoder.gau1.conv1.1.bn.running_var",
                    "decoder.center.bottom_conv.weight", "decoder.blocks.2.SE_ll.3.bias")) {
                if (sd.tensors().containsKey(k)) {
                    assertThat(exported.get(k).equalsWithEps(sd.tensors().get(k), 0)).as(k).isTrue();
                }
            }
        }
    }

    /** smp's {@code PAN(encoder_output_stride=32)}: no dilation; the file cannot say so, the import is told. */
    @Test
    void panAtOutputStride32() throws Exception {
        StateDict sd = WeightFiles.read(WeightImportTest.file(OUT, "pan32_resnet34", "safetensors"));
        INDArray x = Npz.readNpy(OUT.resolve("pan32_resnet34.x.npy"));
        INDArray y = Npz.readNpy(OUT.resolve("pan32_resnet34.y.npy"));
        try (SegmentationModel m = WeightLayouts.importModel(sd.tensors(), null, null, null, null, 32)) {
            WeightImportTest.assertRelClose(SegmentationModel.toNchw(m.logits(SegmentationModel.toNhwc(x))), y,
                    "PAN output stride 32");
        }
        // the same weights in smp's default (dilated) network give other logits: the dilation matters
        try (SegmentationModel m = Models.builder("pan", "resnet34").panChannels(64).build()) {
            TorchWeights.load(m, sd.tensors(), "");
            INDArray other = SegmentationModel.toNchw(m.logits(SegmentationModel.toNhwc(x)));
            assertThat(Transforms.abs(other.sub(y)).maxNumber().doubleValue())
                    .isGreaterThan(0.01 * Transforms.abs(y).maxNumber().doubleValue());
        }
    }

    @Test
    void tfEfficientNetGivesTimmFeatures() throws Exception {
        String c = "tf_efficientnet_b0";
        StateDict sd = WeightFiles.read(WeightImportTest.file(OUT, c, "legacy"));
        WeightLayouts.Detection d = WeightLayouts.detect(sd.tensors(), null);
        assertThat(d.layout()).isEqualTo(WeightLayout.TIMM);
        // timm's names and shapes: detection names smp's network, as smp loads these weights into it
        assertThat(d.encoder()).as(String.join("; ", d.problems())).isEqualTo("timm-efficientnet-b0");
        INDArray x = Npz.readNpy(OUT.resolve(c + ".x.npy"));
        Map<String, INDArray> feats = Npz.read(OUT.resolve(c + ".features.npz"));
        try (SegmentationModel enc = Models.encoderOnly(c, 3)) {
            TorchWeights.load(enc, WeightLayouts.toEncoderNames(sd.tensors(), d), "");
            INDArray[] out = enc.outputs(SegmentationModel.toNhwc(x));
            for (int i = 0; i < 5; i++) {
                WeightImportTest.assertRelClose(SegmentationModel.toNchw(out[i]), feats.get("y" + i),
                        c + " feature " + i);
            }
        }
        // smp's timm-efficientnet-b0 (symmetric padding, eps 1e-5) on the same weights is another network
        try (SegmentationModel enc = Models.encoderOnly("timm-efficientnet-b0", 3)) {
            TorchWeights.load(enc, WeightLayouts.toEncoderNames(sd.tensors(), d), "");
            INDArray last = SegmentationModel.toNchw(enc.outputs(SegmentationModel.toNhwc(x))[4]);
            INDArray y4 = feats.get("y4");
            assertThat(Transforms.abs(last.sub(y4)).maxNumber().doubleValue()) // 10x the parity tolerance
                    .isGreaterThan(1e-3 * Transforms.abs(y4).maxNumber().doubleValue());
        }
        // asked for by name, the file imports into a U-Net on timm's network
        try (SegmentationModel m = WeightLayouts.importModel(sd.tensors(), "unet", c, null, 1)) {
            assertThat(m.encoder()).isEqualTo(c);
            assertThat(m.graph().getLayer("encoder.blocks.6.0.conv_pwl").getParam("W").equalsWithEps(
                    Nd4j.zeros(1), 0)).isFalse();
        }
    }

    @Test
    void optionsAreChecked() {
        assertThatThrownBy(() -> Models.builder("pan", "tv-efficientnet-b0").summary(256, 256))
                .hasMessageContaining("encoderOutputStride 32");
        assertThatThrownBy(() -> Models.builder("pan", "resnext50_32x4d").summary(256, 256))
                .hasMessageContaining("grouped convolution cannot be dilated");
        assertThatThrownBy(() -> Models.builder("pan", "resnet34").encoderOutputStride(8).summary(256, 256))
                .hasMessageContaining("16 or 32");
        assertThatThrownBy(() -> Models.builder("manet", "resnet34").decoderChannels(List.of(8, 8)).summary(256, 256))
                .hasMessageContaining("one decoder channel count per encoder stage");
        assertThatThrownBy(() -> Models.builder("manet", "resnet34").panChannels(8).summary(256, 256))
                .hasMessageContaining("not applicable to manet");
        assertThat(Models.builder("pan", "resnext50_32x4d").encoderOutputStride(32).summary(256, 256)).isNotNull();
    }

    /**
     * conv -> {maxpool -> conv -> resize to the first conv's size} + conv -> depthwise 3x3 dilated 2 (phases split,
     * conv, merge); position attention on three convs of that.
     */
    private static ComputationGraph net(DataType type) {
        Dl4jRuntime.configure();
        GraphBuilder g = new NeuralNetConfiguration.Builder().dataType(type).seed(7).updater(new NoOp())
                .trainingWorkspaceMode(WorkspaceMode.ENABLED).inferenceWorkspaceMode(WorkspaceMode.ENABLED)
                .graphBuilder().addInputs("in").setInputTypes(InputType.convolutional(4, 6, 2, Blocks.FORMAT));
        Blocks b = new Blocks(g, "in", 2);
        b.dilate("dw", 2);
        String a = b.conv("a", "in", 3, 3, 1, 1, 1, true);
        String low = b.conv("low", b.maxPool("pool", a, 2, 2, 0), 3, 1, 1, 0, 1, true);
        String x = b.add("sum", b.bilinearResize("resize", low, a), a);
        x = b.depthwiseConv("dw.0", x, 3, 2, 1, true);
        String att = b.positionAttention("pab", b.conv("q", x, 2, 1, 1, 0, 1, true), b.conv("k", x, 2, 1, 1, 0, 1,
                true), b.conv("v", x, 3, 1, 1, 0, 1, true));
        g.setOutputs(b.conv("out", att, 2, 1, 1, 0, 1, true));
        ComputationGraph n = new ComputationGraph(g.build());
        n.init();
        return n;
    }

    /** Every parameter's gradient through both vertices' backward passes against central differences. */
    @Test
    void gradientsMatchFiniteDifferences() {
        FiniteDifferences.check(PanManetTest::net, new long[] {2, 4, 6, 2}, 3);
    }

    /** The attention product against a direct evaluation of smp's formula (softmax over all HW x HW entries). */
    @Test
    void positionAttentionIsSmpsFormula() {
        ComputationGraph n = net(DataType.DOUBLE);
        INDArray in = Nd4j.rand(DataType.DOUBLE, 2, 4, 6, 2);
        Map<String, INDArray> acts = n.feedForward(in, false);
        int h = 4;
        int w = 6;
        int hw = h * w;
        for (int s = 0; s < 2; s++) {
            double[][] z = new double[hw][hw];
            double max = Double.NEGATIVE_INFINITY;
            for (int i = 0; i < hw; i++) {
                for (int j = 0; j < hw; j++) {
                    for (int p = 0; p < 2; p++) {
                        z[i][j] += acts.get("q").getDouble(s, i / w, i % w, p)
                                * acts.get("k").getDouble(s, j / w, j % w, p);
                    }
                    max = Math.max(max, z[i][j]);
                }
            }
            double total = 0;
            for (double[] row : z) {
                for (int j = 0; j < hw; j++) {
                    row[j] = Math.exp(row[j] - max);
                    total += row[j];
                }
            }
            double[] r = new double[hw * 3]; // [HW, C] row-major, then read as [C, H, W]
            for (int i = 0; i < hw; i++) {
                for (int c = 0; c < 3; c++) {
                    for (int j = 0; j < hw; j++) {
                        r[i * 3 + c] += z[i][j] / total * acts.get("v").getDouble(s, j / w, j % w, c);
                    }
                }
            }
            for (int c = 0; c < 3; c++) {
                for (int i = 0; i < hw; i++) {
                    assertThat(acts.get("pab").getDouble(s, i / w, i % w, c)).isCloseTo(r[c * hw + i],
                            org.assertj.core.data.Offset.offset(1e-12));
                }
            }
        }
    }

    /** A map too large for the (HW)^2 attention map is refused before anything is allocated. */
    @Test
    void positionAttentionRefusesHugeMaps() {
        GraphBuilder g = new NeuralNetConfiguration.Builder().updater(new NoOp()).graphBuilder().addInputs("in")
                .setInputTypes(InputType.convolutional(129, 128, 1, Blocks.FORMAT));
        Blocks b = new Blocks(g, "in", 1);
        g.setOutputs(b.positionAttention("pab", "in", "in", "in"));
        ComputationGraph n = new ComputationGraph(g.build());
        n.init();
        assertThatThrownBy(() -> n.outputSingle(Nd4j.zeros(DataType.FLOAT, 1, 129, 128, 1)))
                .hasMessageContaining("129x128").hasMessageContaining("at most 16384 positions");
    }

    @Test
    void verticesSurviveJsonAndCompareBySettings() {
        ComputationGraph n = net(DataType.FLOAT);
        ComputationGraphConfiguration back = ComputationGraphConfiguration.fromJson(n.getConfiguration().toJson());
        assertThat(back.getVertices().get("resize")).isEqualTo(new BilinearResizeVertex());
        assertThat(back.getVertices().get("pab")).isEqualTo(new PositionAttentionVertex());
        assertThat(back.getVertices().get("dw.0.merge")).isEqualTo(new DilationPhasesVertex(2, true))
                .isNotEqualTo(new DilationPhasesVertex(2, false)).isNotEqualTo(new DilationPhasesVertex(3, true));
        ComputationGraph m = new ComputationGraph(back);
        m.init(n.params().dup(), false);
        INDArray in = Nd4j.rand(DataType.FLOAT, 1, 4, 6, 2);
        assertThat(m.outputSingle(in).equalsWithEps(n.outputSingle(in), 0)).isTrue();
        // ParameterFreeVertex: settings are the fields (JSON, clone, equals)
        assertThat(new BilinearUpsampleVertex(4)).isNotEqualTo(new BilinearUpsampleVertex(2))
                .isEqualTo(new BilinearUpsampleVertex(4).clone()).hasSameHashCodeAs(new BilinearUpsampleVertex(4));
        assertThat(new GroupNormVertex(8, 1e-3).clone()).isEqualTo(new GroupNormVertex(8, 1e-3))
                .isNotEqualTo(new GroupNormVertex(8, 1e-5)).isNotEqualTo(new GroupNormVertex(4, 1e-3));
        assertThat(new ReduceVertex(ReduceVertex.Kind.CHANNEL_MAX_MEAN).clone())
                .isEqualTo(new ReduceVertex(ReduceVertex.Kind.CHANNEL_MAX_MEAN))
                .isNotEqualTo(new ReduceVertex(ReduceVertex.Kind.GLOBAL_MAX));
        assertThat(new BilinearResizeVertex()).isNotEqualTo(new ExpandVertex());
    }
}
