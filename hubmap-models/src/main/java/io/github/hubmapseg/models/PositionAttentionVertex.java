package io.github.hubmapseg.models;

import java.util.Arrays;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.inputs.InvalidInputTypeException;
import org.deeplearning4j.nn.workspace.ArrayType;
import org.deeplearning4j.nn.workspace.LayerWorkspaceMgr;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.indexing.NDArrayIndex;
import org.nd4j.linalg.ops.transforms.Transforms;

/**
 * The attention product of smp's MAnet position attention block ({@code PABBlock.forward}, between its 1x1/3x3
 * convolutions and the residual sum), on NHWC activations. Inputs: {@code center} and {@code top}
 * {@code [N, H, W, P]}, {@code bottom} {@code [N, H, W, C]}. Per sample, with {@code Q = center}, {@code K = top} and
 * {@code B = bottom} as {@code [HW, P]}, {@code [HW, P]}, {@code [HW, C]} (position {@code h * W + w}):
 * {@code S = softmax(Q K^T)} where the softmax runs over all {@code HW * HW} entries at once (smp's
 * {@code map_softmax(sp_map.view(batch_size, -1))}, not row by row), {@code R = S B [HW, C]}, and the output is
 * {@code R}'s memory read as {@code [C, H, W]} (smp's {@code reshape(batch_size, in_channels, height, width)} of a
 * {@code [N, HW, C]} tensor, not a transpose), returned as NHWC. Backward: the gradients of the two products and
 * of the softmax, {@code dZ = S * (dS - sum(S * dS))}. Memory: {@code (HW)^2} floats per sample, at stride 32
 * (a 1024-pixel tile: 1M); more than {@link #MAX_POSITIONS} positions (a 4096-pixel tile) is refused before
 * anything is allocated.
 */
public class PositionAttentionVertex extends ParameterFreeVertex {
    /** The most positions {@code H x W} a sample may have: its attention map is then 1 GiB of float32. */
    static final long MAX_POSITIONS = 1L << 14;

    /** Creates the vertex configuration. */
    public PositionAttentionVertex() {
    }

    @Override
    protected int inputCount() {
        return 3;
    }

    @Override
    protected InputType outputType(InputType.InputTypeConvolutional... in) throws InvalidInputTypeException {
        InputType.InputTypeConvolutional q = in[0];
        InputType.InputTypeConvolutional k = in[1];
        InputType.InputTypeConvolutional v = in[2];
        if (q.getChannels() != k.getChannels() || q.getHeight() != v.getHeight() || q.getWidth() != v.getWidth()
                || k.getHeight() != v.getHeight() || k.getWidth() != v.getWidth()) {
            throw new InvalidInputTypeException("PositionAttentionVertex takes three convolutional inputs of one size"
                    + " (center and top with equal channels, then bottom), got " + Arrays.toString(in));
        }
        return nhwc(v.getHeight(), v.getWidth(), v.getChannels());
    }

    private static INDArray sample(INDArray x, long n) {
        return at(x, n).dup('c').reshape('c', x.size(1) * x.size(2), x.size(3));
    }

    /** @return the attention map {@code S [HW, HW]} of sample n */
    private static INDArray attention(INDArray q, INDArray k) {
        INDArray z = q.mmul(k.transpose());
        INDArray e = Transforms.exp(z.subi(z.maxNumber()), false);
        return e.divi(e.sumNumber());
    }

    private void check(String name, INDArray[] in) {
        INDArray q = in[0];
        INDArray k = in[1];
        INDArray v = in[2];
        if (q.rank() != 4 || k.rank() != 4 || v.rank() != 4 || !Arrays.equals(q.shape(), k.shape())
                || q.size(0) != v.size(0) || q.size(1) != v.size(1) || q.size(2) != v.size(2)) {
            throw unexpected(name, "[N, H, W, P] twice and [N, H, W, C]", q, k, v);
        }
        long hw = v.size(1) * v.size(2);
        if (hw > MAX_POSITIONS) {
            throw new IllegalArgumentException("MAnet's position attention (" + name + ") on a "
                    + v.size(1) + "x" + v.size(2) + " map needs an attention map of (HW)^2 = " + hw * hw
                    + " floats per sample; at most " + MAX_POSITIONS + " positions (" + MAX_POSITIONS
                    * MAX_POSITIONS + " floats, 1 GiB) are allowed: use input tiles of at most 4096 x 4096 pixels");
        }
    }

    /** @return sample n of an NHWC array */
    private static INDArray at(INDArray a, long n) {
        return a.get(NDArrayIndex.point(n), NDArrayIndex.all(), NDArrayIndex.all(), NDArrayIndex.all());
    }

    @Override
    protected INDArray forward(String name, INDArray[] in, LayerWorkspaceMgr workspaceMgr) {
        check(name, in);
        INDArray v = in[2];
        long h = v.size(1);
        long w = v.size(2);
        long c = v.size(3);
        INDArray out = workspaceMgr.createUninitialized(ArrayType.ACTIVATIONS, v.dataType(), v.shape(), 'c');
        for (long n = 0; n < v.size(0); n++) {
            INDArray s = attention(sample(in[0], n), sample(in[1], n));
            INDArray r = s.mmul(sample(v, n)); // [HW, C]
            at(out, n).assign(r.reshape('c', c, h, w).permute(1, 2, 0));
        }
        return out;
    }

    @Override
    protected INDArray[] backward(String name, INDArray[] in, INDArray epsilon, LayerWorkspaceMgr workspaceMgr) {
        check(name, in);
        INDArray v = in[2];
        long h = v.size(1);
        long w = v.size(2);
        long c = v.size(3);
        long p = in[0].size(3);
        INDArray[] grads = new INDArray[3];
        for (int i = 0; i < 3; i++) {
            grads[i] = workspaceMgr.createUninitialized(ArrayType.ACTIVATION_GRAD, in[i].dataType(), in[i].shape(),
                    'c');
        }
        for (long n = 0; n < v.size(0); n++) {
            INDArray q = sample(in[0], n);
            INDArray k = sample(in[1], n);
            INDArray b = sample(v, n);
            INDArray s = attention(q, k);
            INDArray dr = at(epsilon, n).permute(2, 0, 1).dup('c').reshape('c', h * w, c);
            INDArray ds = dr.mmul(b.transpose());
            INDArray db = s.transpose().mmul(dr);
            INDArray dz = ds.subi(s.mul(ds).sumNumber()).muli(s);
            INDArray dq = dz.mmul(k);
            INDArray dk = dz.transpose().mmul(q);
            at(grads[0], n).assign(dq.reshape('c', h, w, p));
            at(grads[1], n).assign(dk.reshape('c', h, w, p));
            at(grads[2], n).assign(db.reshape('c', h, w, c));
        }
        return grads;
    }
}
