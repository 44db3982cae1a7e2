package io.github.hubmapseg.core.predict;

/**
 * A batch of equally sized image tiles in one primitive array, NCHW order:
 * {@code data[((n * channels + c) * height + y) * width + x]}.
 *
 * <p>Input batches carry pixel values in the source's units (0..255 for 8-bit slides); output batches
 * of a {@link Predictor} carry one channel of probabilities in [0, 1] or logits, see
 * {@link Predictor#outputsLogits()}.
 *
 * @param data     the values, length {@code size * channels * height * width}
 * @param size     number of tiles N
 * @param channels channels per tile C
 * @param height   tile height H in pixels
 * @param width    tile width W in pixels
 */
public record TileBatch(float[] data, int size, int channels, int height, int width) {

    /** Validates the shape against the array length. */
    public TileBatch {
        if (size < 0 || channels <= 0 || height <= 0 || width <= 0) {
            throw new IllegalArgumentException("TileBatch shape must be positive, got (N=" + size + ", C="
                    + channels + ", H=" + height + ", W=" + width + ")");
        }
        long expected = (long) size * channels * height * width;
        if (data == null || data.length != expected) {
            throw new IllegalArgumentException("TileBatch data length must be N*C*H*W = " + expected
                    + ", got " + (data == null ? "null" : data.length));
        }
    }

    /** Allocates a zero-filled batch. */
    public static TileBatch zeros(int size, int channels, int height, int width) {
        return new TileBatch(new float[Math.multiplyExact(Math.multiplyExact(size, channels),
                Math.multiplyExact(height, width))], size, channels, height, width);
    }

    /** Number of values in one tile, {@code C * H * W}. */
    public int tileLength() {
        return channels * height * width;
    }
}
