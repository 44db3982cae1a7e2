package io.github.hubmapseg.tiling;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;

/**
 * {@link BlendKernel} on the Vector API ({@code jdk.incubator.vector}), loaded by {@link Vectorization} only
 * when the module is present: the same operations in the same order as {@link BlendKernel.Scalar}, on
 * {@link FloatVector#SPECIES_PREFERRED} lanes, the last {@code n mod lanes} pixels by the scalar loop.
 */
final class VectorBlend implements BlendKernel {

    private static final VectorSpecies<Float> F = species();
    private static final BlendKernel TAIL = new BlendKernel.Scalar();

    private static VectorSpecies<Float> species() {
        String bits = System.getProperty("hubmap.stitch.bits", "");
        return bits.isEmpty() ? FloatVector.SPECIES_PREFERRED
                : VectorSpecies.of(float.class, jdk.incubator.vector.VectorShape.forBitSize(Integer.parseInt(bits)));
    }

    public VectorBlend() {
    }

    @Override
    public void lerp(float[] e, int eo, float[] o, int oo, float[] c, int co, float[] dst, int d, int n) {
        int end = F.loopBound(n);
        int k = 0;
        for (; k < end; k += F.length()) {
            FloatVector f = FloatVector.fromArray(F, e, eo + k);
            FloatVector g = FloatVector.fromArray(F, o, oo + k);
            f.add(FloatVector.fromArray(F, c, co + k).mul(g.sub(f))).intoArray(dst, d + k);
        }
        if (k < n) {
            TAIL.lerp(e, eo + k, o, oo + k, c, co + k, dst, d + k, n - k);
        }
    }

    @Override
    public void lerp(float[] e, int eo, float[] o, int oo, float a, float[] dst, int d, int n) {
        int end = F.loopBound(n);
        int k = 0;
        for (; k < end; k += F.length()) {
            FloatVector f = FloatVector.fromArray(F, e, eo + k);
            FloatVector g = FloatVector.fromArray(F, o, oo + k);
            f.add(g.sub(f).mul(a)).intoArray(dst, d + k);
        }
        if (k < n) {
            TAIL.lerp(e, eo + k, o, oo + k, a, dst, d + k, n - k);
        }
    }

    @Override
    public void lerpRatio(float[] h, int ho, float[] p, int po, float q, float[] num, int no, float[] s, int so,
                          float[] cum, int co, int n) {
        int end = F.loopBound(n);
        int k = 0;
        for (; k < end; k += F.length()) {
            FloatVector c = FloatVector.fromArray(F, num, no + k)
                    .div(FloatVector.fromArray(F, s, so + k).mul(q).add(FloatVector.fromArray(F, cum, co + k)));
            FloatVector f = FloatVector.fromArray(F, h, ho + k);
            f.add(c.mul(FloatVector.fromArray(F, p, po + k).sub(f))).intoArray(h, ho + k);
        }
        if (k < n) {
            TAIL.lerpRatio(h, ho + k, p, po + k, q, num, no + k, s, so + k, cum, co + k, n - k);
        }
    }

    @Override
    public void lerp2x2(float[] e0, int e0o, float[] o0, int o0o, float[] e1, int e1o, float[] o1, int o1o,
                        float[] c, int co, float a, float[] dst, int d, int n) {
        int end = F.loopBound(n);
        int k = 0;
        for (; k < end; k += F.length()) {
            FloatVector cx = FloatVector.fromArray(F, c, co + k);
            FloatVector f0 = FloatVector.fromArray(F, e0, e0o + k);
            FloatVector g0 = f0.add(cx.mul(FloatVector.fromArray(F, o0, o0o + k).sub(f0)));
            FloatVector f1 = FloatVector.fromArray(F, e1, e1o + k);
            FloatVector g1 = f1.add(cx.mul(FloatVector.fromArray(F, o1, o1o + k).sub(f1)));
            g0.add(g1.sub(g0).mul(a)).intoArray(dst, d + k);
        }
        if (k < n) {
            TAIL.lerp2x2(e0, e0o + k, o0, o0o + k, e1, e1o + k, o1, o1o + k, c, co + k, a, dst, d + k, n - k);
        }
    }
}
