package io.github.hubmapseg.losses;

/**
 * The shape of a batch of single-channel logit maps, {@code (B, H, W)}: B images of H rows and W columns.
 * Arrays that go with a shape are flat, row-major, image-major: pixel {@code (b, y, x)} is at index
 * {@code (b * H + y) * W + x}. A {@code (B, 1, H, W)} NCHW or a {@code (B, H, W, 1)} NHWC tensor in C order
 * has exactly this layout.
 *
 * @param batch  number of images B, at least 1
 * @param height rows per image H, at least 1
 * @param width  columns per image W, at least 1
 */
public record BatchShape(int batch, int height, int width) {

    /** Validates the sizes and that {@code B*H*W} fits an array. */
    public BatchShape {
        if (batch < 1) {
            throw new IllegalArgumentException("batch must be >= 1, got " + batch);
        }
        if (height < 1) {
            throw new IllegalArgumentException("height must be >= 1, got " + height);
        }
        if (width < 1) {
            throw new IllegalArgumentException("width must be >= 1, got " + width);
        }
        if ((long) batch * height * width > Integer.MAX_VALUE - 8) {
            throw new IllegalArgumentException("batch*height*width must fit an array, got "
                    + batch + "*" + height + "*" + width);
        }
    }

    /** Shorthand for {@code new BatchShape(batch, height, width)}. */
    public static BatchShape of(int batch, int height, int width) {
        return new BatchShape(batch, height, width);
    }

    /** Number of pixels of one image, {@code H*W}. */
    public int pixelsPerImage() {
        return height * width;
    }

    /** Number of pixels of the batch, {@code B*H*W}. */
    public int size() {
        return batch * height * width;
    }

    /** The same image size with another batch size. */
    public BatchShape withBatch(int newBatch) {
        return new BatchShape(newBatch, height, width);
    }

    @Override
    public String toString() {
        return "(" + batch + ", " + height + ", " + width + ")";
    }
}
