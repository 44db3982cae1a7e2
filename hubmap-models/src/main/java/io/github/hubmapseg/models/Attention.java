package io.github.hubmapseg.models;

import org.nd4j.linalg.activations.Activation;

/**
 * Attention modules of segmentation_models_pytorch, with its module names. scSE
 * ({@code decoder_attention_type="scse"}, Roy et al. 2018): {@code x * cSE(x) + x * sSE(x)} where
 * cSE = global average pool, 1x1 conv C -> C/16 (bias), ReLU, 1x1 conv C/16 -> C (bias), sigmoid
 * ({@code P.cSE.1}, {@code P.cSE.3}) and sSE = 1x1 conv C -> 1 (bias), sigmoid ({@code P.sSE.0}).
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
}
