package io.github.hubmapseg.pipeline.train;

import java.util.Arrays;
import java.util.Map;
import java.util.Objects;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.learning.GradientUpdater;
import org.nd4j.linalg.learning.config.IUpdater;
import org.nd4j.linalg.schedule.ISchedule;

/**
 * The Ranger optimizer (RAdam inside Lookahead; Wright 2019, used by the 10th-place / deepflash2 recipes) as a
 * DL4J updater configuration: {@code new Ranger(1e-3)} wherever DL4J takes an {@link IUpdater}
 * ({@code NeuralNetConfiguration.Builder.updater}, {@code Models.builder(...).updater}); recipes select it with
 * {@code train.optimizer: ranger}.
 *
 * <p><b>RAdam</b> is computed exactly as PyTorch 1.13's {@code torch.optim.RAdam} (weight decay 0), at step
 * {@code t = iteration + 1} (DL4J's iteration counter, which {@link Checkpoint} restores):
 * <pre>
 * m = beta1 m + (1 - beta1) g;   v = beta2 v + (1 - beta2) g²
 * rho_inf = 2 / (1 - beta2) - 1;  rho_t = rho_inf - 2 t beta2^t / (1 - beta2^t)
 * rho_t > 5:  u = lr r_t sqrt(1 - beta2^t) m / ((1 - beta1^t) (sqrt(v) + eps)),
 *             r_t = sqrt((rho_t - 4)(rho_t - 2) rho_inf / ((rho_inf - 4)(rho_inf - 2) rho_t))
 * otherwise:  u = lr m / (1 - beta1^t)            (the un-rectified, SGD-with-momentum branch)
 * </pre>
 *
 * <p><b>Lookahead</b> (Zhang et al. 2019) keeps slow weights {@code phi} and, every {@code k} inner steps, moves
 * them by {@code alpha} towards the fast weights and restarts the fast weights from there. A DL4J updater only sees
 * gradients and returns an update {@code U} that DL4J subtracts ({@code theta -= U}), so the slow weights are not
 * stored: the state holds {@code S}, the sum of the updates applied since the last synchronisation. Right after a
 * synchronisation (and at the start) {@code theta = phi} and {@code S = 0}; after inner steps {@code u_1 .. u_j}
 * without synchronisation {@code theta = phi - S} with {@code S = u_1 + ... + u_j}. At a synchronisation step
 * ({@code t mod k == 0}) the inner step {@code u_k} would give fast weights
 * {@code theta_k = phi - S - u_k}, and Lookahead wants
 * <pre>
 * phi' = phi + alpha (theta_k - phi) = phi - alpha (S + u_k).
 * </pre>
 * The parameters are {@code phi - S}, so the update that lands on {@code phi'} is
 * <pre>
 * U = (phi - S) - phi' = alpha u_k - (1 - alpha) S,
 * </pre>
 * after which {@code theta = phi'} is the new slow copy and {@code S = 0}. Between synchronisations
 * {@code U = u_t} and {@code S += u_t}. The result equals PyTorch's RAdam wrapped in the usual Lookahead
 * ({@code slow += alpha (fast - slow); fast = slow} after every k-th step) up to rounding; the state ({@code m},
 * {@code v}, {@code S}: 3 values per parameter) lives entirely in DL4J's updater state array, so checkpoints,
 * {@code setLearningRate} (which rebuilds the updater blocks) and resuming work as with Adam.
 *
 * <p>Defaults are those of the Ranger reference implementation (lessw2020/Ranger-Deep-Learning-Optimizer):
 * beta1 0.95, beta2 0.999, eps 1e-5, k 6, alpha 0.5. The learning rate is the one DL4J sets
 * ({@code setLearningRate}, used by {@link Trainer} every step) or an {@link ISchedule}.
 */
public final class Ranger implements IUpdater {
    private static final long serialVersionUID = 1L;

    /** Default learning rate. */
    public static final double DEFAULT_LEARNING_RATE = 1e-3;
    /** Default first-moment decay (Ranger's). */
    public static final double DEFAULT_BETA1 = 0.95;
    /** Default second-moment decay. */
    public static final double DEFAULT_BETA2 = 0.999;
    /** Default epsilon (Ranger's). */
    public static final double DEFAULT_EPSILON = 1e-5;
    /** Default Lookahead synchronisation period. */
    public static final int DEFAULT_K = 6;
    /** Default Lookahead step towards the fast weights. */
    public static final double DEFAULT_ALPHA = 0.5;

    private double learningRate;
    private ISchedule learningRateSchedule;
    private double beta1;
    private double beta2;
    private double epsilon;
    private int k;
    private double alpha;

    /** Ranger with all defaults. */
    public Ranger() {
        this(DEFAULT_LEARNING_RATE);
    }

    /** @param learningRate the learning rate (> 0) */
    public Ranger(double learningRate) {
        this(learningRate, DEFAULT_BETA1, DEFAULT_BETA2, DEFAULT_EPSILON, DEFAULT_K, DEFAULT_ALPHA);
    }

    /**
     * @param learningRate the learning rate (> 0)
     * @param beta1        first-moment decay in [0, 1)
     * @param beta2        second-moment decay in [0, 1)
     * @param epsilon      added to {@code sqrt(v)} (>= 0)
     * @param k            Lookahead period in steps (>= 1; 1 with alpha 1 is plain RAdam)
     * @param alpha        Lookahead step in (0, 1]
     */
    public Ranger(double learningRate, double beta1, double beta2, double epsilon, int k, double alpha) {
        if (!(learningRate >= 0)) {
            throw new IllegalArgumentException("learningRate must be >= 0, got " + learningRate);
        }
        if (!(beta1 >= 0 && beta1 < 1)) {
            throw new IllegalArgumentException("beta1 must be in [0, 1), got " + beta1);
        }
        if (!(beta2 >= 0 && beta2 < 1)) {
            throw new IllegalArgumentException("beta2 must be in [0, 1), got " + beta2);
        }
        if (!(epsilon >= 0)) {
            throw new IllegalArgumentException("epsilon must be >= 0, got " + epsilon);
        }
        if (k < 1) {
            throw new IllegalArgumentException("k must be >= 1, got " + k);
        }
        if (!(alpha > 0 && alpha <= 1)) {
            throw new IllegalArgumentException("alpha must be in (0, 1], got " + alpha);
        }
        this.learningRate = learningRate;
        this.beta1 = beta1;
        this.beta2 = beta2;
        this.epsilon = epsilon;
        this.k = k;
        this.alpha = alpha;
    }

    /** @return first-moment decay */
    public double beta1() {
        return beta1;
    }

    /**
     * Sets the first-moment decay for the following steps (the one-cycle momentum, {@link Trainer#setMomentum}).
     *
     * @param beta1 in {@code [0, 1)}
     */
    void setBeta1(double beta1) {
        if (!(beta1 >= 0 && beta1 < 1)) {
            throw new IllegalArgumentException("beta1 must be in [0, 1), got " + beta1);
        }
        this.beta1 = beta1;
    }

    /** @return second-moment decay */
    public double beta2() {
        return beta2;
    }

    /** @return epsilon */
    public double epsilon() {
        return epsilon;
    }

    /** @return Lookahead period */
    public int k() {
        return k;
    }

    /** @return Lookahead step */
    public double alpha() {
        return alpha;
    }

    /** @return the learning rate schedule, or {@code null} for the fixed {@link #getLearningRate} */
    public ISchedule learningRateSchedule() {
        return learningRateSchedule;
    }

    /** @return 3 values per parameter: the moments m and v, and the update sum S since the last sync */
    @Override
    public long stateSize(long numParams) {
        return 3 * numParams;
    }

    @Override
    public GradientUpdater<Ranger> instantiate(INDArray viewArray, boolean initializeViewArray) {
        RangerUpdater u = new RangerUpdater(this);
        INDArray flat = viewArray.reshape(viewArray.length());
        long[] gradientShape = Arrays.copyOf(flat.shape(), flat.rank());
        gradientShape[0] /= 3;
        u.setStateViewArray(flat, gradientShape, flat.ordering(), initializeViewArray);
        return u;
    }

    @Override
    public GradientUpdater<Ranger> instantiate(Map<String, INDArray> updaterState, boolean initializeStateArrays) {
        RangerUpdater u = new RangerUpdater(this);
        u.setState(updaterState, initializeStateArrays);
        return u;
    }

    /**
     * A Ranger driven by a learning-rate schedule (DL4J's {@code ISchedule}) instead of a fixed rate.
     *
     * @param schedule the schedule
     * @return Ranger with the default hyper-parameters and this schedule
     */
    public static Ranger withSchedule(ISchedule schedule) {
        Ranger r = new Ranger();
        r.setLrAndSchedule(Double.NaN, Objects.requireNonNull(schedule, "schedule"));
        return r;
    }

    @Override
    public Ranger clone() {
        Ranger r = new Ranger(0, beta1, beta2, epsilon, k, alpha);
        r.learningRate = learningRate; // may be NaN when a schedule drives the rate
        r.learningRateSchedule = learningRateSchedule == null ? null : learningRateSchedule.clone();
        return r;
    }

    @Override
    public double getLearningRate(int iteration, int epoch) {
        return learningRateSchedule != null ? learningRateSchedule.valueAt(iteration, epoch) : learningRate;
    }

    @Override
    public boolean hasLearningRate() {
        return true;
    }

    @Override
    public void setLrAndSchedule(double lr, ISchedule lrSchedule) {
        this.learningRate = lr;
        this.learningRateSchedule = lrSchedule;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Ranger r && Double.compare(learningRate, r.learningRate) == 0
                && Objects.equals(learningRateSchedule, r.learningRateSchedule)
                && Double.compare(beta1, r.beta1) == 0 && Double.compare(beta2, r.beta2) == 0
                && Double.compare(epsilon, r.epsilon) == 0 && k == r.k && Double.compare(alpha, r.alpha) == 0;
    }

    @Override
    public int hashCode() {
        return Objects.hash(learningRate, learningRateSchedule, beta1, beta2, epsilon, k, alpha);
    }

    @Override
    public String toString() {
        return "Ranger(lr=" + learningRate + (learningRateSchedule == null ? "" : ", schedule=" + learningRateSchedule)
                + ", beta1=" + beta1 + ", beta2=" + beta2 + ", eps=" + epsilon + ", k=" + k + ", alpha=" + alpha + ")";
    }
}
