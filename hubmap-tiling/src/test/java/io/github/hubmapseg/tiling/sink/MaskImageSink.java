package io.github.hubmapseg.tiling.sink;

/** Test helper: collects a whole mask in memory, row-major 0/1 bytes (at most 2^31 - 9 pixels). */
public final class MaskImageSink implements MaskRowSink {

    private int width;
    private int height;
    private byte[] mask;

    @Override
    public void begin(long width, long height) {
        if (width * height > Integer.MAX_VALUE - 8) {
            throw new IllegalArgumentException("an in-memory mask holds at most 2^31 - 9 pixels, got " + width
                    + " x " + height);
        }
        this.width = (int) width;
        this.height = (int) height;
        this.mask = new byte[this.width * this.height];
    }

    @Override
    public void accept(long y0, int rows, byte[] band) {
        System.arraycopy(band, 0, mask, (int) y0 * width, rows * width);
    }

    /** Width in pixels. */
    public int width() {
        return width;
    }

    /** Height in pixels. */
    public int height() {
        return height;
    }

    /** The mask, row-major (not copied). */
    public byte[] mask() {
        return mask;
    }
}
