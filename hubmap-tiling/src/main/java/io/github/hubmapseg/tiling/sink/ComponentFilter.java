package io.github.hubmapseg.tiling.sink;

import java.io.IOException;
import java.util.Arrays;

/**
 * Streaming removal of small foreground components: 8-connected components of fewer than {@code minSize}
 * pixels are set to 0, the rest passes unchanged, rows leave in order.
 *
 * <p>Rows are labelled run by run ({@link StreamingComponents}); a component is decided as soon as it reaches
 * {@code minSize} pixels (kept) or has no run in the newest row (closed, so its size is final). A row is
 * passed on once every component touching it is decided, so at most the rows spanned by one small
 * component are buffered: memory is O(width x height of the tallest small component), independent of the
 * image height.
 */
public final class ComponentFilter implements MaskRowSink {

    private final long minSize;
    private final MaskRowSink next;
    private int width;
    private long nextOut;
    private StreamingComponents<byte[]> components;

    /**
     * @param minSize components with fewer pixels are removed, {@code >= 1}
     * @param next    where the filtered rows go
     */
    public ComponentFilter(long minSize, MaskRowSink next) {
        if (minSize < 1) {
            throw new IllegalArgumentException("minSize must be >= 1, got " + minSize);
        }
        this.minSize = minSize;
        this.next = next;
    }

    @Override
    public void begin(long width, long height) throws IOException {
        this.width = Math.toIntExact(width);
        this.components = new StreamingComponents<>(this.width);
        next.begin(width, height);
    }

    @Override
    public void accept(long y0, int rows, byte[] band) throws IOException {
        for (int j = 0; j < rows; j++) {
            byte[] px = Arrays.copyOfRange(band, j * width, (j + 1) * width);
            components.add(y0 + j, px, px, null);
            flush(false);
        }
    }

    @Override
    public void end() throws IOException {
        flush(true);
        next.end();
    }

    /** A component is decided once it is large enough (kept), or when it is closed. */
    private void flush(boolean all) throws IOException {
        components.flush(all, root -> components.count(root) >= minSize, (y, px, start, end, root, n) -> {
            for (int k = 0; k < n; k++) {
                if (components.count(root[k]) < minSize) {
                    Arrays.fill(px, start[k], end[k], (byte) 0);
                }
            }
            next.accept(y, 1, px);
            nextOut = y + 1;
        });
    }

    /** Rows passed on so far (for diagnostics). */
    long rowsPassed() {
        return nextOut;
    }
}
