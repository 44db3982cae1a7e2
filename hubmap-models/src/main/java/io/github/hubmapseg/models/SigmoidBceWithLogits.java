package io.github.hubmapseg.models;

import org.nd4j.common.primitives.Pair;
import org.nd4j.linalg.activations.IActivation;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.lossfunctions.ILossFunction;
import org.nd4j.linalg.ops.transforms.Transforms;

/**
 * Binary cross-entropy on logits (PyTorch {@code BCEWithLogitsLoss}), the default loss of the models in
 * this module: the network's output layer has the identity activation, so {@code output()} returns
 * logits, and the loss applies the sigmoid itself in the numerically stable form
 * {@code max(x,0) - x*y + log(1 + exp(-|x|))}; its gradient with respect to the logit is
 * {@code sigmoid(x) - y}. Labels are 0/1 (or soft) targets of the same shape as the logits.
 * Scores are averaged like DL4J's built-in losses: over the rows the output layer passes in
 * (pixels for {@code CnnLossLayer}).
 */
public final class SigmoidBceWithLogits implements ILossFunction {
    private static final long serialVersionUID = 1L;

    private INDArray logits(INDArray preOutput, IActivation fn) {
        return fn.getActivation(preOutput.dup(), true);
    }

    @Override
    public INDArray computeScoreArray(INDArray labels, INDArray preOutput, IActivation fn, INDArray mask) {
        INDArray x = logits(preOutput, fn);
        INDArray y = labels.castTo(x.dataType());
        INDArray loss = Transforms.max(x, 0.0, true).subi(x.mul(y))
                .addi(Transforms.log(Transforms.exp(Transforms.abs(x, true).negi(), false).addi(1.0), false));
        if (mask != null) {
            loss.muli(mask.castTo(loss.dataType()));
        }
        return loss.sum(true, 1);
    }

    @Override
    public double computeScore(INDArray labels, INDArray preOutput, IActivation fn, INDArray mask,
            boolean average) {
        INDArray scores = computeScoreArray(labels, preOutput, fn, mask);
        double s = scores.sumNumber().doubleValue();
        return average ? s / scores.size(0) : s;
    }

    @Override
    public INDArray computeGradient(INDArray labels, INDArray preOutput, IActivation fn, INDArray mask) {
        INDArray x = logits(preOutput, fn);
        INDArray dLdx = Transforms.sigmoid(x, false).subi(labels.castTo(x.dataType()));
        if (mask != null) {
            dLdx.muli(mask.castTo(dLdx.dataType()));
        }
        return fn.backprop(preOutput.dup(), dLdx).getFirst();
    }

    @Override
    public Pair<Double, INDArray> computeGradientAndScore(INDArray labels, INDArray preOutput, IActivation fn,
            INDArray mask, boolean average) {
        return new Pair<>(computeScore(labels, preOutput, fn, mask, average),
                computeGradient(labels, preOutput, fn, mask));
    }

    @Override
    public String name() {
        return "SigmoidBceWithLogits";
    }

    @Override
    public String toString() {
        return name();
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof SigmoidBceWithLogits;
    }

    @Override
    public int hashCode() {
        return 17;
    }
}
