package io.github.hubmapseg.tiling;

/**
 * The window assembly's conversion of 8-bit samples to floats: {@code src & 0xFF} as a float, 0..255, exact (so
 * every implementation gives the same bits), from planar rows or from interleaved pixels (deinterleaved while
 * converting). A plain loop ({@link Scalar}) or the Vector API's ({@code VectorConvert}), picked once by
 * {@link Rasters#convert()}. Callers check the ranges; the kernels index the arrays as documented.
 */
interface ConvertKernel {

    /** {@code dst[d + i] = src[s + i] & 0xFF} for {@code i < n}. */
    void planar(byte[] src, int s, float[] dst, int d, int n);

    /**
     * {@code n} interleaved pixels of {@code channels} bytes from {@code src[s]} into channel planes
     * {@code plane} floats apart: {@code dst[d + c * plane + i] = src[s + i * channels + c] & 0xFF} for
     * {@code i < n, c < channels}.
     */
    void chunky(byte[] src, int s, int channels, float[] dst, int d, int plane, int n);

    /** The plain loops (HotSpot C2 of JDK 17 does not vectorise a byte -> float conversion). */
    final class Scalar implements ConvertKernel {

        @Override
        public void planar(byte[] src, int s, float[] dst, int d, int n) {
            for (int i = 0; i < n; i++) {
                dst[d + i] = src[s + i] & 0xFF;
            }
        }

        @Override
        public void chunky(byte[] src, int s, int channels, float[] dst, int d, int plane, int n) {
            for (int c = 0; c < channels; c++) {
                int b = s + c;
                int o = d + c * plane;
                for (int i = 0; i < n; i++) {
                    dst[o + i] = src[b + i * channels] & 0xFF;
                }
            }
        }
    }
}
