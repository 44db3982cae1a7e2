package io.github.hubmapseg.tiling;

/** Receives progress of a sliding-window pass (for a progress bar): tiles done out of the total. */
@FunctionalInterface
public interface ProgressListener {

    /**
     * Called from the engine's thread after each batch and each skipped tile row, with non-decreasing
     * {@code done}; the last call has {@code done == total}.
     */
    void onProgress(long done, long total);

    /** A listener that ignores everything. */
    static ProgressListener none() {
        return (d, t) -> { };
    }
}
