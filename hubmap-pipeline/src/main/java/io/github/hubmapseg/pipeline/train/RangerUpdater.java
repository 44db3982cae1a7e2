package io.github.hubmapseg.pipeline.train;

import java.util.HashMap;
import java.util.Map;
import java.util.Objects;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.api.shape.Shape;
import org.nd4j.linalg.indexing.NDArrayIndex;
import org.nd4j.linalg.learning.GradientUpdater;
import org.nd4j.linalg.ops.transforms.Transforms;

/**
 * The per-block state and step of {@link Ranger} (see there for the formulas and the Lookahead derivation). The
 * state view holds three arrays of the block's parameter count, in this order: {@code M} (first moment),
 * {@code V} (second moment), {@code S} (sum of the updates applied since the last Lookahead synchronisation).
 * DL4J creates it through {@link Ranger#instantiate}; {@link #applyUpdater} turns the gradient into the update
 * in place.
 */
public final class RangerUpdater implements GradientUpdater<Ranger> {
    /** State key of the first moment. */
    public static final String M_STATE = "M";
    /** State key of the second moment. */
    public static final String V_STATE = "V";
    /** State key of the sum of updates since the last Lookahead synchronisation. */
    public static final String S_STATE = "S";

    private final Ranger config;
    private INDArray m;
    private INDArray v;
    private INDArray s;

    /** @param config the hyper-parameters */
    public RangerUpdater(Ranger config) {
        this.config = Objects.requireNonNull(config, "config");
    }

    @Override
    public Ranger getConfig() {
        return config;
    }

    @Override
    public void setState(Map<String, INDArray> stateMap, boolean initialize) {
        if (stateMap == null || stateMap.size() != 3 || !stateMap.containsKey(M_STATE) || !stateMap.containsKey(V_STATE)
                || !stateMap.containsKey(S_STATE)) {
            throw new IllegalArgumentException("Ranger state must hold exactly the keys [M, V, S], got "
                    + (stateMap == null ? null : stateMap.keySet()));
        }
        this.m = stateMap.get(M_STATE);
        this.v = stateMap.get(V_STATE);
        this.s = stateMap.get(S_STATE);
        if (initialize) {
            m.assign(0);
            v.assign(0);
            s.assign(0);
        }
    }

    @Override
    public Map<String, INDArray> getState() {
        Map<String, INDArray> r = new HashMap<>();
        r.put(M_STATE, m);
        r.put(V_STATE, v);
        r.put(S_STATE, s);
        return r;
    }

    @Override
    public void setStateViewArray(INDArray viewArray, long[] gradientShape, char gradientOrder, boolean initialize) {
        if (!viewArray.isVectorOrScalar()) {
            throw new IllegalArgumentException("Ranger state view must be a vector, got shape "
                    + java.util.Arrays.toString(viewArray.shape()));
        }
        if (initialize) {
            viewArray.assign(0);
        }
        INDArray flat = viewArray.reshape(viewArray.length());
        long n = flat.length() / 3;
        if (n * 3 != flat.length()) {
            throw new IllegalArgumentException("Ranger state view length must be 3 x the parameter count, got "
                    + flat.length());
        }
        this.m = shaped(flat.get(NDArrayIndex.interval(0, n)), gradientShape, gradientOrder);
        this.v = shaped(flat.get(NDArrayIndex.interval(n, 2 * n)), gradientShape, gradientOrder);
        this.s = shaped(flat.get(NDArrayIndex.interval(2 * n, 3 * n)), gradientShape, gradientOrder);
    }

    private static INDArray shaped(INDArray a, long[] shape, char order) {
        INDArray r = Shape.newShapeNoCopy(a, shape, order == 'f');
        if (r == null) {
            throw new IllegalStateException("could not reshape the Ranger state view to the gradient shape "
                    + java.util.Arrays.toString(shape));
        }
        return r;
    }

    /**
     * Replaces {@code gradient} by the Ranger update for step {@code iteration + 1} (DL4J then subtracts it).
     *
     * @param gradient  the gradient (overwritten with the update)
     * @param iteration DL4J's iteration counter (0 for the first step)
     * @param epoch     DL4J's epoch counter (used by a learning-rate schedule only)
     */
    @Override
    public void applyUpdater(INDArray gradient, int iteration, int epoch) {
        if (m == null) {
            throw new IllegalStateException("Ranger updater has no state view: call setStateViewArray first");
        }
        double beta1 = config.beta1();
        double beta2 = config.beta2();
        double lr = config.getLearningRate(iteration, epoch);
        long t = (long) iteration + 1;
        if (gradient.length() != m.length()) {
            throw new IllegalArgumentException("gradient has " + gradient.length() + " values but the Ranger state "
                    + "holds " + m.length());
        }
        INDArray g = java.util.Arrays.equals(gradient.shape(), m.shape()) ? gradient : gradient.reshape(m.shape());
        double bc1 = 1 - Math.pow(beta1, t);
        double bc2 = 1 - Math.pow(beta2, t);
        // moments, as torch: exp_avg.mul_(b1).add_(g, alpha=1-b1); exp_avg_sq.mul_(b2).addcmul_(g, g, value=1-b2)
        m.muli(beta1).addi(g.mul(1 - beta1));
        v.muli(beta2).addi(g.mul(g).muli(1 - beta2));
        double rhoInf = 2 / (1 - beta2) - 1;
        double rhoT = rhoInf - 2 * t * Math.pow(beta2, t) / bc2;
        if (rhoT > 5) {
            double rect = Math.sqrt((rhoT - 4) * (rhoT - 2) * rhoInf / ((rhoInf - 4) * (rhoInf - 2) * rhoT));
            INDArray denom = Transforms.sqrt(v, true).addi(config.epsilon());
            g.assign(m).divi(denom).muli(lr * rect * Math.sqrt(bc2) / bc1);
        } else {
            g.assign(m).muli(lr / bc1);
        }
        // Lookahead through the update sum S (see Ranger): U = alpha u_k - (1 - alpha) S at a sync, then S = 0
        if (t % config.k() == 0) {
            g.muli(config.alpha()).subi(s.muli(1 - config.alpha()));
            s.assign(0);
        } else {
            s.addi(g);
        }
        if (g != gradient) {
            gradient.assign(g.reshape(gradient.shape())); // in case the reshape was a copy
        }
    }
}
