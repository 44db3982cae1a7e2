package io.github.hubmapseg.tiling;

import jdk.incubator.vector.ByteVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorShape;
import jdk.incubator.vector.VectorShuffle;
import jdk.incubator.vector.VectorSpecies;

/**
 * {@link ConvertKernel} on the Vector API (loaded by name through {@link Vectorization}): L = the preferred float
 * lanes (16 with AVX-512) bytes per step, widened to ints ({@code B2I}), masked to 0..255, converted to floats
 * ({@code I2F}, exact). Interleaved pixels of 2 to 4 channels: the C vectors of L bytes holding L pixels are
 * loaded once; each channel's L bytes are gathered from them by C in-vector shuffles ({@code rearrange}, one
 * {@code pshufb} each at 128 bits) and C - 1 {@code blend}s, then converted. More channels, tails shorter than L,
 * and shapes with fewer than 8 float lanes run the scalar loops.
 */
final class VectorConvert implements ConvertKernel {

    private static final VectorSpecies<Float> F = FloatVector.SPECIES_PREFERRED;
    private static final VectorSpecies<Integer> I = IntVector.SPECIES_PREFERRED;
    private static final int L = F.length();
    /** L bytes: the byte vector that widens to one float vector (64 bits at least, so L >= 8). */
    private static final VectorSpecies<Byte> B = L >= 8 ? VectorSpecies.of(byte.class, VectorShape.forBitSize(8 * L))
            : null;
    /** Most channels of the vector deinterleave. */
    static final int MAX_CHANNELS = 4;
    /*
     * Per channel count C: SH_C[c][p] moves lane (k * C + c) % L of part p (the p-th vector of L bytes) to lane k,
     * for the lanes k where (k * C + c) / L == p, which MK_C[c][p] selects. One 2-D array per C, static final:
     * measured, a shared 3-D array made the loop 2.5x slower (its shuffles were not hoisted out of the loop).
     */
    private static final VectorShuffle<Byte>[][] SH2 = shuffles(2);
    private static final VectorMask<Byte>[][] MK2 = masks(2);
    private static final VectorShuffle<Byte>[][] SH3 = shuffles(3);
    private static final VectorMask<Byte>[][] MK3 = masks(3);
    private static final VectorShuffle<Byte>[][] SH4 = shuffles(4);
    private static final VectorMask<Byte>[][] MK4 = masks(4);

    private final ConvertKernel scalar = new ConvertKernel.Scalar();

    public VectorConvert() {
    }

    /** True when this JVM's vector shape is wide enough (8 float lanes or more): else everything runs scalar. */
    static boolean wide() {
        return B != null;
    }

    @SuppressWarnings("unchecked")
    private static VectorShuffle<Byte>[][] shuffles(int ch) {
        if (B == null) {
            return null;
        }
        VectorShuffle<Byte>[][] s = new VectorShuffle[ch][ch];
        for (int c = 0; c < ch; c++) {
            for (int p = 0; p < ch; p++) {
                int[] idx = new int[L];
                for (int k = 0; k < L; k++) {
                    int b = k * ch + c;
                    idx[k] = b / L == p ? b % L : 0;
                }
                s[c][p] = VectorShuffle.fromArray(B, idx, 0);
            }
        }
        return s;
    }

    @SuppressWarnings("unchecked")
    private static VectorMask<Byte>[][] masks(int ch) {
        if (B == null) {
            return null;
        }
        VectorMask<Byte>[][] m = new VectorMask[ch][ch];
        for (int c = 0; c < ch; c++) {
            for (int p = 0; p < ch; p++) {
                boolean[] on = new boolean[L];
                for (int k = 0; k < L; k++) {
                    on[k] = (k * ch + c) / L == p;
                }
                m[c][p] = VectorMask.fromArray(B, on, 0);
            }
        }
        return m;
    }

    /** L bytes (any lanes of v) as floats 0..255 at dst[d]. */
    private static void store(ByteVector v, float[] dst, int d) {
        IntVector i = ((IntVector) v.convertShape(VectorOperators.B2I, I, 0)).and(0xFF);
        ((FloatVector) i.convertShape(VectorOperators.I2F, F, 0)).intoArray(dst, d);
    }

    @Override
    public void planar(byte[] src, int s, float[] dst, int d, int n) {
        if (B == null) {
            scalar.planar(src, s, dst, d, n);
            return;
        }
        int i = 0;
        for (int end = n - L; i <= end; i += L) {
            store(ByteVector.fromArray(B, src, s + i), dst, d + i);
        }
        for (; i < n; i++) {
            dst[d + i] = src[s + i] & 0xFF;
        }
    }

    @Override
    public void chunky(byte[] src, int s, int channels, float[] dst, int d, int plane, int n) {
        if (channels == 1) {
            planar(src, s, dst, d, n);
            return;
        }
        if (B == null || channels > MAX_CHANNELS) {
            scalar.chunky(src, s, channels, dst, d, plane, n);
            return;
        }
        int done = switch (channels) {
            case 2 -> chunky2(src, s, dst, d, plane, n);
            case 3 -> chunky3(src, s, dst, d, plane, n);
            default -> chunky4(src, s, dst, d, plane, n);
        };
        if (done < n) {
            scalar.chunky(src, s + done * channels, channels, dst, d + done, plane, n - done);
        }
    }

    /** Whole steps of L pixels, 2 channels; returns the pixels done. */
    private static int chunky2(byte[] src, int s, float[] dst, int d, int plane, int n) {
        int i = 0;
        for (int end = n - L; i <= end; i += L) {
            int q = s + i * 2;
            ByteVector v0 = ByteVector.fromArray(B, src, q);
            ByteVector v1 = ByteVector.fromArray(B, src, q + L);
            for (int c = 0; c < 2; c++) {
                ByteVector r = v0.rearrange(SH2[c][0]).blend(v1.rearrange(SH2[c][1]), MK2[c][1]);
                store(r, dst, d + c * plane + i);
            }
        }
        return i;
    }

    /** Whole steps of L pixels, 3 channels (RGB); returns the pixels done. */
    private static int chunky3(byte[] src, int s, float[] dst, int d, int plane, int n) {
        int i = 0;
        for (int end = n - L; i <= end; i += L) {
            int q = s + i * 3;
            ByteVector v0 = ByteVector.fromArray(B, src, q);
            ByteVector v1 = ByteVector.fromArray(B, src, q + L);
            ByteVector v2 = ByteVector.fromArray(B, src, q + 2 * L);
            for (int c = 0; c < 3; c++) {
                ByteVector r = v0.rearrange(SH3[c][0]).blend(v1.rearrange(SH3[c][1]), MK3[c][1])
                        .blend(v2.rearrange(SH3[c][2]), MK3[c][2]);
                store(r, dst, d + c * plane + i);
            }
        }
        return i;
    }

    /** Whole steps of L pixels, 4 channels (RGBA); returns the pixels done. */
    private static int chunky4(byte[] src, int s, float[] dst, int d, int plane, int n) {
        int i = 0;
        for (int end = n - L; i <= end; i += L) {
            int q = s + i * 4;
            ByteVector v0 = ByteVector.fromArray(B, src, q);
            ByteVector v1 = ByteVector.fromArray(B, src, q + L);
            ByteVector v2 = ByteVector.fromArray(B, src, q + 2 * L);
            ByteVector v3 = ByteVector.fromArray(B, src, q + 3 * L);
            for (int c = 0; c < 4; c++) {
                ByteVector r = v0.rearrange(SH4[c][0]).blend(v1.rearrange(SH4[c][1]), MK4[c][1])
                        .blend(v2.rearrange(SH4[c][2]), MK4[c][2]).blend(v3.rearrange(SH4[c][3]), MK4[c][3]);
                store(r, dst, d + c * plane + i);
            }
        }
        return i;
    }
}
