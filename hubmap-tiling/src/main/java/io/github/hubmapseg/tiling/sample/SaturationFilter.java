package io.github.hubmapseg.tiling.sample;

import io.github.hubmapseg.core.slide.ImageSource;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.function.Predicate;
import net.imglib2.Interval;

/**
 * iafoss's tile filter (the "256x256 images" kernel the 3rd place preprocessed with, saturation threshold 40): a
 * tile of {@code T x T} pixels at the working resolution is kept when more than {@code 1000 (T / 256)^2} of its
 * pixels have an HSV saturation above {@code threshold} and the sum of all its values (every channel) exceeds the
 * same count. Saturation is OpenCV's 8-bit {@code COLOR_RGB2HSV}: {@code S = round(255 (max - min) / max)} in
 * OpenCV's fixed-point arithmetic ({@code (diff * round(255 * 4096 / max) + 2048) >> 12}), 0 where {@code max = 0}.
 * For {@code T} a multiple of 256 the count equals the kernel's {@code 1000 * (sz // 256) ** 2}; for other sizes
 * it is the real-valued {@code 1000 T^2 / 65536} (the kernel's integer division would give 0 below 256).
 * <p>As a {@link Predicate} over full-resolution regions it reads each region from a slide at a reduce factor
 * (padding past the image is the reader's white fill, as the 3rd place padded "with white space").
 *
 * @param threshold saturation threshold in {@code 1..255} (3rd place 40)
 * @param source    the slide, RGB
 * @param reduce    reduce factor of the working resolution, {@code >= 1}
 */
public record SaturationFilter(int threshold, ImageSource source, int reduce) implements Predicate<Interval> {

    private static final int SHIFT = 12;
    private static final int[] SDIV = new int[256];

    static {
        for (int v = 1; v < 256; v++) {
            SDIV[v] = (int) Math.round((255 << SHIFT) / (double) v);
        }
    }

    /** Validates. */
    public SaturationFilter {
        if (threshold < 1 || threshold > 255) {
            throw new IllegalArgumentException("saturation threshold must be in 1..255, got " + threshold);
        }
        if (source == null) {
            throw new IllegalArgumentException("source must not be null");
        }
        if (source.channels() != 3) {
            throw new IllegalArgumentException("the saturation filter needs RGB slides, got " + source.channels()
                    + " channel(s)");
        }
        if (reduce < 1) {
            throw new IllegalArgumentException("reduce must be >= 1, got " + reduce);
        }
    }

    /** The pixel count both rules must exceed for a {@code tile x tile} tile: {@code 1000 (tile / 256)^2}. */
    public static double minPixels(long tile) {
        return 1000.0 * tile * tile / 65536.0;
    }

    /** OpenCV's 8-bit HSV saturation of one RGB pixel. */
    public static int saturation(int r, int g, int b) {
        int v = Math.max(r, Math.max(g, b));
        int diff = v - Math.min(r, Math.min(g, b));
        return (diff * SDIV[v] + (1 << (SHIFT - 1))) >> SHIFT;
    }

    /**
     * The rule on one tile's pixels.
     *
     * @param planar channel-planar RGB values ({@code x + w (y + h c)}), {@code 3 * pixels} of them
     * @param pixels pixels of the tile ({@code T * T})
     * @param side   tile side {@code T}
     * @param threshold saturation threshold
     * @return whether the tile is kept
     */
    public static boolean keep(byte[] planar, int pixels, long side, int threshold) {
        if (planar.length != 3 * pixels) {
            throw new IllegalArgumentException("expected " + 3 * pixels + " RGB values, got " + planar.length);
        }
        double min = minPixels(side);
        long saturated = 0;
        long sum = 0;
        for (int i = 0; i < pixels; i++) {
            int r = planar[i] & 0xFF;
            int g = planar[pixels + i] & 0xFF;
            int b = planar[2 * pixels + i] & 0xFF;
            sum += r + g + b;
            if (saturation(r, g, b) > threshold) {
                saturated++;
            }
        }
        return saturated > min && sum > min;
    }

    @Override
    public boolean test(Interval region) {
        long w = region.dimension(0) / reduce;
        long h = region.dimension(1) / reduce;
        if (w != h || w * reduce != region.dimension(0) || h * reduce != region.dimension(1)) {
            throw new IllegalArgumentException("the saturation filter needs square tiles whose side is a multiple of "
                    + "reduce=" + reduce + ", got " + region.dimension(0) + " x " + region.dimension(1));
        }
        try {
            byte[] px = source.read(region, reduce).update(null).getCurrentStorageArray();
            return keep(px, (int) (w * h), w, threshold);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + region + " for the saturation filter", e);
        }
    }
}
