package io.github.hubmapseg.tiling;

/**
 * The arithmetic of the stitcher's float32 blend over runs of {@code n} pixels read from arrays at their own
 * offsets (tile lines, weight rows, the output row), {@code f + c * (g - f)} rounded after every operation (a
 * subtraction, a multiplication, an addition; no fused multiply-add), so that both implementations give the
 * same bits: {@link Scalar} (plain loops; HotSpot's C2 leaves loops over arrays at different run-time offsets
 * scalar) and {@code VectorBlend} (the Vector API), chosen by {@link Vectorization#kernel}. {@code dst} may be
 * one of the inputs at the same offset.
 */
interface BlendKernel {

    /** {@code dst[d + k] = e[eo + k] + c[co + k] * (o[oo + k] - e[eo + k])}, k < n: a weight per pixel. */
    void lerp(float[] e, int eo, float[] o, int oo, float[] c, int co, float[] dst, int d, int n);

    /** {@code dst[d + k] = e[eo + k] + a * (o[oo + k] - e[eo + k])}, k < n: one weight. */
    void lerp(float[] e, int eo, float[] o, int oo, float a, float[] dst, int d, int n);

    /**
     * Two tile rows into a pixel already blended from earlier columns: {@code v = p0 + a (p1 - p0)}, then
     * {@code h += c[co + k] (v - h)}, in {@code h[ho + k]}, k < n.
     */
    void lerpTwice(float[] h, int ho, float[] p0, int o0, float[] p1, int o1, float a, float[] c, int co, int n);

    /** Plain loops (the JVM without {@code jdk.incubator.vector}, or {@code -Dhubmap.simd=off}). */
    final class Scalar implements BlendKernel {

        @Override
        public void lerp(float[] e, int eo, float[] o, int oo, float[] c, int co, float[] dst, int d, int n) {
            for (int k = 0; k < n; k++) {
                float f = e[eo + k];
                dst[d + k] = f + c[co + k] * (o[oo + k] - f);
            }
        }

        @Override
        public void lerp(float[] e, int eo, float[] o, int oo, float a, float[] dst, int d, int n) {
            for (int k = 0; k < n; k++) {
                float f = e[eo + k];
                dst[d + k] = f + a * (o[oo + k] - f);
            }
        }

        @Override
        public void lerpTwice(float[] h, int ho, float[] p0, int o0, float[] p1, int o1, float a, float[] c, int co,
                              int n) {
            for (int k = 0; k < n; k++) {
                float f = p0[o0 + k];
                float v = f + a * (p1[o1 + k] - f);
                float g = h[ho + k];
                h[ho + k] = g + c[co + k] * (v - g);
            }
        }
    }
}
