package io.github.hubmapseg.models;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.github.hubmapseg.testkit.ExternalTools;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.deeplearning4j.nn.api.Layer;
import org.deeplearning4j.nn.conf.ConvolutionMode;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.gradient.Gradient;
import org.deeplearning4j.nn.workspace.LayerWorkspaceMgr;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.api.Test;
import org.nd4j.common.primitives.Pair;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.ops.transforms.Transforms;

/**
 * {@link GroupedConvolutionLayer} against PyTorch 1.13's {@code conv2d(groups=G)} ({@code src/test/python/
 * ref_grouped_conv.py}, random inputs and weights): forward output and the gradients of {@code sum(y * r)} with
 * respect to the input, the weight and the bias, through the oneDNN path and through the dense fallback. Tolerance:
 * float32, max |diff| / max(1, max |reference|) below 1e-5 for y and dx (sums of at most 9 x 32 products) and
 * 1e-5 for dw and db (sums over N x H x W = up to 392 products). Skipped without torch. The G = 1 cases check
 * {@link NhwcConvolutionLayer}'s dense training path the same way.
 */
class GroupedConvolutionTest {
    private static final Path OUT = Paths.get("target", "grouped-conv");
    private static final Path SCRIPT = Paths.get("src", "test", "python", "ref_grouped_conv.py");
    private static final double TOL = 1e-5;

    @BeforeAll
    static void generate() throws Exception {
        Dl4jRuntime.configure();
        Path marker = OUT.resolve("k1_nopad.npz");
        if (Files.exists(marker) && Files.getLastModifiedTime(marker).compareTo(Files.getLastModifiedTime(SCRIPT)) > 0) {
            return;
        }
        Path python = ExternalTools.python("python3-torch python3-numpy", "torch", "numpy");
        Files.createDirectories(OUT);
        Process p = new ProcessBuilder(python.toString(), SCRIPT.toString(), OUT.toString()).redirectErrorStream(true)
                .start();
        String log = new String(p.getInputStream().readAllBytes());
        assertThat(p.waitFor(120, TimeUnit.SECONDS)).isTrue();
        assertThat(p.exitValue()).as(log).isZero();
    }

    static GroupedConvolutionLayer conf(long cin, long cout, int groups, int k, int s, int p, boolean bias) {
        return new GroupedConvolutionLayer(new org.deeplearning4j.nn.conf.layers.ConvolutionLayer.Builder(k, k)
                .stride(s, s).padding(p, p).convolutionMode(ConvolutionMode.Truncate).nIn(cin).nOut(cout)
                .hasBias(bias).activation(Activation.IDENTITY).dataFormat(Blocks.FORMAT).name("g")
                .weightInit(org.deeplearning4j.nn.weights.WeightInit.RELU), groups);
    }

    static Layer instantiate(GroupedConvolutionLayer c) {
        NeuralNetConfiguration nn = new NeuralNetConfiguration.Builder().dataType(DataType.FLOAT).layer(c).build();
        long n = c.initializer().numParams(nn);
        // rank-1 views, as a ComputationGraph hands them to its layers
        Layer l = c.instantiate(nn, null, 0, Nd4j.create(DataType.FLOAT, n), true, DataType.FLOAT);
        l.setBackpropGradientsViewArray(Nd4j.create(DataType.FLOAT, n));
        return l;
    }

    private static void close(INDArray actual, INDArray expected, String what) {
        assertThat(actual.shape()).as(what).containsExactly(expected.shape());
        double maxDiff = Transforms.abs(actual.castTo(DataType.DOUBLE).sub(expected.castTo(DataType.DOUBLE)))
                .maxNumber().doubleValue();
        double scale = Math.max(1.0, Transforms.abs(expected).maxNumber().doubleValue());
        assertThat(maxDiff / scale).as(what + ": max |diff| " + maxDiff + " (scale " + scale + ")").isLessThan(TOL);
    }

    @ParameterizedTest(name = "{0}, {1}")
    @CsvSource({"resnext_l1, onednn", "resnext_l1, dense", "resnext_s2_odd, onednn", "resnext_s2_odd, dense",
            "uneven_bias, onednn", "uneven_bias, dense", "k1_nopad, onednn", "k1_nopad, dense"})
    void forwardAndGradientsMatchTorch(String name, String path) throws Exception {
        if ("onednn".equals(path)) {
            assertThat(OneDnnGroupedConv.available()).as(OneDnnGroupedConv.unavailableReason()).isTrue();
        }
        Map<String, INDArray> ref = TorchWeights.readNpz(OUT.resolve(name + ".npz"));
        long[] g = ref.get("geometry").toLongVector();
        boolean bias = g[9] == 1;
        Layer l = instantiate(conf(g[1], g[4], (int) g[5], (int) g[6], (int) g[7], (int) g[8], bias));
        assertThat(l.getParam("W").shape()).containsExactly(ref.get("w").shape());
        l.setParam("W", ref.get("w"));
        if (bias) {
            l.setParam("b", ref.get("b").reshape(1, g[4]));
        }
        againstTorch(l, ref, name, bias, OneDnnGroupedConv.PROPERTY, path, layer -> { });
    }

    /**
     * With system property {@code property} set to {@code path} (restored after): the layer's forward pass on the
     * reference's input (given as a view, not c-contiguous from offset 0: the layer must cope with strided arrays)
     * and its backward pass against torch's output and gradients ({@code y}, {@code dx}, {@code dw}, {@code db}).
     * {@code afterInput} runs once the input is set, before the forward pass.
     */
    private static void againstTorch(Layer l, Map<String, INDArray> ref, String name, boolean bias, String property,
                                     String path, java.util.function.Consumer<Layer> afterInput) {
        long[] g = ref.get("geometry").toLongVector();
        String before = System.getProperty(property);
        System.setProperty(property, path);
        try {
            LayerWorkspaceMgr mgr = LayerWorkspaceMgr.noWorkspaces();
            INDArray x = Nd4j.concat(0, SegmentationModel.toNhwc(ref.get("x")), Nd4j.zeros(DataType.FLOAT, 1, g[2],
                    g[3], g[1])).get(org.nd4j.linalg.indexing.NDArrayIndex.interval(0, g[0]));
            l.setInput(x, mgr);
            afterInput.accept(l);
            INDArray y = l.activate(true, mgr);
            close(SegmentationModel.toNchw(y), ref.get("y"), name + " y (" + path + ")");
            Pair<Gradient, INDArray> bp = l.backpropGradient(SegmentationModel.toNhwc(ref.get("r")), mgr);
            close(SegmentationModel.toNchw(bp.getSecond()), ref.get("dx"), name + " dx (" + path + ")");
            close(bp.getFirst().getGradientFor("W"), ref.get("dw"), name + " dw (" + path + ")");
            if (bias) {
                close(bp.getFirst().getGradientFor("b").reshape(g[4]), ref.get("db"), name + " db (" + path + ")");
            }
        } finally {
            if (before == null) {
                System.clearProperty(property);
            } else {
                System.setProperty(property, before);
            }
        }
    }

    static Layer instantiateDense(long cin, long cout, int k, int s, int p, int dilation, boolean bias) {
        NhwcConvolutionLayer c = new NhwcConvolutionLayer(new org.deeplearning4j.nn.conf.layers.ConvolutionLayer
                .Builder(k, k).stride(s, s).padding(p, p).dilation(dilation, dilation)
                .convolutionMode(ConvolutionMode.Truncate).nIn(cin).nOut(cout).hasBias(bias)
                .activation(Activation.IDENTITY).dataFormat(Blocks.FORMAT).name("d")
                .weightInit(org.deeplearning4j.nn.weights.WeightInit.RELU));
        NeuralNetConfiguration nn = new NeuralNetConfiguration.Builder().dataType(DataType.FLOAT).layer(c).build();
        long n = c.initializer().numParams(nn);
        Layer l = c.instantiate(nn, null, 0, Nd4j.create(DataType.FLOAT, 1, n), true, DataType.FLOAT);
        l.setBackpropGradientsViewArray(Nd4j.create(DataType.FLOAT, 1, n));
        return l;
    }

    /**
     * Dense convolutions (G = 1, {@code torch.nn.functional.conv2d}) through {@link NhwcConvolutionLayer}: its oneDNN
     * 2.5 training path ({@code onednn25}, the default) and DL4J's oneDNN 2.3 helper ({@code -Dhubmap.denseConv=dl4j}),
     * both against torch, same tolerance as the grouped cases; the weight is DL4J's {@code [out, in, k, k]}, which is
     * PyTorch's layout, so the reference's arrays load unchanged.
     */
    @ParameterizedTest(name = "{0}, {1}")
    @CsvSource({"dense_k3_narrow, onednn25", "dense_k3_narrow, dl4j", "dense_s2_odd, onednn25", "dense_s2_odd, dl4j",
            "dense_k1, onednn25", "dense_k1, dl4j", "dense_stem_k7, onednn25", "dense_stem_k7, dl4j"})
    void denseForwardAndGradientsMatchTorch(String name, String path) throws Exception {
        Map<String, INDArray> ref = TorchWeights.readNpz(OUT.resolve(name + ".npz"));
        long[] g = ref.get("geometry").toLongVector();
        assertThat(g[5]).isEqualTo(1);
        boolean bias = g[9] == 1;
        Layer l = instantiateDense(g[1], g[4], (int) g[6], (int) g[7], (int) g[8], 1, bias);
        assertThat(l.getParam("W").shape()).containsExactly(ref.get("w").shape());
        l.setParam("W", ref.get("w"));
        if (bias) {
            l.setParam("b", ref.get("b").reshape(1, g[4]));
        }
        // the path this case is about is the one taken
        againstTorch(l, ref, name, bias, NhwcConvolutionLayer.PROPERTY, path, layer -> assertThat(
                ((NhwcConvolutionLayer.Impl) layer).oneDnn25() != null).as(path).isEqualTo("onednn25".equals(path)));
    }

    @Test
    void denseConvolutionsOutsideTheOneDnn25PathKeepDl4jsCode() {
        LayerWorkspaceMgr mgr = LayerWorkspaceMgr.noWorkspaces();
        // dilated (DL4J's helper cannot run it either: SegmentationModel removes the helper of such layers)
        Layer dilated = instantiateDense(4, 4, 3, 1, 2, 2, false);
        dilated.setInput(Nd4j.rand(DataType.FLOAT, 1, 7, 7, 4), mgr);
        assertThat(((NhwcConvolutionLayer.Impl) dilated).oneDnn25()).isNull();
        // a symmetric kernel with uneven padding: DL4J's helper runs it
        NhwcConvolutionLayer c = new NhwcConvolutionLayer(new org.deeplearning4j.nn.conf.layers.ConvolutionLayer
                .Builder(3, 3).padding(1, 0).convolutionMode(ConvolutionMode.Truncate).nIn(4).nOut(4)
                .activation(Activation.IDENTITY).dataFormat(Blocks.FORMAT));
        NeuralNetConfiguration nn = new NeuralNetConfiguration.Builder().dataType(DataType.FLOAT).layer(c).build();
        Layer uneven = c.instantiate(nn, null, 0, Nd4j.create(DataType.FLOAT, 1, c.initializer().numParams(nn)), true,
                DataType.FLOAT);
        uneven.setInput(Nd4j.rand(DataType.FLOAT, 1, 7, 7, 4), mgr);
        assertThat(((NhwcConvolutionLayer.Impl) uneven).oneDnn25()).isNull();
        assertThat(uneven.activate(true, mgr).shape()).containsExactly(1, 7, 5, 4);
        Layer wrong = instantiateDense(4, 4, 3, 1, 1, 1, false);
        wrong.setInput(Nd4j.rand(DataType.FLOAT, 1, 7, 7, 5), mgr);
        assertThat(((NhwcConvolutionLayer.Impl) wrong).oneDnn25()).isNull(); // DL4J reports the wrong depth
        assertThatThrownBy(() -> wrong.activate(true, mgr)).hasMessageContaining("5");
    }

    @Test
    void configurationRefusesWhatTheLayerCannotCompute() {
        assertThatThrownBy(() -> conf(12, 10, 4, 3, 1, 1, false)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("channels 12 -> 10 not divisible by groups 4");
        assertThatThrownBy(() -> new GroupedConvolutionLayer(new org.deeplearning4j.nn.conf.layers.ConvolutionLayer
                .Builder(3, 3).padding(1, 1).convolutionMode(ConvolutionMode.Truncate).nIn(8).nOut(8)
                .activation(Activation.RELU).dataFormat(Blocks.FORMAT), 2))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("identity activation only");
        Layer l = instantiate(conf(8, 8, 2, 3, 1, 1, false));
        l.setInput(Nd4j.create(DataType.FLOAT, 1, 5, 5, 6), LayerWorkspaceMgr.noWorkspaces());
        assertThatThrownBy(() -> l.activate(false, LayerWorkspaceMgr.noWorkspaces()))
                .hasMessageContaining("expected NHWC input with 8 channels, got shape [1, 5, 5, 6]");
    }

    @Test
    void weightIsStoredCompactAndInitialisedWithTheGroupedFanIn() {
        Layer l = instantiate(conf(256, 256, 32, 3, 1, 1, false));
        INDArray w = l.getParam("W");
        assertThat(w.shape()).containsExactly(256, 8, 3, 3);
        assertThat(l.numParams()).isEqualTo(256L * 8 * 9);
        // DL4J's RELU (He) init: std = sqrt(2 / fanIn), fanIn = in/G * k * k = 72 (PyTorch's fan-in)
        assertThat(w.stdNumber().doubleValue()).isBetween(Math.sqrt(2.0 / 72) * 0.95, Math.sqrt(2.0 / 72) * 1.05);
    }
}
