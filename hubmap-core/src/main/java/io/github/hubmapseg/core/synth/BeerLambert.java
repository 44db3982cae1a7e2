package io.github.hubmapseg.core.synth;

/**
 * The Beer-Lambert law as both profiles shade it: the transmission {@code exp(-od)} tabulated at optical densities
 * {@code i / 512}, looked up at the density truncated to that grid.
 */
final class BeerLambert {

    /** Table steps per unit of optical density. */
    static final double OD_SCALE = 512;
    /** Largest index of the easy profile (optical density 8, and one step). */
    static final int EASY_MAX = 8 * 512 + 1;
    /** Largest index of the hard profile (optical density 10, and one step). */
    static final int HARD_MAX = 10 * 512 + 1;
    /** {@code StrictMath.exp(-i / 512)} for {@code i = 0 .. HARD_MAX}. */
    static final double[] EXP = new double[HARD_MAX + 1];

    static {
        for (int i = 0; i < EXP.length; i++) {
            EXP[i] = StrictMath.exp(-i / OD_SCALE);
        }
    }

    private BeerLambert() {
    }

    /** @return the table index of optical density {@code od}: {@code (int) (od * 512)} clamped to {@code [0, max]} */
    static int index(double od, int max) {
        int k = (int) (od * OD_SCALE);
        if (k > max) {
            return max;
        }
        return k < 0 ? 0 : k;
    }
}
