package io.github.hubmapseg.pipeline.augment;

import java.util.random.RandomGenerator;

/**
 * Contrast-limited adaptive histogram equalisation as albumentations' {@code CLAHE} (3rd place:
 * {@code CLAHE(clip_limit=2)}, i.e. a clip limit uniform in {@code [1, 2]}, an 8 x 8 tile grid): the image is
 * rounded to uint8 (albumentations works on uint8 images and refuses others), converted to CIE L*a*b*, L is
 * equalised by {@link #equalize}, which is OpenCV's {@code createCLAHE(clip, grid).apply} on a uint8 channel to
 * the number, and the result converted back to RGB and rounded to uint8. Mask untouched.
 * <p><b>Difference, stated:</b> albumentations converts with OpenCV's 8-bit {@code cvtColor(RGB2LAB/LAB2RGB)},
 * which is fixed-point (integer tables); here the conversion is CIE's formulas in double precision (sRGB, D65,
 * OpenCV's matrix and white point), with L, a, b rounded to OpenCV's uint8 encoding ({@code L*255/100},
 * {@code a+128}, {@code b+128}) as the 8-bit path stores them. {@code ClaheTest} measures the difference against
 * cv2 4.6 and bounds it.
 *
 * @param clipLimitMin lower end of the clip limit, {@code > 0} (albumentations draws it uniformly; default 1)
 * @param clipLimitMax upper end, {@code >= clipLimitMin} (3rd place 2; albumentations default 4)
 * @param tilesX       tile grid columns, {@code >= 1} (default 8)
 * @param tilesY       tile grid rows, {@code >= 1} (default 8)
 * @param p            probability (albumentations default 0.5)
 */
public record Clahe(double clipLimitMin, double clipLimitMax, int tilesX, int tilesY, double p) implements Augmentation {

    /** Validates. */
    public Clahe {
        Checks.positive("Clahe", "clipLimitMin", clipLimitMin);
        if (!(clipLimitMax >= clipLimitMin) || Double.isInfinite(clipLimitMax)) {
            throw new IllegalArgumentException("Clahe: clipLimitMax must be finite and >= clipLimitMin " + clipLimitMin
                    + ", got " + clipLimitMax);
        }
        if (tilesX < 1 || tilesY < 1 || tilesX > 256 || tilesY > 256) {
            throw new IllegalArgumentException("Clahe: the tile grid must be 1..256 x 1..256, got " + tilesX + " x "
                    + tilesY);
        }
        Checks.probability("Clahe", p);
    }

    /** albumentations' {@code CLAHE(clip_limit=c)}: clip uniform in {@code [1, c]}, 8 x 8 tiles, p 0.5. */
    public static Clahe of(double clipLimit) {
        return new Clahe(1, clipLimit, 8, 8, 0.5);
    }

    @Override
    public void transform(Tile tile, RandomGenerator rng) {
        double clip = Checks.uniform(rng, clipLimitMin, clipLimitMax);
        apply(tile, clip);
    }

    /** Equalises the tile's image with a given clip limit (RGB through L*a*b*, one channel directly). */
    void apply(Tile tile, double clip) {
        int h = tile.height();
        int w = tile.width();
        int n = h * w;
        float[] img = tile.image();
        if (tile.channels() == 1) {
            int[] c = new int[n];
            for (int i = 0; i < n; i++) {
                c[i] = toByte(img[i]);
            }
            int[] out = equalize(c, h, w, clip, tilesX, tilesY);
            for (int i = 0; i < n; i++) {
                img[i] = out[i];
            }
            return;
        }
        if (tile.channels() != 3) {
            throw new IllegalArgumentException("Clahe needs an RGB or one-channel tile, got " + tile.channels()
                    + " channels");
        }
        int[] l = new int[n];
        int[] a = new int[n];
        int[] b = new int[n];
        double[] lab = new double[3];
        for (int i = 0; i < n; i++) {
            Lab.fromRgb(toByte(img[i]), toByte(img[n + i]), toByte(img[2 * n + i]), lab);
            l[i] = clamp((int) Math.rint(lab[0] * 255 / 100));
            a[i] = clamp((int) Math.rint(lab[1] + 128));
            b[i] = clamp((int) Math.rint(lab[2] + 128));
        }
        int[] eq = equalize(l, h, w, clip, tilesX, tilesY);
        double[] rgb = new double[3];
        for (int i = 0; i < n; i++) {
            Lab.toRgb(eq[i] * 100.0 / 255, a[i] - 128, b[i] - 128, rgb);
            img[i] = clamp((int) Math.rint(rgb[0] * 255));
            img[n + i] = clamp((int) Math.rint(rgb[1] * 255));
            img[2 * n + i] = clamp((int) Math.rint(rgb[2] * 255));
        }
    }

    private static int toByte(float v) {
        return clamp((int) Math.rint(v));
    }

    private static int clamp(int v) {
        return v < 0 ? 0 : Math.min(v, 255);
    }

    /**
     * OpenCV's CLAHE of a uint8 channel ({@code cv::createCLAHE(clipLimit, Size(tilesX, tilesY))->apply}),
     * reproduced step by step: a channel whose sides are not multiples of the grid is extended at the bottom and
     * right by reflect-101 (by a whole tile where a side already divides); per tile a 256-bin histogram, clipped
     * at {@code max(1, (int) (clip * tileArea / 256))} with the excess spread evenly and its remainder one by one
     * at a stride of {@code max(256 / remainder, 1)}; a lookup table {@code round(cumsum * (255f / tileArea))};
     * each pixel bilinearly interpolated between the tables of the four nearest tile centres, in float as OpenCV
     * does, and rounded half to even. {@code clip <= 0} disables clipping.
     *
     * @param src    values 0..255, row-major {@code h x w}
     * @param h      height
     * @param w      width
     * @param clip   clip limit (OpenCV's {@code clipLimit})
     * @param tilesX grid columns
     * @param tilesY grid rows
     * @return the equalised channel
     */
    public static int[] equalize(int[] src, int h, int w, double clip, int tilesX, int tilesY) {
        if (src.length != (long) h * w || h < 1 || w < 1) {
            throw new IllegalArgumentException("Clahe: channel of " + src.length + " values is not " + h + " x " + w);
        }
        int th;
        int tw;
        int eh = h;
        int ew = w;
        int[] lutSrc = src;
        if (w % tilesX == 0 && h % tilesY == 0) {
            tw = w / tilesX;
            th = h / tilesY;
        } else {
            eh = h + tilesY - h % tilesY;
            ew = w + tilesX - w % tilesX;
            lutSrc = new int[eh * ew];
            for (int y = 0; y < eh; y++) {
                int sy = Warp.reflect101(y, h);
                for (int x = 0; x < ew; x++) {
                    lutSrc[y * ew + x] = src[sy * w + Warp.reflect101(x, w)];
                }
            }
            tw = ew / tilesX;
            th = eh / tilesY;
        }
        int area = tw * th;
        float lutScale = 255f / area;
        int limit = 0;
        if (clip > 0) {
            limit = Math.max((int) (clip * area / 256), 1);
        }
        int[][] lut = new int[tilesX * tilesY][256];
        int[] hist = new int[256];
        for (int ty = 0; ty < tilesY; ty++) {
            for (int tx = 0; tx < tilesX; tx++) {
                java.util.Arrays.fill(hist, 0);
                for (int y = ty * th; y < (ty + 1) * th; y++) {
                    for (int x = tx * tw, o = y * ew + x; x < (tx + 1) * tw; x++, o++) {
                        hist[lutSrc[o]]++;
                    }
                }
                if (limit > 0) {
                    int clipped = 0;
                    for (int i = 0; i < 256; i++) {
                        if (hist[i] > limit) {
                            clipped += hist[i] - limit;
                            hist[i] = limit;
                        }
                    }
                    int batch = clipped / 256;
                    int residual = clipped - batch * 256;
                    for (int i = 0; i < 256; i++) {
                        hist[i] += batch;
                    }
                    if (residual != 0) {
                        int step = Math.max(256 / residual, 1);
                        for (int i = 0; i < 256 && residual > 0; i += step, residual--) {
                            hist[i]++;
                        }
                    }
                }
                int[] t = lut[ty * tilesX + tx];
                int sum = 0;
                for (int i = 0; i < 256; i++) {
                    sum += hist[i];
                    t[i] = clamp((int) Math.rint(sum * lutScale));
                }
            }
        }
        float invTw = 1.0f / tw;
        float invTh = 1.0f / th;
        int[] x1 = new int[w];
        int[] x2 = new int[w];
        float[] xa = new float[w];
        float[] xa1 = new float[w];
        for (int x = 0; x < w; x++) {
            float txf = x * invTw - 0.5f;
            int t1 = (int) Math.floor(txf);
            xa[x] = txf - t1;
            xa1[x] = 1.0f - xa[x];
            x1[x] = Math.max(t1, 0);
            x2[x] = Math.min(t1 + 1, tilesX - 1);
        }
        int[] out = new int[h * w];
        for (int y = 0; y < h; y++) {
            float tyf = y * invTh - 0.5f;
            int t1 = (int) Math.floor(tyf);
            float ya = tyf - t1;
            float ya1 = 1.0f - ya;
            int y1 = Math.max(t1, 0) * tilesX;
            int y2 = Math.min(t1 + 1, tilesY - 1) * tilesX;
            for (int x = 0; x < w; x++) {
                int v = src[y * w + x];
                float res = (lut[y1 + x1[x]][v] * xa1[x] + lut[y1 + x2[x]][v] * xa[x]) * ya1
                        + (lut[y2 + x1[x]][v] * xa1[x] + lut[y2 + x2[x]][v] * xa[x]) * ya;
                out[y * w + x] = clamp((int) Math.rint(res));
            }
        }
        return out;
    }

    /** CIE L*a*b* of sRGB (D65) with OpenCV's matrix and white point, in double precision. */
    static final class Lab {
        private static final double[] RGB2XYZ = {
            0.412453, 0.357580, 0.180423,
            0.212671, 0.715160, 0.072169,
            0.019334, 0.119193, 0.950227};
        private static final double[] XYZ2RGB = {
            3.240479, -1.53715, -0.498535,
            -0.969256, 1.875991, 0.041556,
            0.055648, -0.204043, 1.057311};
        private static final double XN = 0.950456;
        private static final double ZN = 1.088754;
        private static final double T = 0.008856;

        private Lab() {
        }

        /** L in 0..100, a and b around 0, from 8-bit sRGB. */
        static void fromRgb(int r8, int g8, int b8, double[] lab) {
            double r = gamma(r8 / 255.0);
            double g = gamma(g8 / 255.0);
            double b = gamma(b8 / 255.0);
            double x = (RGB2XYZ[0] * r + RGB2XYZ[1] * g + RGB2XYZ[2] * b) / XN;
            double y = RGB2XYZ[3] * r + RGB2XYZ[4] * g + RGB2XYZ[5] * b;
            double z = (RGB2XYZ[6] * r + RGB2XYZ[7] * g + RGB2XYZ[8] * b) / ZN;
            double fx = f(x);
            double fy = f(y);
            double fz = f(z);
            lab[0] = y > T ? 116 * fy - 16 : 903.3 * y;
            lab[1] = 500 * (fx - fy);
            lab[2] = 200 * (fy - fz);
        }

        /** sRGB in 0..1 (not clipped) from L*a*b*. */
        static void toRgb(double l, double a, double b, double[] rgb) {
            double y;
            double fy;
            if (l <= 903.3 * T) {
                y = l / 903.3;
                fy = 7.787 * y + 16.0 / 116;
            } else {
                fy = (l + 16) / 116;
                y = fy * fy * fy;
            }
            double fx = a / 500 + fy;
            double fz = fy - b / 200;
            double x = XN * finv(fx);
            double z = ZN * finv(fz);
            for (int c = 0; c < 3; c++) {
                double v = XYZ2RGB[3 * c] * x + XYZ2RGB[3 * c + 1] * y + XYZ2RGB[3 * c + 2] * z;
                rgb[c] = ungamma(Math.min(1, Math.max(0, v)));
            }
        }

        private static double f(double t) {
            return t > T ? Math.cbrt(t) : 7.787 * t + 16.0 / 116;
        }

        private static double finv(double f) {
            return f > 0.206893 ? f * f * f : (f - 16.0 / 116) / 7.787;
        }

        private static double gamma(double v) {
            return v <= 0.04045 ? v / 12.92 : Math.pow((v + 0.055) / 1.055, 2.4);
        }

        private static double ungamma(double v) {
            return v <= 0.0031308 ? 12.92 * v : 1.055 * Math.pow(v, 1 / 2.4) - 0.055;
        }
    }
}
