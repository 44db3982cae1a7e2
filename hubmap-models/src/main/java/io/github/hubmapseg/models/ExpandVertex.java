package io.github.hubmapseg.models;

import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.workspace.ArrayType;
import org.deeplearning4j.nn.workspace.LayerWorkspaceMgr;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.api.ops.impl.broadcast.BroadcastTo;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Repeats a pooled NHWC map {@code [N, 1, 1, C]} (first input) over the spatial size of a reference map
 * {@code [N, H, W, *]} (second input): output {@code [N, H, W, C]}. Equal to PyTorch's
 * {@code F.interpolate(pooled, size=(H, W), mode="bilinear")} of a 1x1 map (the image-pooling branch of ASPP).
 * Works at any run-time size. Gradient: the pooled input receives {@code dL/dy} summed over H and W; the
 * reference receives zero (only its shape is used).
 */
public class ExpandVertex extends ParameterFreeVertex {
    /** Creates the vertex configuration. */
    public ExpandVertex() {
    }

    @Override
    protected int inputCount() {
        return 2;
    }

    @Override
    protected InputType outputType(InputType.InputTypeConvolutional... in) {
        return nhwc(in[1].getHeight(), in[1].getWidth(), in[0].getChannels());
    }

    @Override
    protected INDArray forward(String name, INDArray[] in, LayerWorkspaceMgr workspaceMgr) {
        INDArray p = in[0];
        INDArray r = in[1];
        if (p.rank() != 4 || p.size(1) != 1 || p.size(2) != 1 || r.rank() != 4 || r.size(0) != p.size(0)) {
            throw unexpected(name, "[N, 1, 1, C] and [N, H, W, *]", p, r);
        }
        long[] shape = {p.size(0), r.size(1), r.size(2), p.size(3)};
        INDArray out = workspaceMgr.createUninitialized(ArrayType.ACTIVATIONS, p.dataType(), shape, 'c');
        Nd4j.exec(new BroadcastTo(p, shape, out));
        return out;
    }

    @Override
    protected INDArray[] backward(String name, INDArray[] in, INDArray epsilon, LayerWorkspaceMgr workspaceMgr) {
        INDArray dp = place(ArrayType.ACTIVATION_GRAD, in[0].dataType(), epsilon.sum(true, 1, 2), workspaceMgr);
        INDArray dr = workspaceMgr.create(ArrayType.ACTIVATION_GRAD, in[1].dataType(), in[1].shape(), 'c');
        return new INDArray[] {dp, dr};
    }
}
