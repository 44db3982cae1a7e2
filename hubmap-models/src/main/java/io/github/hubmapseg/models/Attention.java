package io.github.hubmapseg.models;

import org.nd4j.linalg.activations.Activation;

/**
 * Attention modules. scSE of segmentation_models_pytorch, with its module names: scSE
 * ({@code decoder_attention_type="scse"}, Roy et al. 2018): {@code x * cSE(x) + x * sSE(x)} where
 * cSE = global average pool, 1x1 conv C -> C/16 (bias), ReLU, 1x1 conv C/16 -> C (bias), sigmoid
 * ({@code P.cSE.1}, {@code P.cSE.3}) and sSE = 1x1 conv C -> 1 (bias), sigmoid ({@code P.sSE.0}).
 *
 * <p>The attention gate of Oktay et al. 2018 ({@link #gate}) and CBAM of Woo et al. 2018 ({@link #cbam}), the two the
 * "Tricks of semantic segmentation" write-up names (it gives no details of its own), as their authors' code has them.
 */
final class Attention {
    /** smp's SCSEModule reduction. */
    static final int REDUCTION = 16;

    private Attention() {
    }

    /**
     * @param b blocks
     * @param p module prefix, e.g. {@code decoder.blocks.0.attention1.attention}
     * @param x input vertex
     * @return the gated vertex
     */
    static String scse(Blocks b, String p, String x) {
        long c = b.channels(x);
        if (c < REDUCTION) {
            throw new IllegalArgumentException("scSE attention at " + p + " needs >= " + REDUCTION + " channels"
                    + " (reduction " + REDUCTION + "), got " + c);
        }
        String pooled = b.globalAvgPool(p + ".cSE.0", x);
        String c1 = b.conv(p + ".cSE.1", pooled, c / REDUCTION, 1, 1, 0, 1, true);
        String r = b.relu(p + ".cSE.2", c1);
        String c3 = b.conv(p + ".cSE.3", r, c, 1, 1, 0, 1, true);
        String cGate = b.act(p + ".cSE.4", c3, Activation.SIGMOID);
        String s0 = b.conv(p + ".sSE.0", x, 1, 1, 1, 0, 1, true);
        String sGate = b.act(p + ".sSE.1", s0, Activation.SIGMOID);
        String xc = b.scale(p + ".cSE.mul", x, cGate);
        String xs = b.scale(p + ".sSE.mul", x, sGate);
        return b.add(p + ".sum", xc, xs);
    }

    /**
     * The attention gate of "Attention U-Net" (Oktay et al. 2018) as its authors' {@code GridAttentionBlock2D}
     * (ozan-oktay/Attention-Gated-Networks {@code models/layers/grid_attention_layer.py} at d8a69fd, mode
     * {@code concatenation}, {@code sub_sample_factor} 2, {@code inter_channels = in_channels // 2}):
     * {@code theta} = 2x2 stride-2 conv of the skip {@code x} without bias, {@code phi} = 1x1 conv of the coarser
     * gating signal {@code g} with bias (at the same resolution as {@code theta(x)}), {@code f = ReLU(theta + phi)},
     * {@code psi} = 1x1 conv to one channel with bias, sigmoid, upsampled x2 to the skip's size (bilinear,
     * align_corners=True: {@code F.upsample}'s behaviour in the PyTorch of that code, before 0.4), times {@code x},
     * then {@code W} = 1x1 conv with bias ({@code P.W.0}) and batch norm ({@code P.W.1}).
     *
     * @param b blocks
     * @param p module prefix, e.g. {@code decoder.blocks.0.attention_gate}
     * @param x the skip connection (even height and width)
     * @param g the gating signal at half the skip's resolution
     * @return the gated skip ({@code W_y})
     */
    static String gate(Blocks b, String p, String x, String g) {
        long c = b.channels(x);
        long inter = Math.max(1, c / 2);
        String theta = b.conv(p + ".theta", x, inter, 2, 2, 0, 1, false);
        String phi = b.conv(p + ".phi", g, inter, 1, 1, 0, 1, true);
        String f = b.relu(p + ".relu", b.add(p + ".add", theta, phi));
        String psi = b.act(p + ".sigmoid", b.conv(p + ".psi", f, 1, 1, 1, 0, 1, true), Activation.SIGMOID);
        String y = b.scale(p + ".mul", x, b.bilinearUpsample(p + ".up", psi, 2));
        return b.bn(p + ".W.1", b.conv(p + ".W.0", y, c, 1, 1, 0, 1, true), 1e-5, 0.1);
    }

    /**
     * CBAM (Woo et al. 2018) as its authors' code (Jongchan/attention-module {@code MODELS/cbam.py}): the channel
     * gate {@code sigmoid(mlp(avgpool(x)) + mlp(maxpool(x)))} with a shared MLP ({@code P.ChannelGate.mlp.1}
     * {@code Linear(C, C/16)}, ReLU, {@code P.ChannelGate.mlp.3} {@code Linear(C/16, C)}, both with bias; here 1x1
     * convolutions applied to the two pooled vectors stacked along the height, then summed), then the spatial gate
     * {@code sigmoid(BN(conv7x7([max_c(x), mean_c(x)])))} ({@code P.SpatialGate.spatial.conv} without bias,
     * {@code P.SpatialGate.spatial.bn} with eps 1e-5, momentum 0.01), each multiplied onto the input.
     *
     * @param b blocks
     * @param p module prefix, e.g. {@code decoder.blocks.0.attention2.attention}
     * @param x input vertex (at least 16 channels)
     * @return the gated vertex
     */
    static String cbam(Blocks b, String p, String x) {
        long c = b.channels(x);
        if (c < REDUCTION) {
            throw new IllegalArgumentException("CBAM at " + p + " needs >= " + REDUCTION + " channels (reduction "
                    + REDUCTION + "), got " + c);
        }
        String q = p + ".ChannelGate";
        String avg = b.globalAvgPool(q + ".avg", x);
        b.graph().addVertex(q + ".max", new ReduceVertex(ReduceVertex.Kind.GLOBAL_MAX), x);
        b.register(q + ".max", c);
        b.graph().addVertex(q + ".stack", new HeightConcatVertex(), avg, q + ".max");
        b.register(q + ".stack", c);
        String h = b.relu(q + ".mlp.2", b.conv(q + ".mlp.1", q + ".stack", c / REDUCTION, 1, 1, 0, 1, true));
        h = b.conv(q + ".mlp.3", h, c, 1, 1, 0, 1, true);
        b.graph().addVertex(q + ".sum", new org.deeplearning4j.nn.conf.graph.ScaleVertex(2.0),
                b.globalAvgPool(q + ".mean", h));
        b.register(q + ".sum", c);
        String x1 = b.scale(q + ".mul", x, b.act(q + ".sigmoid", q + ".sum", Activation.SIGMOID));
        String s = p + ".SpatialGate";
        b.graph().addVertex(s + ".compress", new ReduceVertex(ReduceVertex.Kind.CHANNEL_MAX_MEAN), x1);
        b.register(s + ".compress", 2);
        String m = b.bn(s + ".spatial.bn", b.conv(s + ".spatial.conv", s + ".compress", 1, 7, 1, 3, 1, false), 1e-5,
                0.01);
        return b.scale(s + ".mul", x1, b.act(s + ".sigmoid", m, Activation.SIGMOID));
    }
}
