package io.github.hubmapseg.tiling;

/**
 * The 8 poses of the dihedral group D4 on a square {@code n x n} tile (test-time augmentation): optional
 * transpose, then optional horizontal and vertical flip. Arrays are row-major planes
 * {@code a[y * n + x]}; {@link #apply} and {@link #invert} work plane by plane on {@code planes}
 * consecutive planes.
 */
public enum D4 {
    /** No change. */
    IDENTITY(false, false, false),
    /** Mirror left-right. */
    HFLIP(false, true, false),
    /** Mirror top-bottom. */
    VFLIP(false, false, true),
    /** Rotation by 180 degrees. */
    ROT180(false, true, true),
    /** Swap x and y. */
    TRANSPOSE(true, false, false),
    /** Rotation by 90 degrees (transpose then horizontal flip). */
    ROT90(true, true, false),
    /** Rotation by 270 degrees (transpose then vertical flip). */
    ROT270(true, false, true),
    /** Anti-diagonal transpose. */
    ANTI_TRANSPOSE(true, true, true);

    private final boolean transpose;
    private final boolean flipX;
    private final boolean flipY;

    D4(boolean transpose, boolean flipX, boolean flipY) {
        this.transpose = transpose;
        this.flipX = flipX;
        this.flipY = flipY;
    }

    /** Source index in the original plane of pixel {@code (x, y)} of the transformed plane. */
    private int source(int x, int y, int n) {
        int a = flipX ? n - 1 - x : x;
        int b = flipY ? n - 1 - y : y;
        return transpose ? a * n + b : b * n + a;
    }

    /** {@code dst = pose(src)} for {@code planes} planes of {@code n x n}. */
    public void apply(float[] src, int srcOff, float[] dst, int dstOff, int n, int planes) {
        for (int p = 0; p < planes; p++) {
            int so = srcOff + p * n * n;
            int d = dstOff + p * n * n;
            for (int y = 0; y < n; y++) {
                for (int x = 0; x < n; x++) {
                    dst[d++] = src[so + source(x, y, n)];
                }
            }
        }
    }

    /** {@code dst = pose^-1(src)}: undoes {@link #apply}. */
    public void invert(float[] src, int srcOff, float[] dst, int dstOff, int n, int planes) {
        for (int p = 0; p < planes; p++) {
            int so = srcOff + p * n * n;
            int d = dstOff + p * n * n;
            int k = 0;
            for (int y = 0; y < n; y++) {
                for (int x = 0; x < n; x++) {
                    dst[d + source(x, y, n)] = src[so + k++];
                }
            }
        }
    }

    /** Double variant of {@link #apply(float[], int, float[], int, int, int)}. */
    public void apply(double[] src, int srcOff, double[] dst, int dstOff, int n, int planes) {
        for (int p = 0; p < planes; p++) {
            int so = srcOff + p * n * n;
            int d = dstOff + p * n * n;
            for (int y = 0; y < n; y++) {
                for (int x = 0; x < n; x++) {
                    dst[d++] = src[so + source(x, y, n)];
                }
            }
        }
    }

    /** Double variant of {@link #invert(float[], int, float[], int, int, int)}. */
    public void invert(double[] src, int srcOff, double[] dst, int dstOff, int n, int planes) {
        for (int p = 0; p < planes; p++) {
            int so = srcOff + p * n * n;
            int d = dstOff + p * n * n;
            int k = 0;
            for (int y = 0; y < n; y++) {
                for (int x = 0; x < n; x++) {
                    dst[d + source(x, y, n)] = src[so + k++];
                }
            }
        }
    }

    /** The flips only (identity, h-flip, v-flip, 180 degrees): valid for non-square tiles too. */
    public static D4[] flips() {
        return new D4[] {IDENTITY, HFLIP, VFLIP, ROT180};
    }

    /**
     * The poses a recipe's {@code infer.tta} names: identity first, then each of {@code hflip}, {@code vflip},
     * {@code transpose}, {@code rot90} once, in order.
     */
    public static D4[] named(java.util.List<String> names) {
        java.util.List<D4> p = new java.util.ArrayList<>();
        p.add(IDENTITY);
        for (String t : names) {
            D4 d = switch (t) {
                case "hflip" -> HFLIP;
                case "vflip" -> VFLIP;
                case "transpose" -> TRANSPOSE;
                case "rot90" -> ROT90;
                default -> throw new IllegalArgumentException("unknown TTA '" + t + "'; valid: hflip, vflip, "
                        + "transpose, rot90");
            };
            if (!p.contains(d)) {
                p.add(d);
            }
        }
        return p.toArray(new D4[0]);
    }
}
