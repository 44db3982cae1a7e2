package io.github.hubmapseg.tiling;

import java.io.IOException;

/**
 * A readable real-valued multi-channel image, the input of {@link SlidingWindow}: an {@code ImageSource}
 * (8-bit slide, values 0..255) or an in-memory array ({@link Rasters}). Reads are only ever asked for
 * rectangles inside the image; the engine does the border reflection.
 *
 * <p>Layout of a read: channel-planar, row-major, {@code dst[x + w * (y + h * c)]}, the layout of one NCHW
 * sample. Implementations must allow concurrent reads from several threads (the engine prefetches windows
 * in parallel) unless the engine is built with {@code readerThreads(1)}.
 */
public interface Raster {

    /** Width in pixels. */
    long width();

    /** Height in pixels. */
    long height();

    /** Channels per pixel. */
    int channels();

    /** Reads the in-image rectangle {@code [x, x + w) x [y, y + h)} as floats, {@code dst.length >= w*h*c}. */
    void read(long x, long y, int w, int h, float[] dst) throws IOException;

    /** Reads the in-image rectangle {@code [x, x + w) x [y, y + h)} as doubles. */
    void read(long x, long y, int w, int h, double[] dst) throws IOException;
}
