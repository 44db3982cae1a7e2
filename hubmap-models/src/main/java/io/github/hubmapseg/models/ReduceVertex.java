package io.github.hubmapseg.models;

import java.util.Objects;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.workspace.ArrayType;
import org.deeplearning4j.nn.workspace.LayerWorkspaceMgr;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;

/**
 * The two max reductions of CBAM (Woo et al. 2018) on NHWC activations, with their gradients:
 * {@link Kind#GLOBAL_MAX} {@code [N, H, W, C] -> [N, 1, 1, C]} ({@code F.max_pool2d} over the whole map, the channel
 * gate's max branch) and {@link Kind#CHANNEL_MAX_MEAN} {@code [N, H, W, C] -> [N, H, W, 2]} (CBAM's
 * {@code ChannelPool}: channel 0 the max over the channels, channel 1 their mean). The gradient of a max goes to the
 * first position holding it (as PyTorch's {@code max}).
 */
public class ReduceVertex extends ParameterFreeVertex {
    /** Which reduction. */
    public enum Kind {
        /** Max over H and W. */
        GLOBAL_MAX,
        /** Max and mean over C. */
        CHANNEL_MAX_MEAN
    }

    private Kind kind = Kind.GLOBAL_MAX;

    /** For JSON. */
    public ReduceVertex() {
    }

    /** @param kind the reduction */
    public ReduceVertex(Kind kind) {
        this.kind = Objects.requireNonNull(kind, "kind");
    }

    @Override
    protected InputType outputType(InputType.InputTypeConvolutional... in) {
        return kind == Kind.GLOBAL_MAX ? nhwc(1, 1, in[0].getChannels())
                : nhwc(in[0].getHeight(), in[0].getWidth(), 2);
    }

    @Override
    protected INDArray forward(String name, INDArray[] in, LayerWorkspaceMgr workspaceMgr) {
        INDArray x = in[0];
        if (x.rank() != 4) {
            throw unexpected(name, "[N, H, W, C]", x);
        }
        long n = x.size(0);
        long h = x.size(1);
        long w = x.size(2);
        long c = x.size(3);
        if (kind == Kind.GLOBAL_MAX) {
            return place(ArrayType.ACTIVATIONS, x.dataType(), x.max(1, 2).reshape(n, 1, 1, c), workspaceMgr);
        }
        INDArray out = workspaceMgr.createUninitialized(ArrayType.ACTIVATIONS, x.dataType(), n, h, w, 2);
        out.get(NDArrayIndex.all(), NDArrayIndex.all(), NDArrayIndex.all(), NDArrayIndex.point(0)).assign(x.max(3));
        out.get(NDArrayIndex.all(), NDArrayIndex.all(), NDArrayIndex.all(), NDArrayIndex.point(1)).assign(x.mean(3));
        return out;
    }

    @Override
    protected INDArray[] backward(String name, INDArray[] in, INDArray epsilon, LayerWorkspaceMgr workspaceMgr) {
        INDArray x = in[0].dup('c');
        long n = x.size(0);
        long h = x.size(1);
        long w = x.size(2);
        long c = x.size(3);
        INDArray dx;
        if (kind == Kind.GLOBAL_MAX) {
            // argmax over the H*W positions of each (n, c)
            INDArray flat = x.reshape('c', n, h * w, c);
            INDArray idx = Nd4j.argMax(flat, 1); // [n, c]
            INDArray g = epsilon.reshape(n, c);
            dx = Nd4j.zeros(x.dataType(), n, h * w, c);
            for (long i = 0; i < n; i++) {
                for (long j = 0; j < c; j++) {
                    dx.putScalar(new long[] {i, idx.getLong(i, j), j}, g.getDouble(i, j));
                }
            }
        } else {
            INDArray flat = x.reshape('c', n * h * w, c);
            INDArray idx = Nd4j.argMax(flat, 1); // [nhw]
            INDArray e = epsilon.dup('c').reshape('c', n * h * w, 2);
            INDArray gMean = e.getColumn(1).div(c); // [nhw]
            dx = Nd4j.zeros(x.dataType(), n * h * w, c).addiColumnVector(gMean.reshape(n * h * w, 1));
            for (long i = 0; i < n * h * w; i++) {
                long k = idx.getLong(i);
                dx.putScalar(i, k, dx.getDouble(i, k) + e.getDouble(i, 0));
            }
        }
        return new INDArray[] {place(ArrayType.ACTIVATION_GRAD, x.dataType(), dx.reshape('c', n, h, w, c),
                workspaceMgr)};
    }
}
