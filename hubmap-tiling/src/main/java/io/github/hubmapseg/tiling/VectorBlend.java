package io.github.hubmapseg.tiling;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;

/**
 * {@link BlendKernel} on the Vector API ({@code jdk.incubator.vector}), loaded by {@link Vectorization} only
 * when the module is present: the same operations in the same order as {@link BlendKernel.Scalar}, on
 * {@link FloatVector#SPECIES_PREFERRED} lanes, the last {@code n mod lanes} pixels by the scalar loop.
 */
final class VectorBlend implements BlendKernel {

    private static final VectorSpecies<Float> F = FloatVector.SPECIES_PREFERRED;
    private static final BlendKernel TAIL = new BlendKernel.Scalar();

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
    public void lerpTwice(float[] h, int ho, float[] p0, int o0, float[] p1, int o1, float a, float[] c, int co,
                          int n) {
        int end = F.loopBound(n);
        int k = 0;
        for (; k < end; k += F.length()) {
            FloatVector f = FloatVector.fromArray(F, p0, o0 + k);
            FloatVector v = f.add(FloatVector.fromArray(F, p1, o1 + k).sub(f).mul(a));
            FloatVector g = FloatVector.fromArray(F, h, ho + k);
            g.add(FloatVector.fromArray(F, c, co + k).mul(v.sub(g))).intoArray(h, ho + k);
        }
        if (k < n) {
            TAIL.lerpTwice(h, ho + k, p0, o0 + k, p1, o1 + k, a, c, co + k, n - k);
        }
    }
}
