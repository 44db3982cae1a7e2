package io.github.hubmapseg.core.slide;

import java.io.EOFException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;

/**
 * Reads an uncompressed page, stripped or tiled, by seeking to the bytes of the rows a region needs, whatever
 * the strip or tile size (tifffile writes a whole-slide image as one strip of several GB by default, which
 * algart-tiff refuses; and reading uncompressed tiles directly avoids algart-tiff's decode-and-copy of whole
 * tiles).
 *
 * <p>Memory: a row buffer of {@link #BUFFER_BYTES} per reading thread, reused across calls (or one row segment,
 * if larger, allocated for that call); nothing else is allocated. Region rows covering less than half a block row are read segment by segment (one
 * positional read per row, block and plane); wider ones read runs of whole block rows at once.
 *
 * <p>Thread-safety: reads use {@link FileChannel#read(ByteBuffer, long)} (positional, no shared position), so
 * concurrent reads from several threads are safe and run in parallel.
 */
final class UncompressedPageReader implements TiffPageReader {

    /** Upper bound of the row buffer of one read call. */
    static final int BUFFER_BYTES = 1 << 20;

    /** Each reading thread's row buffer (reads run in parallel from several threads; none holds it across calls). */
    private static final ThreadLocal<byte[]> BUFFERS = ThreadLocal.withInitial(() -> new byte[0]);

    private final Path file;
    private final FileChannel channel;
    private final int width;
    private final int height;
    private final int samples;
    private final boolean planar;
    private final int blockWidth;
    private final int blockHeight;
    private final int blocksAcross;
    private final int blocksPerPlane;
    private final long[] offsets;
    /** Bytes of one row of one block of one plane. */
    private final long blockRowBytes;
    /** Bytes of one pixel inside a plane. */
    private final int pixelBytes;

    UncompressedPageReader(Path file, FileChannel channel, TiffPage page) throws IOException {
        this.file = file;
        this.channel = channel;
        this.width = page.width();
        this.height = page.height();
        this.samples = page.samples();
        this.planar = page.planar();
        this.blockWidth = page.blockWidth();
        this.blockHeight = page.blockHeight();
        String kind = page.tiled() ? "tile" : "strip";
        String where = file + " (page " + page.index() + ")";
        long blocks = page.blockCount(); // TiffPage.of checked the offsets and byte counts hold this many
        if (blocks > Integer.MAX_VALUE) {
            throw new IOException(where + ": " + blocks + " " + kind + "s, more than 2^31 - 1");
        }
        this.blocksAcross = (int) page.blocksAcross();
        this.blocksPerPlane = Math.toIntExact(page.blocksAcross() * page.blocksDown());
        this.pixelBytes = planar ? 1 : samples;
        this.blockRowBytes = Math.multiplyExact((long) blockWidth, pixelBytes);
        this.offsets = page.offsets().clone();
        long fileLength = channel.size();
        for (int s = 0; s < blocks; s++) {
            long firstRow = (long) ((s % blocksPerPlane) / blocksAcross) * blockHeight;
            // tiles are always whole; the last strip may hold fewer rows
            long rows = page.tiled() ? blockHeight : Math.min(blockHeight, height - firstRow);
            long need;
            try {
                need = Math.multiplyExact(rows, blockRowBytes);
            } catch (ArithmeticException e) {
                throw new IOException(where + ": " + kind + " " + s + " of " + rows + " rows of " + blockRowBytes
                        + " bytes is too large (overflows 64 bits)");
            }
            if (Long.compareUnsigned(page.byteCounts()[s], need) < 0) {
                throw new IOException(where + ": " + kind + " " + s + " holds " + page.byteCounts()[s]
                        + " bytes, an uncompressed " + kind + " of " + rows + " rows needs " + need);
            }
            page.checkBlockInside(file, s, offsets[s], page.byteCounts()[s], fileLength);
        }
    }

    @Override
    public int channels() {
        return samples;
    }

    @Override
    public void read(int x, int y, int w, int h, byte[] dst, int dstWidth, int dstHeight, int ox, int oy, int c0)
            throws IOException {
        int planes = planar ? samples : 1;
        byte[] buf = null;
        int bx0 = x / blockWidth;
        int bx1 = (int) (((long) x + w - 1) / blockWidth);
        for (int p = 0; p < planes; p++) {
            for (int bx = bx0; bx <= bx1; bx++) {
                // the part of the region inside this column of blocks (long: blockWidth may be 2^31 - 1)
                int sx = (int) Math.max(x, (long) bx * blockWidth);
                int ex = (int) Math.min((long) x + w, (long) (bx + 1) * blockWidth);
                int sw = ex - sx;
                long segment = (long) sw * pixelBytes;
                boolean dense = segment * 2 >= blockRowBytes;
                int rowsPerRead = dense ? (int) Math.max(1, Math.min(h, BUFFER_BYTES / blockRowBytes)) : 1;
                long need = dense ? (rowsPerRead - 1) * blockRowBytes + segment : segment;
                if (!(planar && !dense) && (buf == null || buf.length < need)) {
                    buf = buffer((int) need);
                }
                int j = 0;
                while (j < h) {
                    int row = y + j;
                    int n = rowsInRead(row, h - j, rowsPerRead);
                    long pos = position(p, bx, row, sx);
                    int dx = ox + sx - x;
                    if (planar && !dense) {
                        // planar, narrow: read straight into the destination row
                        int d = dx + dstWidth * (oy + j + dstHeight * (c0 + p));
                        readFully(ByteBuffer.wrap(dst, d, sw), pos);
                    } else {
                        int len = (int) ((n - 1) * blockRowBytes + segment);
                        readFully(ByteBuffer.wrap(buf, 0, len), pos);
                        for (int r = 0; r < n; r++) {
                            int src = (int) (r * blockRowBytes);
                            int dRow = oy + j + r;
                            if (planar) {
                                System.arraycopy(buf, src, dst, dx + dstWidth * (dRow + dstHeight * (c0 + p)), sw);
                            } else {
                                deinterleave(buf, src, sw, dst, dstWidth, dstHeight, dx, dRow, c0);
                            }
                        }
                    }
                    j += n;
                }
            }
        }
    }

    /**
     * The file position of pixel {@code sx} of row {@code row} in block column {@code bx} of plane {@code p}:
     * inside the file, since the constructor checked every block's last byte.
     */
    private long position(int p, int bx, int row, int sx) {
        int by = row / blockHeight;
        return offsets[p * blocksPerPlane + by * blocksAcross + bx] + (row - (long) by * blockHeight) * blockRowBytes
                + (sx - (long) bx * blockWidth) * pixelBytes;
    }

    /** Rows from {@code row} that one read covers: at most {@code max} and {@code left}, not past its block row. */
    private int rowsInRead(int row, int left, int max) {
        long blockEnd = Math.min((long) (row / blockHeight + 1) * blockHeight, height);
        return (int) Math.min(max, Math.min(left, blockEnd - row));
    }

    /** Whether the pixels are stored interleaved (chunky): {@link #readInterleaved} copies rows as they are. */
    boolean interleaved() {
        return !planar;
    }

    /**
     * Copies {@code [x, x + w) x [y, y + h)} (inside the page, interleaved page) into
     * {@code dst[(oy + j) * rowStride + (ox + i) * samples + c]}: row segments as stored, no deinterleaving.
     */
    void readInterleaved(int x, int y, int w, int h, byte[] dst, int rowStride, int ox, int oy) throws IOException {
        int bx0 = x / blockWidth;
        int bx1 = (int) (((long) x + w - 1) / blockWidth);
        for (int bx = bx0; bx <= bx1; bx++) {
            int sx = (int) Math.max(x, (long) bx * blockWidth);
            int ex = (int) Math.min((long) x + w, (long) (bx + 1) * blockWidth);
            int segment = (ex - sx) * samples;
            boolean dense = (long) segment * 2 >= blockRowBytes;
            int rowsPerRead = dense ? (int) Math.max(1, Math.min(h, BUFFER_BYTES / blockRowBytes)) : 1;
            byte[] buf = dense ? buffer((int) ((rowsPerRead - 1) * blockRowBytes + segment)) : null;
            int j = 0;
            while (j < h) {
                int row = y + j;
                int n = rowsInRead(row, h - j, rowsPerRead);
                long pos = position(0, bx, row, sx);
                int d = (oy + j) * rowStride + (ox + sx - x) * samples;
                if (!dense) {
                    readFully(ByteBuffer.wrap(dst, d, segment), pos);
                } else {
                    readFully(ByteBuffer.wrap(buf, 0, (int) ((n - 1) * blockRowBytes + segment)), pos);
                    for (int r = 0; r < n; r++) {
                        System.arraycopy(buf, (int) (r * blockRowBytes), dst, d + r * rowStride, segment);
                    }
                }
                j += n;
            }
        }
    }

    /** A row buffer of at least n bytes: this thread's reused one up to {@link #BUFFER_BYTES}, else a new one. */
    private static byte[] buffer(int n) {
        if (n > BUFFER_BYTES) {
            return new byte[n];
        }
        byte[] b = BUFFERS.get();
        if (b.length < n) {
            b = new byte[BUFFER_BYTES];
            BUFFERS.set(b);
        }
        return b;
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
