package io.github.hubmapseg.pipeline.augment;

/**
 * Resampling kernels shared by the geometric augmentations. Pixel centres are at integer coordinates;
 * source coordinates outside the tile are mirrored with reflect-101 ({@code -1 -> 1}, {@code n -> n-2},
 * OpenCV's {@code BORDER_REFLECT_101}); the image is sampled bilinearly, the mask by nearest neighbour
 * ({@code floor(s + 0.5)}).
 */
final class Warp {

    private Warp() {
    }

    /** Reflect-101 of an index into {@code [0, n)}. */
    static int reflect101(int i, int n) {
        if (i >= 0 && i < n) {
            return i;
        }
        if (n == 1) {
            return 0;
        }
        int period = 2 * n - 2;
        i = Math.floorMod(i, period);
        return i < n ? i : period - i;
    }

    /** Source coordinates of an output pixel. */
    interface Mapping {
        /** Writes the source x into {@code out[0]} and y into {@code out[1]} for output pixel (x, y). */
        void source(int x, int y, double[] out);
    }

    /** Resamples the tile to {@code outH x outW} through a mapping from output to source coordinates. */
    static void remap(Tile tile, Mapping mapping, int outH, int outW) {
        int c = tile.channels();
        int h = tile.height();
        int w = tile.width();
        float[] src = tile.image();
        byte[] srcMask = tile.mask();
        float[] dst = tile.scratchImage(outH, outW);
        byte[] dstMask = tile.scratchMask(outH, outW);
        int plane = h * w;
        int outPlane = outH * outW;
        double[] s = new double[2];
        for (int y = 0; y < outH; y++) {
            for (int x = 0; x < outW; x++) {
                mapping.source(x, y, s);
                double sx = s[0];
                double sy = s[1];
                int o = y * outW + x;
                double fxf = Math.floor(sx);
                double fyf = Math.floor(sy);
                int x0 = (int) fxf;
                int y0 = (int) fyf;
                float fx = (float) (sx - fxf);
                float fy = (float) (sy - fyf);
                int i00;
                int i01;
                int i10;
                int i11;
                if (x0 >= 0 && y0 >= 0 && x0 + 1 < w && y0 + 1 < h) {
                    i00 = y0 * w + x0;
                    i01 = i00 + 1;
                    i10 = i00 + w;
                    i11 = i10 + 1;
                } else {
                    int xa = reflect101(x0, w);
                    int xb = reflect101(x0 + 1, w);
                    int ya = reflect101(y0, h) * w;
                    int yb = reflect101(y0 + 1, h) * w;
                    i00 = ya + xa;
                    i01 = ya + xb;
                    i10 = yb + xa;
                    i11 = yb + xb;
                }
                float w00 = (1 - fx) * (1 - fy);
                float w01 = fx * (1 - fy);
                float w10 = (1 - fx) * fy;
                float w11 = fx * fy;
                for (int ch = 0, po = 0, pd = 0; ch < c; ch++, po += plane, pd += outPlane) {
                    dst[pd + o] = w00 * src[po + i00] + w01 * src[po + i01] + w10 * src[po + i10] + w11 * src[po + i11];
                }
                if (srcMask != null) {
                    int xn = reflect101((int) Math.floor(sx + 0.5), w);
                    int yn = reflect101((int) Math.floor(sy + 0.5), h);
                    dstMask[o] = srcMask[yn * w + xn];
                }
            }
        }
        tile.replace(dst, dstMask, outH, outW);
    }

    /** Resamples through an inverse affine map {@code src = A * (x, y, 1)}, {@code A = {a00,a01,a02,a10,a11,a12}}. */
    static void affine(Tile tile, double[] a) {
        remap(tile, (x, y, out) -> {
            out[0] = a[0] * x + a[1] * y + a[2];
            out[1] = a[3] * x + a[4] * y + a[5];
        }, tile.height(), tile.width());
    }

    /** Resamples through per-pixel source maps (row-major {@code h*w}). */
    static void maps(Tile tile, float[] mapX, float[] mapY) {
        int w = tile.width();
        remap(tile, (x, y, out) -> {
            out[0] = mapX[y * w + x];
            out[1] = mapY[y * w + x];
        }, tile.height(), w);
    }

    /** Inverts a 2x3 affine matrix. */
    static double[] invert(double[] m) {
        double det = m[0] * m[4] - m[1] * m[3];
        if (Math.abs(det) < 1e-12) {
            throw new IllegalArgumentException("affine matrix is singular (det " + det + ")");
        }
        double i00 = m[4] / det;
        double i01 = -m[1] / det;
        double i10 = -m[3] / det;
        double i11 = m[0] / det;
        return new double[] {i00, i01, -(i00 * m[2] + i01 * m[5]), i10, i11, -(i10 * m[2] + i11 * m[5])};
    }
}
