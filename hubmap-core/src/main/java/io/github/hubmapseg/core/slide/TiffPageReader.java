package io.github.hubmapseg.core.slide;

import java.io.IOException;

/**
 * Reads in-image rectangles of one TIFF page into a channel-planar destination. Implementations are
 * thread-safe (see each class for how).
 */
interface TiffPageReader {

    /** Samples per pixel of this page. */
    int channels();

    /**
     * Copies {@code [x, x + w) x [y, y + h)} (inside the page) into
     * {@code dst[(ox + i) + dstWidth * ((oy + j) + dstHeight * (c0 + c))]} for each of the page's channels c.
     */
    void read(int x, int y, int w, int h, byte[] dst, int dstWidth, int dstHeight, int ox, int oy, int c0)
            throws IOException;
}
