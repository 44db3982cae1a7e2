package io.github.hubmapseg.core.slide;

import java.util.Objects;

/**
 * An {@link ImageSource} over a channel-planar byte array held in memory: for tests, small images and
 * synthetic tiles. Layout: {@code pixels[x + width * (y + height * c)]}.
 */
public final class InMemoryImageSource extends AbstractImageSource {

    private final byte[] pixels;
    private final int width;
    private final int height;
    private final int channels;
    private final int fill;

    /**
     * @param pixels   channel-planar pixels, length {@code width * height * channels} (not copied)
     * @param width    width in pixels
     * @param height   height in pixels
     * @param channels number of channels
     * @param fill     padding value for reads outside the image (0..255)
     */
    public InMemoryImageSource(byte[] pixels, int width, int height, int channels, int fill) {
        Objects.requireNonNull(pixels, "pixels");
        if (width <= 0 || height <= 0 || channels <= 0) {
            throw new IllegalArgumentException("image shape must be positive, got " + width + " x " + height
                    + " x " + channels);
        }
        if (pixels.length != (long) width * height * channels) {
            throw new IllegalArgumentException("pixels must hold width*height*channels = "
                    + (long) width * height * channels + " bytes, got " + pixels.length);
        }
        if (fill < 0 || fill > 255) {
            throw new IllegalArgumentException("fill must be in 0..255, got " + fill);
        }
        this.pixels = pixels;
        this.width = width;
        this.height = height;
        this.channels = channels;
        this.fill = fill;
    }

    /** An in-memory source padded with white (255). */
    public InMemoryImageSource(byte[] pixels, int width, int height, int channels) {
        this(pixels, width, height, channels, 255);
    }

    @Override
    public long width() {
        return width;
    }

    @Override
    public long height() {
        return height;
    }

    @Override
    public int channels() {
        return channels;
    }

    @Override
    public int fillValue() {
        return fill;
    }

    @Override
    public SlideInfo info() {
        return new SlideInfo(width, height, channels, 8, true, false, width, height, "none", false, "memory");
    }

    @Override
    protected void readValid(long x, long y, int w, int h, byte[] dst, int dstWidth, int dstHeight, int ox, int oy) {
        for (int c = 0; c < channels; c++) {
            for (int j = 0; j < h; j++) {
                int src = (int) (x + (long) width * (y + j + (long) height * c));
                int d = ox + dstWidth * (oy + j + dstHeight * c);
                System.arraycopy(pixels, src, dst, d, w);
            }
        }
    }

    @Override
    public void close() {
    }
}
