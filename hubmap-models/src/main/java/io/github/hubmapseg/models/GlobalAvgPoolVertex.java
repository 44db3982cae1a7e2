package io.github.hubmapseg.models;

import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.workspace.ArrayType;
import org.deeplearning4j.nn.workspace.LayerWorkspaceMgr;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.api.ops.impl.broadcast.BroadcastTo;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Global average pooling of NHWC activations keeping the spatial axes: {@code [N, H, W, C] -> [N, 1, 1, C]},
 * equal to {@code torch.nn.AdaptiveAvgPool2d(1)}. DL4J 1.0.0-M2.1's {@code GlobalPoolingLayer} assumes NCHW
 * when it keeps the pooled axes (it reshapes an NHWC mean to the wrong shape), hence this vertex. The
 * gradient spreads {@code dL/dy / (H W)} over the pooled window. Any input size works at run time.
 */
public class GlobalAvgPoolVertex extends ParameterFreeVertex {
    /** Creates the vertex configuration. */
    public GlobalAvgPoolVertex() {
    }

    @Override
    protected InputType outputType(InputType.InputTypeConvolutional... in) {
        return nhwc(1, 1, in[0].getChannels());
    }

    @Override
    protected INDArray forward(String name, INDArray[] in, LayerWorkspaceMgr workspaceMgr) {
        INDArray x = in[0];
        if (x.rank() != 4) {
            throw unexpected(name, "[N, H, W, C]", x);
        }
        return place(ArrayType.ACTIVATIONS, x.dataType(), x.mean(true, 1, 2), workspaceMgr);
    }

    @Override
    protected INDArray[] backward(String name, INDArray[] in, INDArray epsilon, LayerWorkspaceMgr workspaceMgr) {
        INDArray x = in[0];
        INDArray dx = workspaceMgr.createUninitialized(ArrayType.ACTIVATION_GRAD, x.dataType(), x.shape(), 'c');
        INDArray scaled = epsilon.div(x.size(1) * x.size(2));
        Nd4j.exec(new BroadcastTo(scaled, x.shape(), dx)); // [N,1,1,C] repeated over H, W
        return new INDArray[] {dx};
    }
}
