package io.github.hubmapseg.tiling.post;

import java.util.Arrays;

/**
 * The permutohedral lattice of Adams, Baek and Davis (2010), "Fast High-Dimensional Filtering Using the
 * Permutohedral Lattice": Gaussian filtering {@code out_i = sum_j exp(-|f_i - f_j|^2 / 2) in_j} (approximately, up
 * to a constant factor) in time linear in the number of points. A transcription of Philipp Krähenbühl's
 * {@code densecrf/src/permutohedral.cpp} (the code pydensecrf wraps): elevation onto the hyperplane, the
 * enclosing simplex by rounding and ranking, barycentric weights, a hash table of lattice vertices, the
 * {@code [1 2 1] / 2}-blur along each of the {@code d + 1} lattice axes and the {@code alpha = 1 / (1 + 2^-d)}
 * slicing scale. Keys are packed into one {@code long} (16 bits a coordinate for {@code d <= 3}, 12 for
 * {@code d <= 5}); features whose lattice coordinates leave that range are refused.
 */
final class Permutohedral {
    private final int n;
    private final int d;
    private final int m;
    /** Vertex index + 1 of each point's {@code d + 1} simplex corners (0: no vertex). */
    private final int[] offset;
    private final float[] barycentric;
    /** Per axis j and vertex i: neighbour indices + 1 ({@code 0} when absent). */
    private final int[] n1;
    private final int[] n2;

    /**
     * @param features {@code features[i * d + k]}: feature k of point i, already divided by its standard deviation
     * @param n        number of points
     * @param d        feature dimension, 1..5
     */
    Permutohedral(float[] features, int n, int d) {
        if (d < 1 || d > 5) {
            throw new IllegalArgumentException("lattice dimension must be in 1..5, got " + d);
        }
        if (features.length < (long) n * d) {
            throw new IllegalArgumentException("expected " + (long) n * d + " feature values, got " + features.length);
        }
        this.n = n;
        this.d = d;
        int d1 = d + 1;
        int bits = d <= 3 ? 16 : 12;
        LongIntMap hash = new LongIntMap(Math.max(16, n));
        offset = new int[n * d1];
        barycentric = new float[n * d1];
        float[] scale = new float[d];
        float[] elevated = new float[d1];
        float[] rem0 = new float[d1];
        float[] bary = new float[d + 2];
        int[] rank = new int[d1];
        int[] canonical = new int[d1 * d1];
        int[] key = new int[d];
        for (int i = 0; i <= d; i++) {
            for (int j = 0; j <= d - i; j++) {
                canonical[i * d1 + j] = i;
            }
            for (int j = d - i + 1; j <= d; j++) {
                canonical[i * d1 + j] = i - d1;
            }
        }
        float invStdDev = (float) (Math.sqrt(2.0 / 3.0) * d1);
        for (int i = 0; i < d; i++) {
            scale[i] = (float) (1.0 / Math.sqrt((double) (i + 2) * (i + 1)) * invStdDev);
        }
        float downFactor = 1.0f / d1;
        float upFactor = d1;
        for (int k = 0; k < n; k++) {
            int fo = k * d;
            float sm = 0;
            for (int j = d; j > 0; j--) {
                float cf = features[fo + j - 1] * scale[j - 1];
                elevated[j] = sm - j * cf;
                sm += cf;
            }
            elevated[0] = sm;
            int sum = 0;
            for (int i = 0; i <= d; i++) {
                float v = downFactor * elevated[i];
                float up = (float) Math.ceil(v) * upFactor;
                float down = (float) Math.floor(v) * upFactor;
                int rd = up - elevated[i] < elevated[i] - down ? (int) up : (int) down;
                rem0[i] = rd;
                sum += rd / d1;
            }
            Arrays.fill(rank, 0);
            for (int i = 0; i < d; i++) {
                double di = elevated[i] - rem0[i];
                for (int j = i + 1; j <= d; j++) {
                    if (di < elevated[j] - rem0[j]) {
                        rank[i]++;
                    } else {
                        rank[j]++;
                    }
                }
            }
            for (int i = 0; i <= d; i++) {
                rank[i] += sum;
                if (rank[i] < 0) {
                    rank[i] += d1;
                    rem0[i] += d1;
                } else if (rank[i] > d) {
                    rank[i] -= d1;
                    rem0[i] -= d1;
                }
            }
            Arrays.fill(bary, 0);
            for (int i = 0; i <= d; i++) {
                float v = (elevated[i] - rem0[i]) * downFactor;
                bary[d - rank[i]] += v;
                bary[d - rank[i] + 1] -= v;
            }
            bary[0] += 1.0f + bary[d + 1];
            for (int r = 0; r <= d; r++) {
                for (int i = 0; i < d; i++) {
                    key[i] = (int) rem0[i] + canonical[r * d1 + rank[i]];
                }
                long packed = pack(key, bits);
                int idx = hash.get(packed);
                if (idx < 0) {
                    idx = hash.size();
                    hash.put(packed, idx);
                }
                offset[k * d1 + r] = idx + 1;
                barycentric[k * d1 + r] = bary[r];
            }
        }
        m = hash.size();
        long[] packedKeys = hash.keysByValue();
        n1 = new int[d1 * m];
        n2 = new int[d1 * m];
        int[] a = new int[d];
        int[] b = new int[d];
        for (int j = 0; j <= d; j++) {
            for (int i = 0; i < m; i++) {
                unpack(packedKeys[i], bits, key);
                for (int k = 0; k < d; k++) {
                    a[k] = key[k] - 1;
                    b[k] = key[k] + 1;
                }
                if (j < d) {
                    a[j] = key[j] + d;
                    b[j] = key[j] - d;
                }
                n1[j * m + i] = find(hash, a, bits) + 1;
                n2[j * m + i] = find(hash, b, bits) + 1;
            }
        }
    }

    private int find(LongIntMap hash, int[] key, int bits) {
        int lim = 1 << (bits - 1);
        for (int v : key) {
            if (v < -lim || v >= lim) {
                return -1;
            }
        }
        return hash.get(pack(key, bits));
    }

    private long pack(int[] key, int bits) {
        int lim = 1 << (bits - 1);
        long mask = (1L << bits) - 1;
        long p = 0;
        for (int i = 0; i < d; i++) {
            int v = key[i];
            if (v < -lim || v >= lim) {
                throw new IllegalArgumentException("lattice coordinate " + v + " outside [" + -lim + ", " + (lim - 1)
                        + "]: the features span too wide a range (use smaller patches or larger standard deviations)");
            }
            p |= ((long) v & mask) << (i * bits);
        }
        return p;
    }

    private void unpack(long p, int bits, int[] key) {
        long mask = (1L << bits) - 1;
        for (int i = 0; i < d; i++) {
            long v = (p >>> (i * bits)) & mask;
            key[i] = (int) (v << (64 - bits) >> (64 - bits));
        }
    }

    /** Number of lattice vertices. */
    int vertices() {
        return m;
    }

    /**
     * Filters {@code vs} values per point: {@code out[i * vs + c] = alpha sum over the point's vertices of the
     * blurred splat}; {@code in} and {@code out} may be the same array.
     */
    void compute(float[] in, float[] out, int vs) {
        int d1 = d + 1;
        float[] values = new float[(m + 2) * vs];
        float[] next = new float[(m + 2) * vs];
        for (int i = 0; i < n; i++) {
            for (int j = 0; j <= d; j++) {
                int o = offset[i * d1 + j];
                float w = barycentric[i * d1 + j];
                for (int k = 0; k < vs; k++) {
                    values[o * vs + k] += w * in[i * vs + k];
                }
            }
        }
        for (int j = 0; j <= d; j++) {
            for (int i = 0; i < m; i++) {
                int base = (i + 1) * vs;
                int a = n1[j * m + i] * vs;
                int b = n2[j * m + i] * vs;
                for (int k = 0; k < vs; k++) {
                    next[base + k] = values[base + k] + 0.5f * (values[a + k] + values[b + k]);
                }
            }
            float[] t = values;
            values = next;
            next = t;
        }
        float alpha = (float) (1.0 / (1 + Math.pow(2, -d)));
        for (int i = 0; i < n; i++) {
            for (int k = 0; k < vs; k++) {
                out[i * vs + k] = 0;
            }
            for (int j = 0; j <= d; j++) {
                int o = offset[i * d1 + j];
                float w = barycentric[i * d1 + j];
                for (int k = 0; k < vs; k++) {
                    out[i * vs + k] += w * values[o * vs + k] * alpha;
                }
            }
        }
    }

    /** Open-addressing map from packed keys to dense indices 0, 1, 2, ... in insertion order. */
    private static final class LongIntMap {
        private long[] keys;
        private int[] vals;
        private boolean[] used;
        private long[] byValue;
        private int size;

        LongIntMap(int expected) {
            int cap = Integer.highestOneBit(Math.max(16, expected) * 2 - 1) << 1;
            keys = new long[cap];
            vals = new int[cap];
            used = new boolean[cap];
            byValue = new long[Math.max(16, expected)];
        }

        int size() {
            return size;
        }

        private static int mix(long k) {
            long h = k * 0x9E3779B97F4A7C15L;
            return (int) (h ^ (h >>> 29) ^ (h >>> 41));
        }

        int get(long k) {
            int mask = keys.length - 1;
            for (int i = mix(k) & mask; ; i = (i + 1) & mask) {
                if (!used[i]) {
                    return -1;
                }
                if (keys[i] == k) {
                    return vals[i];
                }
            }
        }

        void put(long k, int v) {
            if ((size + 1) * 2 > keys.length) {
                grow();
            }
            int mask = keys.length - 1;
            int i = mix(k) & mask;
            while (used[i]) {
                i = (i + 1) & mask;
            }
            used[i] = true;
            keys[i] = k;
            vals[i] = v;
            if (v >= byValue.length) {
                byValue = Arrays.copyOf(byValue, Math.max(v + 1, byValue.length * 2));
            }
            byValue[v] = k;
            size++;
        }

        private void grow() {
            long[] ok = keys;
            int[] ov = vals;
            boolean[] ou = used;
            keys = new long[ok.length * 2];
            vals = new int[ok.length * 2];
            used = new boolean[ok.length * 2];
            int mask = keys.length - 1;
            for (int j = 0; j < ok.length; j++) {
                if (ou[j]) {
                    int i = mix(ok[j]) & mask;
                    while (used[i]) {
                        i = (i + 1) & mask;
                    }
                    used[i] = true;
                    keys[i] = ok[j];
                    vals[i] = ov[j];
                }
            }
        }

        long[] keysByValue() {
            return byValue;
        }
    }
}
