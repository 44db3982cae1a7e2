package io.github.hubmapseg.pipeline.infer;

import io.github.hubmapseg.core.predict.Predictor;
import io.github.hubmapseg.core.predict.TileBatch;
import io.github.hubmapseg.tiling.D4;
import java.util.List;
import java.util.Objects;

/**
 * A predictor whose output is the per-pixel standard deviation, over test-time-augmentation poses, of an
 * ensemble's probability: for each pose the members' probabilities (sigmoid applied to logits) are averaged,
 * mapped back to the original orientation, and the population standard deviation over the poses is
 * returned (in [0, 0.5]). Run it through the sliding-window engine without TTA of its own to get an
 * uncertainty map (pseudo-labelling's {@code max_tta_std}). Tiles must be square when a pose transposes.
 * Does not own the members: {@link #close()} leaves them open.
 */
public final class TtaStdPredictor implements Predictor {
    private final List<? extends Predictor> members;
    private final D4[] poses;

    /**
     * @param members the ensemble, at least one, same input channels
     * @param poses   at least two poses
     */
    public TtaStdPredictor(List<? extends Predictor> members, D4... poses) {
        Objects.requireNonNull(members, "members");
        if (members.isEmpty()) {
            throw new IllegalArgumentException("members must not be empty");
        }
        if (poses == null || poses.length < 2) {
            throw new IllegalArgumentException("a TTA standard deviation needs at least 2 poses, got "
                    + (poses == null ? 0 : poses.length));
        }
        int c = members.get(0).inputChannels();
        for (Predictor p : members) {
            if (p.inputChannels() != c) {
                throw new IllegalArgumentException("members must take the same input channels, got " + c + " and "
                        + p.inputChannels());
            }
        }
        this.members = List.copyOf(members);
        this.poses = poses.clone();
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

    private static int lcm(int a, int b) {
        int x = a;
        int y = b;
        while (y != 0) {
            int t = x % y;
            x = y;
            y = t;
        }
        return a / x * b;
    }

    @Override
    public TileBatch predict(TileBatch tiles) {
        int n = tiles.size();
        int h = tiles.height();
        int w = tiles.width();
        int c = tiles.channels();
        int plane = h * w;
        double[] sum = new double[n * plane];
        double[] sumSq = new double[n * plane];
        float[] posed = new float[tiles.data().length];
        float[] mean = new float[n * plane];
        float[] back = new float[n * plane];
        for (D4 pose : poses) {
            TileBatch in;
            if (pose == D4.IDENTITY) {
                in = tiles;
            } else {
                if (h != w) {
                    throw new IllegalArgumentException("TTA pose " + pose + " needs square tiles, got " + w + "x" + h);
                }
                pose.apply(tiles.data(), 0, posed, 0, h, n * c);
                in = new TileBatch(posed, n, c, h, w);
            }
            java.util.Arrays.fill(mean, 0f);
            for (Predictor p : members) {
                TileBatch out = p.predict(in);
                if (out.size() != n || out.channels() != 1 || out.height() != h || out.width() != w) {
                    throw new IllegalStateException("member returned (" + out.size() + ", " + out.channels() + ", "
                            + out.height() + ", " + out.width() + "), expected (" + n + ", 1, " + h + ", " + w + ")");
                }
                float[] o = out.data();
                boolean logits = p.outputsLogits();
                for (int k = 0; k < mean.length; k++) {
                    float v = o[k];
                    mean[k] += logits ? (float) (1 / (1 + Math.exp(-v))) : v;
                }
            }
            float inv = 1f / members.size();
            for (int k = 0; k < mean.length; k++) {
                mean[k] *= inv;
            }
            float[] m = mean;
            if (pose != D4.IDENTITY) {
                pose.invert(mean, 0, back, 0, h, n);
                m = back;
            }
            for (int k = 0; k < m.length; k++) {
                sum[k] += m[k];
                sumSq[k] += (double) m[k] * m[k];
            }
        }
        float[] std = new float[n * plane];
        double k1 = 1.0 / poses.length;
        for (int k = 0; k < std.length; k++) {
            double mu = sum[k] * k1;
            std[k] = (float) Math.sqrt(Math.max(0, sumSq[k] * k1 - mu * mu));
        }
        return new TileBatch(std, n, 1, h, w);
    }
}
