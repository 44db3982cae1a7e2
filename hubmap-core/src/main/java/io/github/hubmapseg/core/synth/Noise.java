package io.github.hubmapseg.core.synth;

import java.util.SplittableRandom;

/**
 * Cheap deterministic noise from integer hashing: every value is a pure function of its integer arguments,
 * so synthetic pixels can be generated in any order, tile by tile, with identical results on every JVM.
 */
final class Noise {

    private Noise() {
    }

    /** @return a uniform value in {@code [-amplitude, amplitude)} from {@code rnd} */
    static double jitter(SplittableRandom rnd, double amplitude) {
        return (2 * rnd.nextDouble() - 1) * amplitude;
    }

    /** @return {@code (r, g, b)} scaled to unit length */
    static double[] unitVector(double r, double g, double b) {
        double n = Math.sqrt(r * r + g * g + b * b);
        return new double[] {r / n, g / n, b / n};
    }

    /**
     * Harmonics of a lobed outline ({@link StarShape}): per harmonic {@code k}, the amplitude
     * {@code (base + spread u) / (1 + decay k)} and a phase, drawn in that order.
     *
     * @return {@code {amplitudes, phases}}
     */
    static double[][] harmonics(SplittableRandom rnd, int n, double base, double spread, double decay) {
        double[] amp = new double[n];
        double[] ph = new double[n];
        for (int k = 0; k < n; k++) {
            amp[k] = (base + spread * rnd.nextDouble()) / (1 + decay * k);
            ph[k] = 2 * Math.PI * rnd.nextDouble();
        }
        return new double[][] {amp, ph};
    }

    /** A well-mixed 32-bit hash of two coordinates and a seed (murmur3-style finaliser). */
    public static int hash(int x, int y, int seed) {
        int h = seed * 0x9E3779B9 + x * 0x85EBCA6B + y * 0xC2B2AE35;
        h ^= h >>> 16;
        h *= 0x7FEB352D;
        h ^= h >>> 15;
        h *= 0x846CA68B;
        h ^= h >>> 16;
        return h;
    }

    /** {@link #hash} mapped to {@code [0, 1)}. */
    public static double unit(int x, int y, int seed) {
        return (hash(x, y, seed) >>> 8) * (1.0 / (1 << 24));
    }

    /** Mixes a long seed and a salt into an int seed. */
    public static int mix(long seed, int salt) {
        long z = seed + 0x9E3779B97F4A7C15L * (salt + 1L);
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
        z ^= z >>> 31;
        return (int) (z ^ (z >>> 32));
    }

    /**
     * Value noise in {@code [0, 1)}: hashed lattice values every {@code scale} pixels, smoothstep-interpolated.
     *
     * @param x     column in pixels
     * @param y     row in pixels
     * @param inv   {@code 1 / scale}, the lattice frequency
     * @param seed  noise seed
     */
    public static double value(double x, double y, double inv, int seed) {
        double fx = x * inv;
        double fy = y * inv;
        int ix = (int) Math.floor(fx);
        int iy = (int) Math.floor(fy);
        double tx = fx - ix;
        double ty = fy - iy;
        tx = tx * tx * (3 - 2 * tx);
        ty = ty * ty * (3 - 2 * ty);
        double a = unit(ix, iy, seed);
        double b = unit(ix + 1, iy, seed);
        double c = unit(ix, iy + 1, seed);
        double d = unit(ix + 1, iy + 1, seed);
        double top = a + (b - a) * tx;
        double bot = c + (d - c) * tx;
        return top + (bot - top) * ty;
    }

    /** Two-octave value noise in {@code [0, 1)}: {@code (2 * value(f) + value(2.7 f)) / 3}. */
    public static double fractal(double x, double y, double inv, int seed) {
        return (2 * value(x, y, inv, seed) + value(x, y, inv * 2.7, seed ^ 0x5bd1e995)) * (1.0 / 3);
    }

    /**
     * Fills {@code out[0 .. n)} with value noise along a row: element {@code i} is the noise at
     * {@code (x0 + i, y)}. The lattice values are hashed once per lattice cell, so this is several times
     * faster than {@code n} calls of {@link #value}; results depend only on each point's coordinates
     * (not on {@code x0} or {@code n}), and may differ from {@link #value} in the last bits.
     */
    public static void valueRow(double[] out, int n, double x0, double y, double inv, int seed) {
        double fy = y * inv;
        int iy = (int) Math.floor(fy);
        double ty = fy - iy;
        ty = ty * ty * (3 - 2 * ty);
        int cur = Integer.MIN_VALUE;
        double left = 0;
        double right = 0;
        for (int i = 0; i < n; i++) {
            double fx = (x0 + i) * inv;
            int ix = (int) Math.floor(fx);
            if (ix != cur) {
                cur = ix;
                double a = unit(ix, iy, seed);
                double b = unit(ix + 1, iy, seed);
                double c = unit(ix, iy + 1, seed);
                double d = unit(ix + 1, iy + 1, seed);
                left = a + (c - a) * ty;
                right = b + (d - b) * ty;
            }
            double tx = fx - ix;
            tx = tx * tx * (3 - 2 * tx);
            out[i] = left + (right - left) * tx;
        }
    }

    /**
     * {@link #value} with the four lattice values kept while consecutive points stay in one lattice cell:
     * the same arithmetic, so the same values, with four hashes per cell instead of per pixel.
     */
    static final class ValueCache {
        private boolean valid;
        private int ix;
        private int iy;
        private int seed;
        private double inv;
        private double a;
        private double b;
        private double c;
        private double d;

        double at(double x, double y, double inv, int seed) {
            double fx = x * inv;
            double fy = y * inv;
            int jx = (int) Math.floor(fx);
            int jy = (int) Math.floor(fy);
            double tx = fx - jx;
            double ty = fy - jy;
            tx = tx * tx * (3 - 2 * tx);
            ty = ty * ty * (3 - 2 * ty);
            if (!valid || jx != ix || jy != iy || seed != this.seed || inv != this.inv) {
                valid = true;
                ix = jx;
                iy = jy;
                this.seed = seed;
                this.inv = inv;
                a = unit(jx, jy, seed);
                b = unit(jx + 1, jy, seed);
                c = unit(jx, jy + 1, seed);
                d = unit(jx + 1, jy + 1, seed);
            }
            double top = a + (b - a) * tx;
            double bot = c + (d - c) * tx;
            return top + (bot - top) * ty;
        }
    }
}
