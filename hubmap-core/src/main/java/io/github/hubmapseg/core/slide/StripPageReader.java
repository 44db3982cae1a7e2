package io.github.hubmapseg.core.slide;

import java.io.EOFException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;

/**
 * Reads an uncompressed stripped page by seeking to the bytes of the rows a region needs, whatever the strip
 * size (tifffile writes a whole-slide image as one strip of several GB by default, which algart-tiff refuses).
 *
 * <p>Memory: a row-segment buffer of at most {@link #BUFFER_BYTES} per call; nothing else is allocated.
 * Narrow regions are read row segment by row segment (one positional read per row and plane); regions
 * covering at least half of a row read runs of whole rows at once.
 *
 * <p>Thread-safety: reads use {@link FileChannel#read(ByteBuffer, long)} (positional, no shared position), so
 * concurrent reads from several threads are safe and run in parallel.
 */
final class StripPageReader implements TiffPageReader {

    /** Upper bound of the row buffer of one read call. */
    static final int BUFFER_BYTES = 1 << 20;

    private final Path file;
    private final FileChannel channel;
    private final int width;
    private final int height;
    private final int samples;
    private final boolean planar;
    private final int rowsPerStrip;
    private final int stripsPerPlane;
    private final long[] offsets;
    /** Bytes of one row of one plane (width * samples for interleaved pages). */
    private final long rowBytes;
    /** Bytes of one pixel inside a plane. */
    private final int pixelBytes;

    StripPageReader(Path file, FileChannel channel, TiffPage page) throws IOException {
        this.file = file;
        this.channel = channel;
        this.width = page.width();
        this.height = page.height();
        this.samples = page.samples();
        this.planar = page.planar();
        this.rowsPerStrip = page.blockHeight();
        this.stripsPerPlane = (height + rowsPerStrip - 1) / rowsPerStrip;
        this.pixelBytes = planar ? 1 : samples;
        this.rowBytes = (long) width * pixelBytes;
        int planes = planar ? samples : 1;
        int strips = stripsPerPlane * planes;
        String where = file + " (page " + page.index() + ")";
        if (page.offsets().length < strips || page.byteCounts().length < strips) {
            throw new IOException(where + ": " + strips + " strips expected (" + height + " rows, " + rowsPerStrip
                    + " per strip), StripOffsets has " + page.offsets().length + ", StripByteCounts has "
                    + page.byteCounts().length);
        }
        this.offsets = page.offsets().clone();
        long fileLength = channel.size();
        for (int s = 0; s < strips; s++) {
            int firstRow = (s % stripsPerPlane) * rowsPerStrip;
            long need = Math.min(rowsPerStrip, height - firstRow) * rowBytes;
            if (page.byteCounts()[s] < need) {
                throw new IOException(where + ": strip " + s + " holds " + page.byteCounts()[s]
                        + " bytes, an uncompressed strip of " + Math.min(rowsPerStrip, height - firstRow)
                        + " rows needs " + need);
            }
            long end = offsets[s] + need;
            if (offsets[s] < 0 || end > fileLength) {
                throw new IOException(where + ": file is truncated: strip " + s + " ends at byte " + end
                        + " but the file has " + fileLength + " bytes");
            }
        }
    }

    @Override
    public int channels() {
        return samples;
    }

    @Override
    public void read(int x, int y, int w, int h, byte[] dst, int dstWidth, int dstHeight, int ox, int oy, int c0)
            throws IOException {
        long segment = (long) w * pixelBytes;
        boolean dense = segment * 2 >= rowBytes;
        int rowsPerRead = dense ? (int) Math.max(1, Math.min(h, BUFFER_BYTES / rowBytes)) : 1;
        long bufBytes = dense ? (rowsPerRead - 1) * rowBytes + segment : segment;
        byte[] buf = planar && !dense ? null : new byte[(int) bufBytes];
        int planes = planar ? samples : 1;
        for (int p = 0; p < planes; p++) {
            int j = 0;
            while (j < h) {
                int row = y + j;
                int stripInPlane = row / rowsPerStrip;
                int rowsLeftInStrip = Math.min((stripInPlane + 1) * rowsPerStrip, height) - row;
                int n = Math.min(rowsPerRead, Math.min(h - j, rowsLeftInStrip));
                long pos = offsets[p * stripsPerPlane + stripInPlane]
                        + (long) (row - stripInPlane * rowsPerStrip) * rowBytes + (long) x * pixelBytes;
                if (buf == null) {
                    // planar, narrow: read straight into the destination row
                    int d = ox + dstWidth * (oy + j + dstHeight * (c0 + p));
                    readFully(ByteBuffer.wrap(dst, d, w), pos);
                } else {
                    int len = (int) ((n - 1) * rowBytes + segment);
                    readFully(ByteBuffer.wrap(buf, 0, len), pos);
                    for (int r = 0; r < n; r++) {
                        int src = (int) (r * rowBytes);
                        int dRow = oy + j + r;
                        if (planar) {
                            System.arraycopy(buf, src, dst, ox + dstWidth * (dRow + dstHeight * (c0 + p)), w);
                        } else {
                            deinterleave(buf, src, w, dst, dstWidth, dstHeight, ox, dRow, c0);
                        }
                    }
                }
                j += n;
            }
        }
    }

    private void deinterleave(byte[] buf, int src, int w, byte[] dst, int dstWidth, int dstHeight, int ox, int dRow,
                              int c0) {
        int plane = dstWidth * dstHeight;
        int d0 = ox + dstWidth * (dRow + dstHeight * c0);
        if (samples == 3) {
            int d1 = d0 + plane;
            int d2 = d1 + plane;
            for (int i = 0, s = src; i < w; i++, s += 3) {
                dst[d0 + i] = buf[s];
                dst[d1 + i] = buf[s + 1];
                dst[d2 + i] = buf[s + 2];
            }
        } else {
            for (int c = 0; c < samples; c++) {
                int d = d0 + c * plane;
                for (int i = 0, s = src + c; i < w; i++, s += samples) {
                    dst[d + i] = buf[s];
                }
            }
        }
    }

    private void readFully(ByteBuffer bb, long pos) throws IOException {
        long p = pos;
        while (bb.hasRemaining()) {
            int n = channel.read(bb, p);
            if (n < 0) {
                throw new EOFException(file + ": unexpected end of file at byte " + p + " (truncated?)");
            }
            p += n;
        }
    }
}
