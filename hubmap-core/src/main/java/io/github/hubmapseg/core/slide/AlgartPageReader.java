package io.github.hubmapseg.core.slide;

import java.io.IOException;

/**
 * Reads a page through algart-tiff (tiled or compressed pages), with a reader of the file's
 * {@link AlgartReaderPool}: reads from several threads decode in parallel, each on its own reader.
 */
final class AlgartPageReader implements TiffPageReader {

    private final AlgartReaderPool pool;
    private final int slot;
    private final int channels;

    /**
     * @param slot index of this page's map in the pool's entries
     */
    AlgartPageReader(AlgartReaderPool pool, int slot, int channels) {
        this.pool = pool;
        this.slot = slot;
        this.channels = channels;
    }

    @Override
    public int channels() {
        return channels;
    }

    @Override
    public void read(int x, int y, int w, int h, byte[] dst, int dstWidth, int dstHeight, int ox, int oy, int c0)
            throws IOException {
        byte[] samples;
        AlgartReaderPool.Entry e = pool.acquire();
        try {
            // planar result: samples[((c * h) + j) * w + i]
            samples = e.reader().readSampleBytes(e.maps()[slot], x, y, w, h);
        } finally {
            pool.release(e);
        }
        if (samples.length != (long) w * h * channels) {
            throw new IOException("algart-tiff returned " + samples.length + " bytes for a " + w + " x " + h + " x "
                    + channels + " region");
        }
        if (w == dstWidth && h == dstHeight && ox == 0 && oy == 0) {
            System.arraycopy(samples, 0, dst, c0 * w * h, samples.length);
            return;
        }
        for (int c = 0; c < channels; c++) {
            for (int j = 0; j < h; j++) {
                System.arraycopy(samples, (c * h + j) * w, dst, ox + dstWidth * (oy + j + dstHeight * (c0 + c)), w);
            }
        }
    }
}
