package io.github.hubmapseg.models;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.function.Function;
import org.assertj.core.data.Offset;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Gradient checks of single-output graphs in double precision: the analytic gradient of {@code L = sum(out * R)}
 * for a fixed random {@code R} (through {@code backpropGradient(R)}) against central differences. DL4J's
 * {@code GradientCheckUtil} cannot be used on NHWC nets ending in {@code CnnLossLayer}, whose score is reshaped
 * wrongly (docs/dl4j-notes.md).
 */
final class FiniteDifferences {
    private FiniteDifferences() {
    }

    /**
     * @param net builds the graph for a data type (called with DOUBLE)
     * @param inputShape NHWC input shape
     * @param every check every {@code every}-th parameter (1 = all)
     */
    static void check(Function<DataType, ComputationGraph> net, long[] inputShape, int every) {
        DataType before = Nd4j.dataType();
        Nd4j.setDefaultDataTypes(DataType.DOUBLE, DataType.DOUBLE);
        try {
            Nd4j.getRandom().setSeed(3);
            ComputationGraph n = net.apply(DataType.DOUBLE);
            INDArray in = Nd4j.rand(DataType.DOUBLE, inputShape).subi(0.5);
            INDArray r = Nd4j.rand(DataType.DOUBLE, n.outputSingle(in).shape()).subi(0.5);
            n.feedForward(new INDArray[] {in}, true, false);
            n.backpropGradient(r);
            INDArray grad = n.getFlattenedGradients().dup();
            INDArray params = n.params();
            for (int i = 0; i < params.length(); i += every) {
                double p = params.getDouble(i);
                params.putScalar(i, p + 1e-6);
                double lp = n.outputSingle(in).mul(r).sumNumber().doubleValue();
                params.putScalar(i, p - 1e-6);
                double lm = n.outputSingle(in).mul(r).sumNumber().doubleValue();
                params.putScalar(i, p);
                double numeric = (lp - lm) / 2e-6;
                assertThat(grad.getDouble(i)).as("gradient of parameter %d", i)
                        .isCloseTo(numeric, Offset.offset(1e-6 + 1e-5 * Math.abs(numeric)));
            }
        } finally {
            Nd4j.setDefaultDataTypes(before, before);
        }
    }
}
