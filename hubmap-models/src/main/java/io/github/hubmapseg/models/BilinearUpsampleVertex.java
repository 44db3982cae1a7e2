package io.github.hubmapseg.models;

import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.workspace.ArrayType;
import org.deeplearning4j.nn.workspace.LayerWorkspaceMgr;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * PyTorch's bilinear upsampling with {@code align_corners=True} by an integer factor on NHWC activations
 * ({@code F.interpolate(x, scale_factor=s, mode="bilinear", align_corners=True)} and
 * {@code nn.UpsamplingBilinear2d(scale_factor=s)}, as smp's FPN uses them): output size {@code s * H x s * W}, output
 * row {@code i} samples input row {@code i * (H - 1) / (sH - 1)} (row 0 when {@code H = 1}) by linear interpolation
 * between its two neighbours, the same along the columns. Computed as two matrix products with the interpolation
 * matrices {@code A_h [sH, H]} and {@code A_w [sW, W]}, {@code y = A_h x A_w^T} per channel; the backward pass is the
 * transposed products. DL4J 1.0.0-M2.1's resize ops fail in backprop (docs/dl4j-notes.md), so this does it itself.
 */
public class BilinearUpsampleVertex extends ParameterFreeVertex {
    private int scale = 2;

    /** For JSON; scale 2. */
    public BilinearUpsampleVertex() {
    }

    /** @param scale the integer upsampling factor (&gt;= 1) */
    public BilinearUpsampleVertex(int scale) {
        if (scale < 1) {
            throw new IllegalArgumentException("bilinear upsampling scale must be >= 1, got " + scale);
        }
        this.scale = scale;
    }

    @Override
    protected InputType outputType(InputType.InputTypeConvolutional... in) {
        return nhwc(scale * in[0].getHeight(), scale * in[0].getWidth(), in[0].getChannels());
    }

    /**
     * The align_corners interpolation matrix.
     *
     * @param in input size
     * @param out output size
     * @param type its data type
     * @return {@code A [out, in]}: output position i = sum_j A[i, j] input[j]
     */
    static INDArray matrix(long in, long out, DataType type) {
        double[] a = new double[Math.toIntExact(in * out)];
        double scale = out > 1 ? (double) (in - 1) / (out - 1) : 0;
        for (int i = 0; i < out; i++) {
            double src = i * scale;
            int i0 = (int) Math.min(Math.floor(src), in - 1);
            int i1 = (int) Math.min(i0 + 1, in - 1);
            double w1 = src - i0;
            a[(int) (i * in + i0)] += 1 - w1;
            a[(int) (i * in + i1)] += w1;
        }
        return Nd4j.create(a, new long[] {out, in}, DataType.DOUBLE).castTo(type);
    }

    /**
     * The align_corners resize of NHWC activations to {@code oh x ow}, {@code y = A_h x A_w^T} per channel.
     *
     * @param x input {@code [N, H, W, C]}
     * @param oh output height
     * @param ow output width
     * @param workspaceMgr where the activations go
     * @return {@code [N, oh, ow, C]}
     */
    static INDArray resize(INDArray x, long oh, long ow, LayerWorkspaceMgr workspaceMgr) {
        INDArray ah = matrix(x.size(1), oh, x.dataType());
        INDArray aw = matrix(x.size(2), ow, x.dataType());
        INDArray t = Nd4j.tensorMmul(x, ah, new int[][] {{1}, {1}}); // [N, W, C, oH]
        t = Nd4j.tensorMmul(t, aw, new int[][] {{1}, {1}}); // [N, C, oH, oW]
        return place(ArrayType.ACTIVATIONS, x.dataType(), t.permute(0, 2, 3, 1), workspaceMgr);
    }

    /**
     * The gradient of {@link #resize}: the transposed products.
     *
     * @param x the forward input {@code [N, H, W, C]}
     * @param dy the gradient of the output {@code [N, oh, ow, C]}
     * @param workspaceMgr where the gradient goes
     * @return the gradient of {@code x}
     */
    static INDArray resizeBackward(INDArray x, INDArray dy, LayerWorkspaceMgr workspaceMgr) {
        INDArray ah = matrix(x.size(1), dy.size(1), x.dataType());
        INDArray aw = matrix(x.size(2), dy.size(2), x.dataType());
        INDArray t = Nd4j.tensorMmul(dy, ah, new int[][] {{1}, {0}}); // [N, oW, C, H]
        t = Nd4j.tensorMmul(t, aw, new int[][] {{1}, {0}}); // [N, C, H, W]
        return place(ArrayType.ACTIVATION_GRAD, x.dataType(), t.permute(0, 2, 3, 1), workspaceMgr);
    }

    @Override
    protected INDArray forward(String name, INDArray[] in, LayerWorkspaceMgr workspaceMgr) {
        INDArray x = in[0];
        if (x.rank() != 4) {
            throw unexpected(name, "[N, H, W, C]", x);
        }
        return resize(x, scale * x.size(1), scale * x.size(2), workspaceMgr);
    }

    @Override
    protected INDArray[] backward(String name, INDArray[] in, INDArray epsilon, LayerWorkspaceMgr workspaceMgr) {
        return new INDArray[] {resizeBackward(in[0], epsilon, workspaceMgr)};
    }
}
