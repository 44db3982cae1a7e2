package io.github.hubmapseg.models;

import org.deeplearning4j.nn.conf.graph.ElementWiseVertex;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.inputs.InvalidInputTypeException;

/**
 * An element-wise product whose second input broadcasts over the first: NHWC activations {@code [N, H, W, C]}
 * times a gate {@code [N, 1, 1, C]} (channel attention: squeeze-and-excitation, cSE) or {@code [N, H, W, 1]}
 * (spatial attention: sSE). DL4J 1.0.0-M2.1's {@code ElementWiseVertex} computes broadcast products and their
 * gradients (the gate's gradient summed over the broadcast axes) but its configuration rejects inputs of
 * different sizes; this configuration accepts them and reports the first input's type as its output.
 * Serialises with the graph configuration (JSON) like any DL4J vertex.
 */
public class BroadcastMulVertex extends ElementWiseVertex {
    /** A product vertex (the op is always {@link ElementWiseVertex.Op#Product}). */
    public BroadcastMulVertex() {
        super(Op.Product);
    }

    @Override
    public BroadcastMulVertex clone() {
        return new BroadcastMulVertex();
    }

    @Override
    public int maxVertexInputs() {
        return 2;
    }

    @Override
    public int minVertexInputs() {
        return 2;
    }

    @Override
    public InputType getOutputType(int layerIndex, InputType... vertexInputs) throws InvalidInputTypeException {
        if (vertexInputs.length != 2) {
            throw new InvalidInputTypeException("BroadcastMulVertex takes 2 inputs (activations, gate), got "
                    + vertexInputs.length);
        }
        return vertexInputs[0];
    }
}
