package io.github.hubmapseg.losses;

/**
 * How a full-resolution 0/1 target is brought to the resolution of an auxiliary (deep-supervision) output.
 * Output pixel {@code (i, j)} of an {@code h × w} target covers input rows
 * {@code [floor(i H / h), ceil((i + 1) H / h))} and the matching columns (PyTorch adaptive pooling bins).
 */
public enum TargetResize {
    /**
     * Max-pooling: an output pixel is 1 when any input pixel of its bin is 1 (PyTorch
     * {@code adaptive_max_pool2d}); small glomeruli never vanish. The default.
     */
    MAX_POOL,
    /**
     * Nearest neighbour: output pixel {@code (i, j)} takes input pixel {@code (floor(i H / h), floor(j W / w))}
     * (PyTorch {@code interpolate(mode="nearest")}).
     */
    NEAREST;

    /**
     * Resizes a batch of 0/1 targets.
     *
     * @param labels {@code from.size()} labels
     * @param from   full-resolution shape
     * @param to     target shape: same batch, height and width at most those of {@code from}
     * @return {@code to.size()} labels
     */
    public double[] resize(double[] labels, BatchShape from, BatchShape to) {
        if (labels == null || labels.length != from.size()) {
            throw new IllegalArgumentException("labels must have " + from.size() + " values for shape " + from
                    + ", got " + (labels == null ? "null" : labels.length));
        }
        if (to.batch() != from.batch()) {
            throw new IllegalArgumentException("auxiliary output batch " + to.batch() + " must equal target batch "
                    + from.batch());
        }
        if (to.height() > from.height() || to.width() > from.width()) {
            throw new IllegalArgumentException("auxiliary output " + to + " must not be larger than the target "
                    + from);
        }
        if (to.equals(from)) {
            return labels.clone();
        }
        int hh = from.height();
        int ww = from.width();
        int h = to.height();
        int w = to.width();
        double[] out = new double[to.size()];
        for (int b = 0; b < to.batch(); b++) {
            int inBase = b * hh * ww;
            int outBase = b * h * w;
            for (int i = 0; i < h; i++) {
                int r0 = (int) ((long) i * hh / h);
                int r1 = this == NEAREST ? r0 + 1 : (int) (((long) (i + 1) * hh + h - 1) / h);
                for (int j = 0; j < w; j++) {
                    int c0 = (int) ((long) j * ww / w);
                    int c1 = this == NEAREST ? c0 + 1 : (int) (((long) (j + 1) * ww + w - 1) / w);
                    double v = 0;
                    for (int r = r0; r < r1 && v == 0; r++) {
                        for (int c = c0; c < c1; c++) {
                            if (labels[inBase + r * ww + c] != 0) {
                                v = 1;
                                break;
                            }
                        }
                    }
                    out[outBase + i * w + j] = v;
                }
            }
        }
        return out;
    }
}
