package io.github.hubmapseg.tiling;

/**
 * How a {@link SlidingWindow} pass will use memory for a given image, computed before it starts (see
 * {@link SlidingWindow} for the formula). All sizes in bytes.
 *
 * @param tileStoreBytes predictions of the tile rows kept alive for stitching
 * @param batchBytes     window batches being read, predicted and un-augmented
 * @param readAheadBytes the read-ahead band of decoded source rows (0: windows are read one by one)
 * @param bandRows       output rows handed to the sink per call
 * @param bandBytes      the output band buffer
 * @param budgetBytes    the budget the plan was made for
 */
public record MemoryPlan(long tileStoreBytes, long batchBytes, long readAheadBytes, int bandRows, long bandBytes,
                         long budgetBytes) {

    /** Total planned bytes. */
    public long totalBytes() {
        return tileStoreBytes + batchBytes + readAheadBytes + bandBytes;
    }
}
