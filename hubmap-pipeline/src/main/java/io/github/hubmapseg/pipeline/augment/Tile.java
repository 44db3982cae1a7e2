package io.github.hubmapseg.pipeline.augment;

/**
 * A training sample being augmented: an image as a float array in channel-planar order {@code (c, y, x)}
 * (CHW, row-major within a plane, values 0..255) and an optional mask as a byte array {@code (y, x)} of 0/1
 * with the same height and width. Mutable: augmentations replace the arrays (and may change height/width,
 * e.g. a 90-degree rotation of a non-square tile or a crop); the tile owns its arrays and may reuse the
 * previous ones as scratch, so read the result through {@link #image()} / {@link #mask()} after augmenting.
 */
public final class Tile {

    private final int channels;
    private int height;
    private int width;
    private float[] image;
    private byte[] mask;
    private float[] spareImage;
    private byte[] spareMask;

    private Tile(float[] image, byte[] mask, int channels, int height, int width) {
        if (channels < 1 || height < 1 || width < 1) {
            throw new IllegalArgumentException("channels, height and width must be >= 1, got " + channels + ", "
                    + height + ", " + width);
        }
        if (image == null || image.length != channels * height * width) {
            throw new IllegalArgumentException("image must have channels*height*width = " + channels * height * width
                    + " values, got " + (image == null ? null : image.length));
        }
        if (mask != null && mask.length != height * width) {
            throw new IllegalArgumentException("mask must have height*width = " + height * width + " values, got "
                    + mask.length);
        }
        this.channels = channels;
        this.height = height;
        this.width = width;
        this.image = image;
        this.mask = mask;
    }

    /** A tile over the given arrays (not copied; the tile takes ownership). The mask may be null. */
    public static Tile of(float[] image, byte[] mask, int channels, int height, int width) {
        return new Tile(image, mask, channels, height, width);
    }

    /** A tile over copies of the given arrays. */
    public static Tile copyOf(float[] image, byte[] mask, int channels, int height, int width) {
        return new Tile(image.clone(), mask == null ? null : mask.clone(), channels, height, width);
    }

    /** A deep copy of this tile. */
    public Tile copy() {
        return copyOf(image, mask, channels, height, width);
    }

    /** Number of channels (fixed). */
    public int channels() {
        return channels;
    }

    /** Current height in pixels. */
    public int height() {
        return height;
    }

    /** Current width in pixels. */
    public int width() {
        return width;
    }

    /** The current image array, CHW (live, not a copy). */
    public float[] image() {
        return image;
    }

    /** The current mask array, HW, or null (live, not a copy). */
    public byte[] mask() {
        return mask;
    }

    /** Whether the tile has a mask. */
    public boolean hasMask() {
        return mask != null;
    }

    /** A scratch image array of {@code channels * h * w} values (contents undefined). */
    float[] scratchImage(int h, int w) {
        int n = channels * h * w;
        if (spareImage == null || spareImage.length != n) {
            spareImage = new float[n];
        }
        return spareImage;
    }

    /** A scratch mask array of {@code h * w} values, or null when the tile has no mask. */
    byte[] scratchMask(int h, int w) {
        if (mask == null) {
            return null;
        }
        int n = h * w;
        if (spareMask == null || spareMask.length != n) {
            spareMask = new byte[n];
        }
        return spareMask;
    }

    /** Installs new arrays (from the scratch ones) with a new size; the old ones become scratch. */
    void replace(float[] newImage, byte[] newMask, int h, int w) {
        float[] oi = image;
        byte[] om = mask;
        image = newImage;
        mask = om == null ? null : newMask;
        height = h;
        width = w;
        spareImage = oi;
        spareMask = om;
    }
}
