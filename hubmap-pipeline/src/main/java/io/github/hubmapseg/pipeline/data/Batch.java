package io.github.hubmapseg.pipeline.data;

/**
 * A training batch: normalised images in NHWC order ({@code images[((n * H + y) * W + x) * C + c]}) and 0/1
 * masks in NHW1 order ({@code masks[(n * H + y) * W + x]}), both float32 as the model consumes them.
 *
 * @param images   normalised pixel values, length {@code size * height * width * channels}
 * @param masks    targets 0 or 1, length {@code size * height * width}
 * @param size     number of samples
 * @param height   tile height in pixels (at the training reduce factor)
 * @param width    tile width in pixels
 * @param channels image channels
 */
public record Batch(float[] images, float[] masks, int size, int height, int width, int channels) {
    /** Validates the lengths. */
    public Batch {
        long px = (long) size * height * width;
        if (size < 1 || height < 1 || width < 1 || channels < 1) {
            throw new IllegalArgumentException("batch dimensions must be >= 1, got " + size + "x" + height + "x"
                    + width + "x" + channels);
        }
        if (images.length != px * channels || masks.length != px) {
            throw new IllegalArgumentException("batch arrays have lengths " + images.length + " and " + masks.length
                    + ", expected " + px * channels + " and " + px);
        }
    }
}
