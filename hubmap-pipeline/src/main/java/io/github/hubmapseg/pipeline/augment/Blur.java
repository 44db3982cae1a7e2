package io.github.hubmapseg.pipeline.augment;

/** Separable blurs on single planes with reflect-101 borders. */
final class Blur {

    private Blur() {
    }

    /** OpenCV's sigma for a kernel size when sigma is 0: {@code 0.3 * ((k - 1) * 0.5 - 1) + 0.8}. */
    static double opencvSigma(int ksize) {
        return 0.3 * ((ksize - 1) * 0.5 - 1) + 0.8;
    }

    /** Normalized 1-D Gaussian kernel of odd size {@code k}. */
    static float[] gaussianKernel(int k, double sigma) {
        float[] g = new float[k];
        double sum = 0;
        int r = k / 2;
        double[] d = new double[k];
        for (int i = 0; i < k; i++) {
            d[i] = Math.exp(-((i - r) * (i - r)) / (2 * sigma * sigma));
            sum += d[i];
        }
        for (int i = 0; i < k; i++) {
            g[i] = (float) (d[i] / sum);
        }
        return g;
    }

    /** Convolves one {@code h x w} plane starting at {@code off} with a separable kernel, in place. */
    static void separable(float[] a, int off, int h, int w, float[] k, float[] tmp) {
        int r = k.length / 2;
        // rows
        float[] line = new float[Math.max(h, w) + 2 * r];
        for (int y = 0; y < h; y++) {
            int base = off + y * w;
            for (int i = -r; i < w + r; i++) {
                line[i + r] = a[base + Warp.reflect101(i, w)];
            }
            for (int x = 0; x < w; x++) {
                float s = 0;
                for (int j = 0; j < k.length; j++) {
                    s += k[j] * line[x + j];
                }
                tmp[y * w + x] = s;
            }
        }
        // columns
        for (int x = 0; x < w; x++) {
            for (int i = -r; i < h + r; i++) {
                line[i + r] = tmp[Warp.reflect101(i, h) * w + x];
            }
            for (int y = 0; y < h; y++) {
                float s = 0;
                for (int j = 0; j < k.length; j++) {
                    s += k[j] * line[y + j];
                }
                a[off + y * w + x] = s;
            }
        }
    }

    /**
     * Approximate Gaussian blur of one plane by three successive box blurs whose total variance equals
     * {@code sigma^2} (the box widths are the odd integers around {@code sqrt(12 sigma^2 / 3 + 1)}).
     */
    static void gaussianApprox(float[] a, int h, int w, double sigma) {
        int[] sizes = boxSizes(sigma, 3);
        float[] tmp = new float[a.length];
        for (int s : sizes) {
            box(a, tmp, h, w, s / 2);
        }
    }

    static int[] boxSizes(double sigma, int n) {
        double ideal = Math.sqrt(12 * sigma * sigma / n + 1);
        int wl = (int) Math.floor(ideal);
        if (wl % 2 == 0) {
            wl--;
        }
        int wu = wl + 2;
        double mIdeal = (12 * sigma * sigma - n * wl * wl - 4.0 * n * wl - 3.0 * n) / (-4.0 * wl - 4);
        long m = Math.round(mIdeal);
        int[] sizes = new int[n];
        for (int i = 0; i < n; i++) {
            sizes[i] = i < m ? wl : wu;
        }
        return sizes;
    }

    /** Box blur of radius r (running sums), rows then columns, reflect-101 borders. */
    private static void box(float[] a, float[] tmp, int h, int w, int r) {
        if (r <= 0) {
            return;
        }
        float inv = 1f / (2 * r + 1);
        for (int y = 0; y < h; y++) {
            int base = y * w;
            double s = 0;
            for (int i = -r; i <= r; i++) {
                s += a[base + Warp.reflect101(i, w)];
            }
            for (int x = 0; x < w; x++) {
                tmp[base + x] = (float) (s * inv);
                s += a[base + Warp.reflect101(x + r + 1, w)] - a[base + Warp.reflect101(x - r, w)];
            }
        }
        for (int x = 0; x < w; x++) {
            double s = 0;
            for (int i = -r; i <= r; i++) {
                s += tmp[Warp.reflect101(i, h) * w + x];
            }
            for (int y = 0; y < h; y++) {
                a[y * w + x] = (float) (s * inv);
                s += tmp[Warp.reflect101(y + r + 1, h) * w + x] - tmp[Warp.reflect101(y - r, h) * w + x];
            }
        }
    }
}
