package io.github.hubmapseg.pipeline.augment;

/** Exact 90-degree rotations and the transpose (index permutations, no resampling). */
final class Rotations {

    private Rotations() {
    }

    /**
     * Rotates counter-clockwise by {@code k * 90} degrees (numpy {@code rot90} on (y, x) axes), or transposes
     * when {@code k == -1}.
     */
    static void rotate(Tile tile, int k) {
        int h = tile.height();
        int w = tile.width();
        int oh = (k == 2) ? h : w;
        int ow = (k == 2) ? w : h;
        float[] src = tile.image();
        float[] dst = tile.scratchImage(oh, ow);
        int plane = h * w;
        for (int c = 0; c < tile.channels(); c++) {
            int base = c * plane;
            permute(src, base, dst, base, h, w, k);
        }
        byte[] m = tile.mask();
        byte[] dm = tile.scratchMask(oh, ow);
        if (m != null) {
            for (int y = 0; y < h; y++) {
                for (int x = 0; x < w; x++) {
                    dm[target(y, x, h, w, k)] = m[y * w + x];
                }
            }
        }
        tile.replace(dst, dm, oh, ow);
    }

    private static void permute(float[] src, int so, float[] dst, int dO, int h, int w, int k) {
        for (int y = 0; y < h; y++) {
            int row = so + y * w;
            for (int x = 0; x < w; x++) {
                dst[dO + target(y, x, h, w, k)] = src[row + x];
            }
        }
    }

    /** Output index of input pixel (y, x). */
    private static int target(int y, int x, int h, int w, int k) {
        switch (k) {
            case 1: // counter-clockwise: out (w-1-x, y), out size w x h
                return (w - 1 - x) * h + y;
            case 2: // out (h-1-y, w-1-x), out size h x w
                return (h - 1 - y) * w + (w - 1 - x);
            case 3: // clockwise: out (x, h-1-y), out size w x h
                return x * h + (h - 1 - y);
            case -1: // transpose: out (x, y)
                return x * h + y;
            default:
                throw new IllegalArgumentException("rotation k must be -1, 1, 2 or 3, got " + k);
        }
    }
}
