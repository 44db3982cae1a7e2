package io.github.hubmapseg.pipeline.augment;

import java.util.random.RandomGenerator;

/**
 * Piecewise affine distortion as albumentations' {@code PiecewiseAffine} (its port of imgaug's
 * {@code PiecewiseAffine}, which the 3rd place's {@code IAAPiecewiseAffine(p=0.3)} wraps, defaults): a regular
 * {@code rows x cols} grid of points {@code x = linspace(0, w, cols)}, {@code y = linspace(0, h, rows)}, each moved by
 * a normal jitter of standard deviation {@code scale * h} (y) and {@code scale * w} (x), {@code scale} uniform in
 * {@code [scaleMin, scaleMax]}; the output pixel at a grid-mesh point samples the input at its jittered point,
 * affinely inside each triangle of the mesh (skimage's {@code PiecewiseAffineTransform} + {@code warp}, the
 * transform used as the inverse map). Image: bilinear, zero outside the input (skimage {@code order=1},
 * {@code mode='constant'}, i.e. scipy's {@code grid-constant}); mask: nearest, zero outside ({@code order=0}).
 * No jitter above zero leaves the tile unchanged, as there.
 * <p><b>Difference, stated:</b> every grid cell is a rectangle, whose four corners lie on one circle, so its
 * Delaunay triangulation is ambiguous; skimage takes qhull's, which picks each cell's diagonal by floating-point
 * accident and differs between tile sizes (a 4 x 4 grid on 512 and on 768 pixels gives other patterns). Here every
 * cell is cut along its main diagonal (top-left to bottom-right) unless a {@link Mesh} says otherwise; with the same
 * diagonals the transform and the pixels equal skimage's ({@code PiecewiseAffineTest}).
 *
 * @param scaleMin lower end of the jitter's standard deviation, a fraction of the side (default 0.03)
 * @param scaleMax upper end (default 0.05)
 * @param rows     grid rows, {@code >= 2} (default 4)
 * @param cols     grid columns, {@code >= 2} (default 4)
 * @param p        probability (default 0.5; the 3rd place 0.3 inside a OneOf)
 */
public record PiecewiseAffine(double scaleMin, double scaleMax, int rows, int cols, double p) implements Augmentation {

    /** Validates. */
    public PiecewiseAffine {
        Checks.nonNegative("PiecewiseAffine", "scaleMin", scaleMin);
        if (!(scaleMax >= scaleMin) || scaleMax > 1) {
            throw new IllegalArgumentException("PiecewiseAffine: scaleMax must be in [scaleMin " + scaleMin
                    + ", 1], got " + scaleMax);
        }
        if (rows < 2 || cols < 2 || rows > 64 || cols > 64) {
            throw new IllegalArgumentException("PiecewiseAffine: the grid must be 2..64 x 2..64 points, got " + rows
                    + " x " + cols);
        }
        Checks.probability("PiecewiseAffine", p);
    }

    /** albumentations' / imgaug's defaults: scale 0.03..0.05, 4 x 4 points, with probability {@code p}. */
    public static PiecewiseAffine defaults(double p) {
        return new PiecewiseAffine(0.03, 0.05, 4, 4, p);
    }

    @Override
    public void transform(Tile tile, RandomGenerator rng) {
        double scale = Checks.uniform(rng, scaleMin, scaleMax);
        int n = rows * cols;
        double[] jy = new double[n];
        double[] jx = new double[n];
        boolean any = false;
        for (int i = 0; i < n; i++) {
            jy[i] = scale * rng.nextGaussian();
            jx[i] = scale * rng.nextGaussian();
            any |= jy[i] > 0 || jx[i] > 0;
        }
        if (!any) {
            return;
        }
        int h = tile.height();
        int w = tile.width();
        for (int i = 0; i < n; i++) {
            jy[i] *= h;
            jx[i] *= w;
        }
        Mesh.of(h, w, rows, cols, jx, jy, null).warp(tile);
    }

    /**
     * The mesh of one draw: source grid points, their jittered destinations and each cell's diagonal.
     *
     * @param h        tile height
     * @param w        tile width
     * @param rows     grid rows
     * @param cols     grid columns
     * @param gx       grid x ({@code linspace(0, w, cols)})
     * @param gy       grid y ({@code linspace(0, h, rows)})
     * @param dx       destination x of each point, row-major
     * @param dy       destination y of each point, row-major
     * @param anti     per cell (row-major, {@code (rows-1) x (cols-1)}): cut along the anti-diagonal (top-right to
     *                 bottom-left) instead of the main one
     */
    record Mesh(int h, int w, int rows, int cols, double[] gx, double[] gy, double[] dx, double[] dy, boolean[] anti) {

        /** A mesh from pixel jitters ({@code jx, jy} per point, row-major) and optional anti-diagonal cells. */
        static Mesh of(int h, int w, int rows, int cols, double[] jx, double[] jy, boolean[] anti) {
            double[] gx = linspace(w, cols);
            double[] gy = linspace(h, rows);
            double[] dx = new double[rows * cols];
            double[] dy = new double[rows * cols];
            for (int r = 0, i = 0; r < rows; r++) {
                for (int c = 0; c < cols; c++, i++) {
                    dx[i] = gx[c] + jx[i];
                    dy[i] = gy[r] + jy[i];
                }
            }
            return new Mesh(h, w, rows, cols, gx, gy, dx, dy,
                    anti == null ? new boolean[(rows - 1) * (cols - 1)] : anti.clone());
        }

        /** numpy's {@code linspace(0, stop, num)}: {@code i * (stop / (num - 1))}, the last point exactly stop. */
        static double[] linspace(double stop, int num) {
            double step = stop / (num - 1);
            double[] out = new double[num];
            for (int i = 0; i < num; i++) {
                out[i] = i * step;
            }
            out[num - 1] = stop;
            return out;
        }

        /** Writes the source (input) coordinates of output point {@code (x, y)} into {@code out}: {x, y}. */
        void map(double x, double y, double[] out) {
            int c = cell(gx, x);
            int r = cell(gy, y);
            double u = (x - gx[c]) / (gx[c + 1] - gx[c]);
            double v = (y - gy[r]) / (gy[r + 1] - gy[r]);
            int i00 = r * cols + c;
            int i01 = i00 + 1;
            int i10 = i00 + cols;
            int i11 = i10 + 1;
            // barycentric weights of (u, v) in the cell's triangle; the map is affine inside it
            double a;
            double b;
            double cc;
            int pa;
            int pb;
            int pc;
            if (!anti[r * (cols - 1) + c]) { // main diagonal 00-11
                if (u >= v) { // triangle 00, 01, 11
                    pa = i00; pb = i01; pc = i11;
                    a = 1 - u; b = u - v; cc = v;
                } else { // triangle 00, 10, 11
                    pa = i00; pb = i10; pc = i11;
                    a = 1 - v; b = v - u; cc = u;
                }
            } else { // anti-diagonal 01-10
                if (u + v <= 1) { // triangle 00, 01, 10
                    pa = i00; pb = i01; pc = i10;
                    a = 1 - u - v; b = u; cc = v;
                } else { // triangle 11, 01, 10
                    pa = i11; pb = i01; pc = i10;
                    a = u + v - 1; b = 1 - v; cc = 1 - u;
                }
            }
            out[0] = a * dx[pa] + b * dx[pb] + cc * dx[pc];
            out[1] = a * dy[pa] + b * dy[pb] + cc * dy[pc];
        }

        private static int cell(double[] g, double v) {
            int k = 0;
            while (k < g.length - 2 && v >= g[k + 1]) {
                k++;
            }
            return k;
        }

        /** Resamples the tile: bilinear image and nearest mask, zero outside the input. */
        void warp(Tile tile) {
            int ch = tile.channels();
            float[] src = tile.image();
            byte[] srcMask = tile.mask();
            float[] dst = tile.scratchImage(h, w);
            byte[] dstMask = tile.scratchMask(h, w);
            int plane = h * w;
            double[] s = new double[2];
            for (int y = 0; y < h; y++) {
                for (int x = 0; x < w; x++) {
                    map(x, y, s);
                    int o = y * w + x;
                    double fx = Math.floor(s[0]);
                    double fy = Math.floor(s[1]);
                    int x0 = (int) fx;
                    int y0 = (int) fy;
                    double ax = s[0] - fx;
                    double ay = s[1] - fy;
                    double w00 = (1 - ax) * (1 - ay);
                    double w01 = ax * (1 - ay);
                    double w10 = (1 - ax) * ay;
                    double w11 = ax * ay;
                    for (int c = 0, po = 0; c < ch; c++, po += plane) {
                        double v = w00 * at(src, po, x0, y0) + w01 * at(src, po, x0 + 1, y0)
                                + w10 * at(src, po, x0, y0 + 1) + w11 * at(src, po, x0 + 1, y0 + 1);
                        dst[po + o] = (float) v;
                    }
                    if (srcMask != null) {
                        int xn = (int) Math.floor(s[0] + 0.5);
                        int yn = (int) Math.floor(s[1] + 0.5);
                        dstMask[o] = xn >= 0 && yn >= 0 && xn < w && yn < h ? srcMask[yn * w + xn] : 0;
                    }
                }
            }
            tile.replace(dst, dstMask, h, w);
        }

        private double at(float[] img, int plane, int x, int y) {
            return x >= 0 && y >= 0 && x < w && y < h ? img[plane + y * w + x] : 0;
        }
    }
}
