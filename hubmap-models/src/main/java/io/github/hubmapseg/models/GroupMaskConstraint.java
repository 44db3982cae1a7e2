package io.github.hubmapseg.models;

import java.util.Collections;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.deeplearning4j.nn.api.Layer;
import org.deeplearning4j.nn.api.layers.LayerConstraint;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Grouped convolution (PyTorch {@code Conv2d(groups=G)}) as a dense DL4J convolution whose weights
 * outside the G diagonal blocks are zero: this constraint zeroes them after every parameter update
 * (and {@link Models} applies it once after initialisation). The result is exactly a grouped conv and
 * runs on oneDNN's dense convolution; it costs G times the FLOPs and stores G times the weights of a
 * real grouped conv. Free (trainable) parameters are only the unmasked ones; see
 * {@link #maskedCount(long, long, long, long, int)}.
 *
 * <p>No longer built by {@link Blocks}: grouped convolutions are {@link GroupedConvolutionLayer}s. Kept so that
 * configurations written with it still deserialise; {@link Checkpoints#read} converts them.
 *
 * <p>Weight layout: DL4J convolution weights {@code W} are {@code [nOut, nIn, kH, kW]}; output channel
 * {@code o} belongs to group {@code o / (nOut / G)}, input channel {@code i} to group {@code i / (nIn / G)}.
 */
public final class GroupMaskConstraint implements LayerConstraint {
    private static final long serialVersionUID = 1L;
    private static final Map<String, INDArray> MASKS = new ConcurrentHashMap<>();

    private int groups;
    private Set<String> params = new HashSet<>(Collections.singleton("W"));

    /** For JSON deserialisation only. */
    public GroupMaskConstraint() {
        this(1);
    }

    /**
     * @param groups the number of groups G (nIn and nOut must be divisible by it)
     */
    public GroupMaskConstraint(int groups) {
        if (groups < 1) {
            throw new IllegalArgumentException("groups must be >= 1, got " + groups);
        }
        this.groups = groups;
    }

    /** @return the number of groups */
    public int getGroups() {
        return groups;
    }

    /** @param groups the number of groups (JSON) */
    public void setGroups(int groups) {
        this.groups = groups;
    }

    @Override
    public void applyConstraint(Layer layer, int iteration, int epoch) {
        INDArray w = layer.getParam("W");
        if (w != null && groups > 1) {
            w.muli(mask(w.shape(), groups, w.dataType()));
        }
    }

    /**
     * The 0/1 mask of a grouped conv weight in DL4J layout, cached per shape.
     *
     * @param shape {@code [nOut, nIn, kH, kW]}
     * @param groups G
     * @param type data type of the weights
     * @return a mask of the same shape (shared; do not modify)
     */
    public static INDArray mask(long[] shape, int groups, DataType type) {
        String key = shape[0] + "x" + shape[1] + "x" + shape[2] + "x" + shape[3] + "/" + groups + type;
        return MASKS.computeIfAbsent(key, k -> {
            long nOut = shape[0];
            long nIn = shape[1];
            long khw = shape[2] * shape[3];
            if (nOut % groups != 0 || nIn % groups != 0) {
                throw new IllegalArgumentException("nIn " + nIn + " and nOut " + nOut
                        + " must be divisible by groups " + groups);
            }
            long outPer = nOut / groups;
            long inPer = nIn / groups;
            float[] m = new float[Math.toIntExact(nOut * nIn * khw)];
            for (long o = 0; o < nOut; o++) {
                long g = o / outPer;
                for (long i = g * inPer; i < (g + 1) * inPer; i++) {
                    int base = (int) ((o * nIn + i) * khw);
                    java.util.Arrays.fill(m, base, base + (int) khw, 1f);
                }
            }
            try (org.nd4j.linalg.api.memory.MemoryWorkspace ws = Nd4j.getWorkspaceManager().scopeOutOfWorkspaces()) {
                return Nd4j.create(m, shape, 'c').castTo(type);
            }
        });
    }

    /**
     * The number of weights the mask holds at zero.
     *
     * @param nOut output channels
     * @param nIn input channels
     * @param kh kernel height
     * @param kw kernel width
     * @param groups G
     * @return {@code nOut*nIn*kh*kw*(1 - 1/G)}
     */
    public static long maskedCount(long nOut, long nIn, long kh, long kw, int groups) {
        return nOut * nIn * kh * kw - nOut * (nIn / groups) * kh * kw;
    }

    @Override
    public void setParams(Set<String> params) {
        this.params = params;
    }

    @Override
    public Set<String> getParams() {
        return params;
    }

    @Override
    public LayerConstraint clone() {
        GroupMaskConstraint c = new GroupMaskConstraint(groups);
        c.params = new HashSet<>(params);
        return c;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof GroupMaskConstraint g && g.groups == groups && g.params.equals(params);
    }

    @Override
    public int hashCode() {
        return groups * 31 + params.hashCode();
    }
}
