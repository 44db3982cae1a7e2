package io.github.hubmapseg.tiling;

import io.github.hubmapseg.core.predict.Predictor;
import io.github.hubmapseg.core.predict.TileBatch;
import java.util.EnumSet;
import java.util.List;
import java.util.Objects;

/**
 * Predictor wrappers, the one home of test-time augmentation and of combining predictors on the same window:
 * {@link #at} declares a predictor's scale and halo, {@link #tta} averages over {@link D4} poses,
 * {@link #ttaStd} gives the standard deviation over poses (pseudo-labelling's uncertainty), {@link #combined}
 * combines predictors that share a window ({@link Combination}). Every wrapper returns probabilities (a
 * sigmoid is applied to members that output logits, {@link #probabilities}); none owns what it wraps unless
 * it says so.
 */
public final class Predictors {

    private Predictors() {
    }

    /** {@code p} declaring {@code reduce} and {@code halo} (see {@link Predictor#reduce()}, {@link Predictor#halo()}). */
    public static Predictor at(Predictor p, int reduce, int halo) {
        Objects.requireNonNull(p, "predictor");
        if (reduce < 1) {
            throw new IllegalArgumentException("reduce must be >= 1, got " + reduce);
        }
        if (halo < 0) {
            throw new IllegalArgumentException("halo (expansion) must be >= 0, got " + halo);
        }
        return new Delegate(p) {
            @Override
            public int reduce() {
                return reduce;
            }

            @Override
            public int halo() {
                return halo;
            }
        };
    }

    /**
     * The mean over {@code poses} of the predictor's probabilities, each pose undone before averaging; identity
     * alone returns {@code p} itself. Windows must be square when a pose transposes (the engine's are).
     *
     * @param poses distinct poses, at least one
     */
    public static Predictor tta(Predictor p, D4... poses) {
        Objects.requireNonNull(p, "predictor");
        checkPoses(poses, 1);
        if (poses.length == 1 && poses[0] == D4.IDENTITY) {
            return p;
        }
        return new Tta(p, poses.clone());
    }

    /**
     * The per-pixel population standard deviation over {@code poses} of the members' mean probability
     * (in [0, 0.5]): an uncertainty map for pseudo-labelling ({@code max_tta_std}).
     *
     * @param members at least one, same input channels
     * @param poses   at least two distinct poses
     */
    public static Predictor ttaStd(List<? extends Predictor> members, D4... poses) {
        checkPoses(poses, 2);
        return new TtaStd(combined(members, Combination.mean(), null), poses.clone());
    }

    /**
     * Predictors that share a window combined per pixel (see {@link Combination}); the result's size divisor
     * is the members' least common multiple.
     *
     * @param weights one per member, or {@code null} for equal weights
     */
    public static Predictor combined(List<? extends Predictor> members, Combination combination, double[] weights) {
        Objects.requireNonNull(members, "members");
        Objects.requireNonNull(combination, "combination");
        combination.check(members.size());
        int c = members.get(0).inputChannels();
        for (Predictor p : members) {
            if (p.inputChannels() != c) {
                throw new IllegalArgumentException("members must take the same input channels, got " + c + " and "
                        + p.inputChannels());
            }
        }
        double[] w = weights == null ? ones(members.size()) : weights.clone();
        if (w.length != members.size()) {
            throw new IllegalArgumentException(members.size() + " members need " + members.size()
                    + " weights, got " + w.length);
        }
        if (members.size() == 1 && combination instanceof Combination.Mean) {
            return members.get(0);
        }
        return new Combined(List.copyOf(members), combination, w);
    }

    /**
     * The predictor's output for {@code tiles} as probabilities, checked to be {@code (N, 1, H, W)}: logits go
     * through the sigmoid (in place when the predictor returned a fresh array).
     */
    public static float[] probabilities(Predictor p, TileBatch tiles) {
        TileBatch out = p.predict(tiles);
        int n = tiles.size();
        int h = tiles.height();
        int w = tiles.width();
        if (out == null || out.size() != n || out.channels() != 1 || out.height() != h || out.width() != w) {
            throw new IllegalStateException("predictor must return (N=" + n + ", C=1, H=" + h + ", W=" + w
                    + "), got " + (out == null ? "null" : "(N=" + out.size() + ", C=" + out.channels() + ", H="
                    + out.height() + ", W=" + out.width() + ")"));
        }
        float[] o = out.data();
        if (o == tiles.data()) {
            o = o.clone();
        }
        if (p.outputsLogits()) {
            sigmoid(o);
        }
        return o;
    }

    /** The logistic sigmoid in place, {@code 1 / (1 + exp(-v))} in double, rounded to float. */
    public static void sigmoid(float[] v) {
        for (int k = 0; k < v.length; k++) {
            v[k] = (float) (1.0 / (1.0 + Math.exp(-v[k])));
        }
    }

    /**
     * The probabilities of {@code p} on the batch seen in {@code pose}, brought back to the batch's orientation.
     * The one implementation of a TTA pose round trip.
     */
    static float[] posed(Predictor p, TileBatch tiles, D4 pose) {
        if (pose == D4.IDENTITY) {
            return probabilities(p, tiles);
        }
        int n = tiles.size();
        int h = tiles.height();
        if (h != tiles.width()) {
            throw new IllegalArgumentException("TTA pose " + pose + " needs square tiles, got " + tiles.width()
                    + "x" + h);
        }
        float[] aug = new float[tiles.data().length];
        pose.apply(tiles.data(), 0, aug, 0, h, n * tiles.channels());
        float[] o = probabilities(p, new TileBatch(aug, n, tiles.channels(), h, h));
        float[] back = new float[o.length];
        pose.invert(o, 0, back, 0, h, n);
        return back;
    }

    /** Double-precision round trip of {@link #posed(Predictor, TileBatch, D4)} for a {@link DoublePredictor}. */
    static double[] posed(DoublePredictor p, double[] tiles, int n, int c, int h, D4 pose) {
        double[] in = tiles;
        if (pose != D4.IDENTITY) {
            in = new double[tiles.length];
            pose.apply(tiles, 0, in, 0, h, n * c);
        }
        double[] o = p.predict(in, n, h, h);
        if (o.length != n * h * h) {
            throw new IllegalStateException("predictor returned " + o.length + " values, expected " + n * h * h
                    + " (N=" + n + ", C=1, H=W=" + h + ")");
        }
        if (p.outputsLogits()) {
            for (int k = 0; k < o.length; k++) {
                o[k] = 1.0 / (1.0 + Math.exp(-o[k]));
            }
        }
        if (pose == D4.IDENTITY) {
            return o == tiles ? o.clone() : o;
        }
        double[] back = new double[o.length];
        pose.invert(o, 0, back, 0, h, n);
        return back;
    }

    static void checkPoses(D4[] poses, int min) {
        if (poses == null || poses.length < min) {
            throw new IllegalArgumentException("TTA needs at least " + min + " pose" + (min > 1 ? "s" : "")
                    + " (D4.IDENTITY for none), got " + (poses == null ? 0 : poses.length));
        }
        if (EnumSet.copyOf(List.of(poses)).size() != poses.length) {
            throw new IllegalArgumentException("TTA poses must be distinct, got " + java.util.Arrays.toString(poses));
        }
    }

    private static double[] ones(int n) {
        double[] w = new double[n];
        java.util.Arrays.fill(w, 1.0);
        return w;
    }

    static int lcm(int a, int b) {
        int x = a;
        int y = b;
        while (y != 0) {
            int t = x % y;
            x = y;
            y = t;
        }
        return a / x * b;
    }

    /** Delegates everything to a wrapped predictor (not closed). */
    private abstract static class Delegate implements Predictor {
        final Predictor inner;

        Delegate(Predictor inner) {
            this.inner = inner;
        }

        @Override
        public int inputChannels() {
            return inner.inputChannels();
        }

        @Override
        public TileBatch predict(TileBatch tiles) {
            return inner.predict(tiles);
        }

        @Override
        public boolean outputsLogits() {
            return inner.outputsLogits();
        }

        @Override
        public int sizeDivisor() {
            return inner.sizeDivisor();
        }

        @Override
        public int reduce() {
            return inner.reduce();
        }

        @Override
        public int halo() {
            return inner.halo();
        }
    }

    /** A statistic over TTA poses: probabilities out, whatever the inner predictor gives. */
    private abstract static class OverPoses extends Delegate {
        final D4[] poses;

        OverPoses(Predictor inner, D4[] poses) {
            super(inner);
            this.poses = poses;
        }

        @Override
        public boolean outputsLogits() {
            return false;
        }
    }

    /** Mean over poses (probabilities). */
    private static final class Tta extends OverPoses implements DoublePredictor {
        Tta(Predictor inner, D4[] poses) {
            super(inner, poses);
        }

        @Override
        public TileBatch predict(TileBatch tiles) {
            float[] mean = null;
            for (D4 pose : poses) {
                float[] o = posed(inner, tiles, pose);
                if (mean == null) {
                    mean = o;
                } else {
                    for (int k = 0; k < mean.length; k++) {
                        mean[k] += o[k];
                    }
                }
            }
            float inv = 1f / poses.length;
            for (int k = 0; k < mean.length; k++) {
                mean[k] *= inv;
            }
            return new TileBatch(mean, tiles.size(), 1, tiles.height(), tiles.width());
        }

        @Override
        public double[] predict(double[] tiles, int n, int h, int w) {
            if (!(inner instanceof DoublePredictor dp)) {
                float[] f = new float[tiles.length];
                for (int k = 0; k < f.length; k++) {
                    f[k] = (float) tiles[k];
                }
                float[] o = predict(new TileBatch(f, n, inputChannels(), h, w)).data();
                double[] d = new double[o.length];
                for (int k = 0; k < d.length; k++) {
                    d[k] = o[k];
                }
                return d;
            }
            double[] mean = new double[n * h * w];
            for (D4 pose : poses) {
                double[] o = posed(dp, tiles, n, inputChannels(), h, pose);
                for (int k = 0; k < mean.length; k++) {
                    mean[k] += o[k];
                }
            }
            for (int k = 0; k < mean.length; k++) {
                mean[k] /= poses.length;
            }
            return mean;
        }
    }

    /** Standard deviation over poses. */
    private static final class TtaStd extends OverPoses {
        TtaStd(Predictor inner, D4[] poses) {
            super(inner, poses);
        }

        @Override
        public TileBatch predict(TileBatch tiles) {
            int len = tiles.size() * tiles.height() * tiles.width();
            double[] sum = new double[len];
            double[] sumSq = new double[len];
            for (D4 pose : poses) {
                float[] m = posed(inner, tiles, pose);
                for (int k = 0; k < len; k++) {
                    sum[k] += m[k];
                    sumSq[k] += (double) m[k] * m[k];
                }
            }
            float[] std = new float[len];
            double k1 = 1.0 / poses.length;
            for (int k = 0; k < len; k++) {
                double mu = sum[k] * k1;
                std[k] = (float) Math.sqrt(Math.max(0, sumSq[k] * k1 - mu * mu));
            }
            return new TileBatch(std, tiles.size(), 1, tiles.height(), tiles.width());
        }
    }

    /** Predictors on one window combined per pixel. */
    private static final class Combined implements Predictor {
        final List<? extends Predictor> members;
        final Combination combination;
        final double[] weights;

        Combined(List<? extends Predictor> members, Combination combination, double[] weights) {
            this.members = members;
            this.combination = combination;
            this.weights = weights;
        }

        @Override
        public int inputChannels() {
            return members.get(0).inputChannels();
        }

        @Override
        public int sizeDivisor() {
            int d = 1;
            for (Predictor p : members) {
                d = lcm(d, p.sizeDivisor());
            }
            return d;
        }

        @Override
        public TileBatch predict(TileBatch tiles) {
            float[][] v = new float[members.size()][];
            for (int j = 0; j < v.length; j++) {
                v[j] = probabilities(members.get(j), tiles);
            }
            float[] out = new float[v[0].length];
            combination.combine(v, 0, weights, out, 0, out.length);
            return new TileBatch(out, tiles.size(), 1, tiles.height(), tiles.width());
        }
    }
}
