package io.github.hubmapseg.tiling;

/**
 * How overlapping tile predictions are blended: {@code output = sum w * p / sum w} per pixel, with
 * {@code w} the weight map of a tile ({@code tile x tile}, row-major) from {@link #map(int)}.
 */
public sealed interface Weighting permits Weighting.Mean, Weighting.Gaussian {

    /** Plain averaging: every weight is 1. */
    static Weighting mean() {
        return new Mean();
    }

    /** nnU-Net's Gaussian importance map with the given sigma scale (see {@link ImportanceMaps#gaussian}). */
    static Weighting gaussian(double sigmaScale) {
        return new Gaussian(sigmaScale);
    }

    /** nnU-Net's default Gaussian, sigma = 1/8 of the tile side. */
    static Weighting gaussian() {
        return new Gaussian(0.125);
    }

    /** The weight map of a {@code tile x tile} output tile, row-major. */
    double[] map(int tile);

    /**
     * The per-axis factors {@code u} with {@code map[i * T + j] == u[i] * u[j]} exactly, or {@code null} when
     * the map is not separable (a truncated Gaussian whose zeros were replaced).
     */
    double[] factor(int tile);

    /** Uniform weights. */
    record Mean() implements Weighting {
        @Override
        public double[] map(int tile) {
            return ImportanceMaps.ones(tile, tile);
        }

        @Override
        public double[] factor(int tile) {
            double[] u = new double[tile];
            java.util.Arrays.fill(u, 1.0);
            return u;
        }
    }

    /**
     * Gaussian weights.
     *
     * @param sigmaScale sigma as a fraction of the tile side, {@code > 0}
     */
    record Gaussian(double sigmaScale) implements Weighting {
        /** Validates sigma. */
        public Gaussian {
            if (!(sigmaScale > 0) || Double.isInfinite(sigmaScale)) {
                throw new IllegalArgumentException("sigmaScale must be a finite number > 0, got " + sigmaScale);
            }
        }

        @Override
        public double[] map(int tile) {
            return ImportanceMaps.gaussian(tile, tile, sigmaScale);
        }

        @Override
        public double[] factor(int tile) {
            if (ImportanceMaps.truncates(tile, sigmaScale)) {
                return null;
            }
            // the centre factor is exp(0) = 1, so the map's max is 1 and map[i][j] = g[i] * g[j]
            return ImportanceMaps.gaussianFactor(tile, sigmaScale);
        }
    }
}
