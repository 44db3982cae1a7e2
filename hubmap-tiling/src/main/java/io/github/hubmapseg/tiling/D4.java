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

    /** {@code dst = pose(src)} for {@code planes} planes of {@code n x n}. */
    public void apply(float[] src, int srcOff, float[] dst, int dstOff, int n, int planes) {
        permute(src, srcOff, dst, dstOff, n, planes, false, FLOATS);
    }

    /** {@code dst = pose^-1(src)}: undoes {@link #apply}. */
    public void invert(float[] src, int srcOff, float[] dst, int dstOff, int n, int planes) {
        permute(src, srcOff, dst, dstOff, n, planes, true, FLOATS);
    }

    /** Double variant of {@link #apply(float[], int, float[], int, int, int)}. */
    public void apply(double[] src, int srcOff, double[] dst, int dstOff, int n, int planes) {
        permute(src, srcOff, dst, dstOff, n, planes, false, DOUBLES);
    }

    /** Double variant of {@link #invert(float[], int, float[], int, int, int)}. */
    public void invert(double[] src, int srcOff, double[] dst, int dstOff, int n, int planes) {
        permute(src, srcOff, dst, dstOff, n, planes, true, DOUBLES);
    }

    /** Copies {@code len} strided elements {@code dst[d + i * ds] = src[s + i * ss]} of one primitive array type. */
    private interface Strided {
        void copy(Object src, int s, int ss, Object dst, int d, int ds, int len);
    }

    private static final Strided FLOATS = (src, s, ss, dst, d, ds, len) -> {
        float[] from = (float[]) src;
        float[] to = (float[]) dst;
        for (int i = 0; i < len; i++) {
            to[d + i * ds] = from[s + i * ss];
        }
    };

    private static final Strided DOUBLES = (src, s, ss, dst, d, ds, len) -> {
        double[] from = (double[]) src;
        double[] to = (double[]) dst;
        for (int i = 0; i < len; i++) {
            to[d + i * ds] = from[s + i * ss];
        }
    };

    /**
     * The one loop of {@link #apply} and {@link #invert}: row {@code y} of a transformed plane is a strided line of
     * the original plane, starting at pixel {@code (flipX ? n - 1 : 0, flipY ? n - 1 - y : y)} (x and y swapped
     * when transposed) and stepping along x (along y when transposed), backwards when flipped; {@code inverse}
     * copies in the other direction.
     */
    private void permute(Object src, int srcOff, Object dst, int dstOff, int n, int planes, boolean inverse,
            Strided copy) {
        int step = (transpose ? n : 1) * (flipX ? -1 : 1);
        for (int p = 0; p < planes; p++) {
            int plane = p * n * n;
            for (int y = 0; y < n; y++) {
                int a = flipX ? n - 1 : 0;
                int b = flipY ? n - 1 - y : y;
                int line = plane + (transpose ? a * n + b : b * n + a);
                int row = plane + y * n;
                if (inverse) {
                    copy.copy(src, srcOff + row, 1, dst, dstOff + line, step, n);
                } else {
                    copy.copy(src, srcOff + line, step, dst, dstOff + row, 1, n);
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
