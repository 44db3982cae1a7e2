package io.github.hubmapseg.benchmarks.models;

import io.github.hubmapseg.models.*;
import org.deeplearning4j.nn.conf.*;
import org.deeplearning4j.nn.conf.graph.MergeVertex;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.*;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.learning.config.Sgd;
import org.nd4j.linalg.lossfunctions.LossFunctions;

/**
 * Measures the exact formulations of a ResNeXt grouped 3x3 convolution (G = 32, Cin = Cout = C) in DL4J at the
 * real ResNeXt-50 stage sizes for a 4 x 256 x 256 input (C = 128 at 64x64 ... 1024 at 8x8), NHWC, in one run:
 * {@code masked} a dense conv with a {@link GroupMaskConstraint} (the earlier form, 32x the FLOPs);
 * {@code depthwise} the input repeated m = C/G times, a multiplier-1 depthwise conv (oneDNN) and a 1x1 conv
 * summing the groups; {@code grouped} {@link GroupedConvolutionLayer} (oneDNN's grouped convolution);
 * {@code grouped-dense} the same layer's fallback ({@code -Dhubmap.groupedConv=dense}: libnd4j's dense conv with the
 * block-diagonal weight). Prints the minimum of 5 timed runs after one warm-up, wall and calling-thread CPU time
 * (with {@code OMP_NUM_THREADS=1} the CPU time is the work itself, robust to a loaded machine). Run:
 * {@code OMP_NUM_THREADS=1 java -cp hubmap-benchmarks/target/benchmarks.jar
 * io.github.hubmapseg.benchmarks.models.GroupedConvMeasure}.
 */
public final class GroupedConvMeasure {
    private GroupedConvMeasure() {
    }

    static ComputationGraph net(String kind, int c, int hw, int g) {
        var gb = new NeuralNetConfiguration.Builder().updater(new Sgd(1e-3)).graphBuilder().addInputs("in")
            .setInputTypes(InputType.convolutional(hw, hw, c, CNN2DFormat.NHWC));
        String last;
        if ("masked".equals(kind)) {
            gb.addLayer("conv", new ConvolutionLayer.Builder(3,3).padding(1,1).convolutionMode(ConvolutionMode.Truncate).nIn(c).nOut(c).hasBias(false).activation(Activation.IDENTITY).dataFormat(CNN2DFormat.NHWC).constrainWeights(new GroupMaskConstraint(g)).build(), "in");
            last = "conv";
        } else if (kind.startsWith("grouped")) {
            gb.addLayer("conv", new GroupedConvolutionLayer(new ConvolutionLayer.Builder(3,3).padding(1,1).convolutionMode(ConvolutionMode.Truncate).nIn(c).nOut(c).hasBias(false).activation(Activation.IDENTITY).dataFormat(CNN2DFormat.NHWC), g), "in");
            last = "conv";
        } else {
            int m = c / g; // Cout/G
            String[] ins = new String[m]; java.util.Arrays.fill(ins, "in");
            MergeVertex mv = new MergeVertex(); mv.setMergeAxis(3);
            gb.addVertex("rep", mv, ins);
            gb.addLayer("dw", new DepthwiseConvolution2D.Builder(3,3).padding(1,1).convolutionMode(ConvolutionMode.Truncate).nIn(c*m).depthMultiplier(1).hasBias(false).activation(Activation.IDENTITY).dataFormat(CNN2DFormat.NHWC).build(), "rep");
            gb.addLayer("sum", new ConvolutionLayer.Builder(1,1).nIn(c*m).nOut(c).hasBias(false).activation(Activation.IDENTITY).dataFormat(CNN2DFormat.NHWC).build(), "dw");
            last = "sum";
        }
        gb.addLayer("out", new CnnLossLayer.Builder(LossFunctions.LossFunction.MSE).activation(Activation.IDENTITY).format(CNN2DFormat.NHWC).build(), last).setOutputs("out");
        ComputationGraph n = new ComputationGraph(gb.build()); n.init(); return n;
    }
    /**
     * @param a unused
     */
    public static void main(String[] a) {
        Dl4jRuntime.configure();
        int[][] sizes = {{128, 64}, {256, 32}, {512, 16}, {1024, 8}}; // ResNeXt-50 stage widths at 256x256 input
        java.lang.management.ThreadMXBean tm = java.lang.management.ManagementFactory.getThreadMXBean();
        String[] kinds = a.length > 0 ? a : new String[] {"masked", "depthwise", "grouped", "grouped-dense"};
        for (int[] s : sizes) for (String kind : kinds) {
            if ("grouped-dense".equals(kind)) System.setProperty("hubmap.groupedConv", "dense");
            else System.clearProperty("hubmap.groupedConv");
            ComputationGraph n = net(kind, s[0], s[1], 32);
            INDArray x = Nd4j.rand(4, s[1], s[1], s[0]), y = Nd4j.rand(4, s[1], s[1], s[0]);
            double bf = 1e9, bs = 1e9, cf = 1e9, cs = 1e9;
            for (int i = 0; i < 6; i++) {
                long c0 = tm.getCurrentThreadCpuTime();
                long t0 = System.nanoTime(); n.output(x); long t1 = System.nanoTime();
                long c1 = tm.getCurrentThreadCpuTime();
                n.fit(new INDArray[]{x}, new INDArray[]{y}); long t2 = System.nanoTime();
                long c2 = tm.getCurrentThreadCpuTime();
                if (i > 0) { bf = Math.min(bf, (t1-t0)/1e6); bs = Math.min(bs, (t2-t1)/1e6); cf = Math.min(cf, (c1-c0)/1e6); cs = Math.min(cs, (c2-c1)/1e6); }
            }
            System.out.printf("C=%d %dx%d %-14s forward min %7.1f ms (cpu %7.1f), fwd+bwd+update min %7.1f ms (cpu %7.1f)%n", s[0], s[1], s[1], kind, bf, cf, bs, cs);
            n.close();
        }
    }
}
