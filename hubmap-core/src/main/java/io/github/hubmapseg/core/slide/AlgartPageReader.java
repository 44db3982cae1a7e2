package io.github.hubmapseg.core.slide;

import java.io.IOException;
import net.algart.matrices.tiff.TiffReader;
import net.algart.matrices.tiff.tiles.TiffReadMap;

/**
 * Reads a page through algart-tiff (tiled or compressed pages). algart-tiff's {@link TiffReader} shares one
 * file handle and a tile cache, so reads are serialized on the reader: thread-safe, not concurrent.
 */
final class AlgartPageReader implements TiffPageReader {

    private final TiffReader reader;
    private final TiffReadMap map;
    private final int channels;

    AlgartPageReader(TiffReader reader, TiffReadMap map) {
        this.reader = reader;
        this.map = map;
        this.channels = map.numberOfChannels();
    }

    @Override
    public int channels() {
        return channels;
    }

    @Override
    public void read(int x, int y, int w, int h, byte[] dst, int dstWidth, int dstHeight, int ox, int oy, int c0)
            throws IOException {
        byte[] samples;
        synchronized (reader) {
            // planar result: samples[((c * h) + j) * w + i]
            samples = reader.readSampleBytes(map, x, y, w, h);
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
