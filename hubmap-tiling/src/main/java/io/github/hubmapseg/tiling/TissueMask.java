package io.github.hubmapseg.tiling;

import io.github.hubmapseg.core.slide.ImageSource;
import io.github.hubmapseg.tiling.post.Otsu;
import java.io.IOException;
import net.imglib2.FinalInterval;
import net.imglib2.Interval;
import net.imglib2.img.array.ArrayImg;
import net.imglib2.img.basictypeaccess.array.ByteArray;
import net.imglib2.type.numeric.integer.UnsignedByteType;

/**
 * Where a slide has tissue, on a low-resolution thumbnail: cell {@code (i, j)} covers the full-resolution
 * pixels {@code [i * reduce, (i + 1) * reduce) x [j * reduce, (j + 1) * reduce)}. Built from the HSV
 * saturation of the thumbnail ({@code S = (max - min) / max * 255} over R, G, B, 0 for black), the 3rd-place
 * rule (saturation above a threshold, 40 in their notebooks) or Otsu's threshold of the saturation histogram
 * (our choice: the 10th place used Otsu on predicted probabilities, not on tissue). The full-resolution slide is only read through {@link ImageSource#read(Interval, int)}.
 *
 * @param width  thumbnail width in cells
 * @param height thumbnail height in cells
 * @param reduce full-resolution pixels per cell side
 * @param cells  row-major 0/1 flags, {@code cells[j * width + i]}
 */
public record TissueMask(int width, int height, int reduce, byte[] cells) {

    /** Validates the shape. */
    public TissueMask {
        if (width <= 0 || height <= 0 || reduce <= 0) {
            throw new IllegalArgumentException("tissue mask shape must be positive, got " + width + " x " + height
                    + " at reduce " + reduce);
        }
        if (cells == null || cells.length != (long) width * height) {
            throw new IllegalArgumentException("cells must hold width*height = " + (long) width * height
                    + " flags, got " + (cells == null ? "null" : cells.length));
        }
    }

    /** The saturation thumbnail (0..255 per cell, row-major) of a slide at the given reduce factor. */
    public static int[] saturation(ImageSource source, int reduce) throws IOException {
        if (reduce < 1) {
            throw new IllegalArgumentException("reduce must be >= 1, got " + reduce);
        }
        ArrayImg<UnsignedByteType, ByteArray> thumb = source.read(
                FinalInterval.createMinSize(0, 0, source.width(), source.height()), reduce);
        byte[] px = thumb.update(null).getCurrentStorageArray();
        int w = (int) thumb.dimension(0);
        int h = (int) thumb.dimension(1);
        int c = source.channels();
        int n = w * h;
        int[] sat = new int[n];
        for (int k = 0; k < n; k++) {
            int max = 0;
            int min = 255;
            for (int ch = 0; ch < Math.min(c, 3); ch++) {
                int v = px[k + ch * n] & 0xFF;
                max = Math.max(max, v);
                min = Math.min(min, v);
            }
            sat[k] = c < 3 || max == 0 ? 0 : (int) ((max - min) * 255L / max);
        }
        return sat;
    }

    /** Tissue where the thumbnail saturation is strictly above {@code threshold} (3rd place: 40). */
    public static TissueMask bySaturation(ImageSource source, int reduce, int threshold) throws IOException {
        if (threshold < 0 || threshold > 255) {
            throw new IllegalArgumentException("saturation threshold must be in 0..255, got " + threshold);
        }
        int[] sat = saturation(source, reduce);
        return fromSaturation(sat, thumbWidth(source, reduce), thumbHeight(source, reduce), reduce, threshold);
    }

    /**
     * Tissue where the thumbnail saturation is above Otsu's threshold of its histogram (our choice of automatic
     * threshold; no write-up applies Otsu to tissue: the 10th place's Otsu is on predicted probabilities).
     */
    public static TissueMask byOtsu(ImageSource source, int reduce) throws IOException {
        int[] sat = saturation(source, reduce);
        return fromSaturation(sat, thumbWidth(source, reduce), thumbHeight(source, reduce), reduce, otsu(sat));
    }

    private static int thumbWidth(ImageSource s, int reduce) {
        return Math.toIntExact((s.width() + reduce - 1) / reduce);
    }

    private static int thumbHeight(ImageSource s, int reduce) {
        return Math.toIntExact((s.height() + reduce - 1) / reduce);
    }

    private static TissueMask fromSaturation(int[] sat, int w, int h, int reduce, int threshold) {
        byte[] cells = new byte[sat.length];
        for (int k = 0; k < sat.length; k++) {
            cells[k] = sat[k] > threshold ? (byte) 1 : 0;
        }
        return new TissueMask(w, h, reduce, cells);
    }

    /**
     * Otsu's threshold of 0..255 values: the {@code t} maximising the between-class variance of
     * {@code {v <= t}} and {@code {v > t}} (the smallest such t on ties), by {@link Otsu#bestSplit} over the
     * histogram with bin centres 0..255 (skimage's {@code threshold_otsu} of a uint8 image); 0 for fewer than two
     * distinct values.
     */
    public static int otsu(int[] values) {
        long[] hist = new long[256];
        for (int v : values) {
            if (v < 0 || v > 255) {
                throw new IllegalArgumentException("otsu expects values in 0..255, got " + v);
            }
            hist[v]++;
        }
        double[] centres = new double[256];
        for (int i = 0; i < 256; i++) {
            centres[i] = i;
        }
        return Otsu.bestSplit(hist, centres);
    }

    /** Fraction of the cells under a full-resolution region that hold tissue (cells outside count as none). */
    public double fraction(Interval region) {
        long x0 = Math.floorDiv(region.min(0), reduce);
        long y0 = Math.floorDiv(region.min(1), reduce);
        long x1 = Math.floorDiv(region.max(0), reduce);
        long y1 = Math.floorDiv(region.max(1), reduce);
        long all = (x1 - x0 + 1) * (y1 - y0 + 1);
        long hit = 0;
        for (long j = Math.max(0, y0); j <= Math.min(height - 1, y1); j++) {
            for (long i = Math.max(0, x0); i <= Math.min(width - 1, x1); i++) {
                hit += cells[(int) (j * width + i)];
            }
        }
        return (double) hit / all;
    }

    /** {@code true} if any cell under the region holds tissue. */
    public boolean any(Interval region) {
        long x0 = Math.max(0, Math.floorDiv(region.min(0), reduce));
        long y0 = Math.max(0, Math.floorDiv(region.min(1), reduce));
        long x1 = Math.min(width - 1, Math.floorDiv(region.max(0), reduce));
        long y1 = Math.min(height - 1, Math.floorDiv(region.max(1), reduce));
        for (long j = y0; j <= y1; j++) {
            for (long i = x0; i <= x1; i++) {
                if (cells[(int) (j * width + i)] != 0) {
                    return true;
                }
            }
        }
        return false;
    }
}
