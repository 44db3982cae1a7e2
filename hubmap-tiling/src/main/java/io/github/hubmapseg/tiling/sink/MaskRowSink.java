package io.github.hubmapseg.tiling.sink;

import java.io.IOException;

/**
 * Receives a binary mask as bands of whole rows, top to bottom, each row exactly once: row-major bytes
 * 0 or 1, {@code band[(y - y0) * width + x]}. This is the input of the streaming RLE encoder, the PNG
 * writer and the small-component filter. The band array may be reused after {@link #accept} returns.
 */
public interface MaskRowSink {

    /** Called once before the first band with the mask size in pixels. */
    default void begin(long width, long height) throws IOException {
    }

    /** One band of {@code rows} rows starting at row {@code y0}; the first {@code rows * width} bytes are valid. */
    void accept(long y0, int rows, byte[] band) throws IOException;

    /** Called once after the last band. */
    default void end() throws IOException {
    }
}
