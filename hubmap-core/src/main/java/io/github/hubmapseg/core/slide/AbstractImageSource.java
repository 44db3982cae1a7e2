package io.github.hubmapseg.core.slide;

import java.io.IOException;
import net.imglib2.Interval;
import net.imglib2.img.array.ArrayImg;
import net.imglib2.img.array.ArrayImgs;
import net.imglib2.img.basictypeaccess.array.ByteArray;
import net.imglib2.type.numeric.integer.UnsignedByteType;

/**
 * Base class of {@link ImageSource}s: implements padding of regions that leave the image and the
 * downsampled read on top of one primitive operation, {@link #readValid}, which only ever sees rectangles
 * inside the image.
 *
 * <p>Downsampled reads are done in bands of output rows so that at most about {@link #REDUCE_BAND_BYTES}
 * of full-resolution pixels are held at once, whatever the region size.
 */
public abstract class AbstractImageSource implements ImageSource {

    /**
     * Upper bound, in bytes, of the full-resolution band buffer used by {@link #read(Interval, int)}: small, so
     * that a reduced read of a large region stays within a small heap (tiles that straddle two bands are
     * usually served by the reader's tile cache).
     */
    public static final int REDUCE_BAND_BYTES = 4 << 20;

    /**
     * Copies the in-image rectangle {@code [x, x + w) x [y, y + h)} into a channel-planar destination.
     * The rectangle is never empty and always lies inside the image.
     *
     * @param dst       destination, layout {@code dst[(ox + i) + dstWidth * ((oy + j) + dstHeight * c)]}
     * @param dstWidth  width of the destination planes
     * @param dstHeight height of the destination planes
     * @param ox        column in the destination of the rectangle's first column
     * @param oy        row in the destination of the rectangle's first row
     */
    protected abstract void readValid(long x, long y, int w, int h, byte[] dst, int dstWidth, int dstHeight,
                                      int ox, int oy) throws IOException;

    @Override
    public ArrayImg<UnsignedByteType, ByteArray> read(Interval region) throws IOException {
        checkRegion(region);
        int w = (int) region.dimension(0);
        int h = (int) region.dimension(1);
        byte[] dst = new byte[checkHeap(region, (long) w * h * channels())];
        readInto(region.min(0), region.min(1), w, h, dst);
        return ArrayImgs.unsignedBytes(dst, w, h, channels());
    }

    /**
     * Reads the (possibly out-of-image) rectangle {@code [x, x + w) x [y, y + h)} into a planar array of
     * exactly {@code w * h * channels} bytes, padding with {@link #fillValue()}.
     */
    public void readInto(long x, long y, int w, int h, byte[] dst) throws IOException {
        int c = channels();
        if (dst.length != (long) w * h * c) {
            throw new IllegalArgumentException("destination must hold w*h*channels = " + (long) w * h * c
                    + " bytes, got " + dst.length);
        }
        long x0 = Math.max(x, 0);
        long y0 = Math.max(y, 0);
        long x1 = Math.min(x + w, width());
        long y1 = Math.min(y + h, height());
        boolean inside = x0 == x && y0 == y && x1 == x + w && y1 == y + h;
        if (!inside) {
            java.util.Arrays.fill(dst, (byte) fillValue());
        }
        if (x1 > x0 && y1 > y0) {
            readValid(x0, y0, (int) (x1 - x0), (int) (y1 - y0), dst, w, h, (int) (x0 - x), (int) (y0 - y));
        }
    }

    /**
     * Whether {@link #readInterleavedInto} can read this source: its pixels are stored interleaved and
     * uncompressed (an uncompressed chunky TIFF), so rows can be copied as they are, without deinterleaving.
     */
    public boolean readsInterleaved() {
        return false;
    }

    /**
     * Reads the in-image rectangle {@code [x, x + w) x [y, y + h)} with its pixels interleaved, as the file
     * stores them, into {@code dst[(oy + j) * rowStride + (ox + i) * channels + c]} (a ring of full-width rows:
     * the engine's read-ahead band); only where {@link #readsInterleaved()}.
     *
     * @throws IllegalArgumentException if the rectangle leaves the image or does not fit the destination
     * @throws UnsupportedOperationException if this source does not read interleaved rows
     */
    public void readInterleavedInto(long x, long y, int w, int h, byte[] dst, int rowStride, int ox, int oy)
            throws IOException {
        if (!readsInterleaved()) {
            throw new UnsupportedOperationException(this + " does not read interleaved rows");
        }
        if (w <= 0 || h <= 0 || x < 0 || y < 0 || x + w > width() || y + h > height()) {
            throw new IllegalArgumentException("rectangle x=" + x + " y=" + y + " " + w + " x " + h
                    + " must be non-empty and inside the " + width() + " x " + height() + " image");
        }
        if (ox < 0 || oy < 0 || rowStride < 0 || (long) (ox + w) * channels() > rowStride
                || (long) (oy + h) * rowStride > dst.length) {
            throw new IllegalArgumentException("rectangle " + w + " x " + h + " x " + channels() + " at (" + ox
                    + ", " + oy + ") does not fit rows of " + rowStride + " bytes in " + dst.length + " bytes");
        }
        readValidInterleaved(x, y, w, h, dst, rowStride, ox, oy);
    }

    /** {@link #readInterleavedInto} of a checked rectangle; sources that {@link #readsInterleaved()} override it. */
    protected void readValidInterleaved(long x, long y, int w, int h, byte[] dst, int rowStride, int ox, int oy)
            throws IOException {
        throw new UnsupportedOperationException(this + " does not read interleaved rows");
    }

    /**
     * Reads the in-image rectangle {@code [x, x + w) x [y, y + h)} into a part of a larger channel-planar
     * destination, {@code dst[(ox + i) + dstWidth * ((oy + j) + dstHeight * c)]}: a band or ring of rows that
     * is filled piece by piece (the engine's read-ahead band), with no array of the region's size in between.
     *
     * @throws IllegalArgumentException if the rectangle leaves the image or does not fit the destination,
     *                                  naming the numbers
     */
    public void readInto(long x, long y, int w, int h, byte[] dst, int dstWidth, int dstHeight, int ox, int oy)
            throws IOException {
        if (w <= 0 || h <= 0 || x < 0 || y < 0 || x + w > width() || y + h > height()) {
            throw new IllegalArgumentException("rectangle x=" + x + " y=" + y + " " + w + " x " + h
                    + " must be non-empty and inside the " + width() + " x " + height() + " image");
        }
        if (ox < 0 || oy < 0 || (long) ox + w > dstWidth || (long) oy + h > dstHeight
                || (long) dstWidth * dstHeight * channels() > dst.length) {
            throw new IllegalArgumentException("rectangle " + w + " x " + h + " at (" + ox + ", " + oy
                    + ") does not fit a destination of " + dstWidth + " x " + dstHeight + " x " + channels()
                    + " in " + dst.length + " bytes");
        }
        readValid(x, y, w, h, dst, dstWidth, dstHeight, ox, oy);
    }

    @Override
    public ArrayImg<UnsignedByteType, ByteArray> read(Interval region, int reduce) throws IOException {
        if (reduce < 1) {
            throw new IllegalArgumentException("reduce must be >= 1, got " + reduce);
        }
        if (reduce == 1) {
            return read(region);
        }
        // the full-resolution region is read in bands: only the reduced output must fit one array
        checkRegion(region, reduce);
        int w = (int) region.dimension(0);
        int h = (int) region.dimension(1);
        int c = channels();
        int ow = (w + reduce - 1) / reduce;
        int oh = (h + reduce - 1) / reduce;
        byte[] out = new byte[checkHeap(region, (long) ow * oh * c)];
        if (blockWidthHint() > 0 && blockHeightHint() > 0) {
            reduceByBlocks(region.min(0), region.min(1), w, h, reduce, out);
            return ArrayImgs.unsignedBytes(out, ow, oh, c);
        }
        long rowBytes = (long) w * c * reduce;
        int bandRows = (int) Math.max(1, Math.min(oh, REDUCE_BAND_BYTES / Math.max(1, rowBytes)));
        int[] acc = new int[ow];
        int[] cnt = new int[ow];
        for (int ob = 0; ob < oh; ob += bandRows) {
            int nb = Math.min(bandRows, oh - ob);
            int fy = ob * reduce;
            int fh = Math.min(nb * reduce, h - fy);
            byte[] band = new byte[Math.multiplyExact(Math.multiplyExact(w, fh), c)];
            readInto(region.min(0), region.min(1) + fy, w, fh, band);
            for (int ch = 0; ch < c; ch++) {
                int plane = ch * w * fh;
                for (int oy = 0; oy < nb; oy++) {
                    java.util.Arrays.fill(acc, 0);
                    java.util.Arrays.fill(cnt, 0);
                    int ry0 = oy * reduce;
                    int ry1 = Math.min(ry0 + reduce, fh);
                    for (int ry = ry0; ry < ry1; ry++) {
                        int base = plane + ry * w;
                        for (int xx = 0; xx < w; xx++) {
                            int o = xx / reduce;
                            acc[o] += band[base + xx] & 0xFF;
                            cnt[o]++;
                        }
                    }
                    int obase = ch * ow * oh + (ob + oy) * ow;
                    for (int ox = 0; ox < ow; ox++) {
                        out[obase + ox] = (byte) ((acc[ox] * 2 + cnt[ox]) / (2 * cnt[ox]));
                    }
                }
            }
        }
        return ArrayImgs.unsignedBytes(out, ow, oh, c);
    }

    /**
     * Width of the blocks (tiles, or strips: the image width) that the file is decoded in, or 0 when reading any
     * rectangle costs only its own pixels. With both hints positive, {@link #read(Interval, int)} reads the
     * region block row by block row, in chunks aligned to the block grid, so each block is decoded once.
     */
    protected int blockWidthHint() {
        return 0;
    }

    /** Height of the blocks (tiles or strips) the file is decoded in, or 0; see {@link #blockWidthHint()}. */
    protected int blockHeightHint() {
        return 0;
    }

    /**
     * Reduced read in chunks aligned to the block grid of {@link #blockWidthHint()} x {@link #blockHeightHint()}
     * (anchored at the image origin): block row by block row, each row in chunks of whole blocks of at most about
     * {@link #REDUCE_BAND_BYTES} (at least one block). Block sums are accumulated in ints for the output rows the
     * current block row touches, so every block is read once and memory stays at one chunk plus a few output rows.
     */
    private void reduceByBlocks(long rx, long ry, int w, int h, int r, byte[] out) throws IOException {
        int c = channels();
        int bw = blockWidthHint();
        int bh = blockHeightHint();
        int ow = (w + r - 1) / r;
        int oh = (h + r - 1) / r;
        int accRows = (bh + r - 1) / r + 1;
        int[] acc = new int[ow * accRows * c];
        int oBase = 0;                                    // output row held in acc row 0
        long chunkBlocks = Math.max(1, REDUCE_BAND_BYTES / Math.max(1, (long) bw * bh * c));
        long cwMax = Math.min(chunkBlocks * bw, Integer.MAX_VALUE / 4);
        byte[] buf = new byte[0];
        int[] oxOf = new int[0];
        long yEnd = ry + h;
        long xEnd = rx + w;
        for (long fy0 = ry; fy0 < yEnd; ) {
            long fy1 = Math.min(yEnd, Math.floorDiv(fy0, bh) * bh + bh);
            int fh = (int) (fy1 - fy0);
            for (long fx0 = rx; fx0 < xEnd; ) {
                long fx1 = Math.min(xEnd, Math.floorDiv(fx0, bw) * bw + cwMax);
                int fw = (int) (fx1 - fx0);
                int need = fw * fh * c;
                if (buf.length != need) {
                    buf = new byte[need];   // readInto wants the exact size; only edge chunks differ
                }
                readInto(fx0, fy0, fw, fh, buf);
                if (oxOf.length < fw) {
                    oxOf = new int[fw];
                }
                int dx = (int) (fx0 - rx);
                for (int i = 0; i < fw; i++) {
                    oxOf[i] = (dx + i) / r;
                }
                for (int ch = 0; ch < c; ch++) {
                    int plane = ch * fw * fh;
                    int accPlane = ch * ow * accRows;
                    for (int j = 0; j < fh; j++) {
                        int accRow = accPlane + ((int) (fy0 - ry + j) / r - oBase) * ow;
                        int base = plane + j * fw;
                        for (int i = 0; i < fw; i++) {
                            acc[accRow + oxOf[i]] += buf[base + i] & 0xFF;
                        }
                    }
                }
                fx0 = fx1;
            }
            // output rows complete after this block row
            int oDone = fy1 == yEnd ? oh : (int) ((fy1 - ry) / r);
            for (int o = oBase; o < oDone; o++) {
                int cellH = Math.min(r, h - o * r);
                for (int ch = 0; ch < c; ch++) {
                    int a = ch * ow * accRows + (o - oBase) * ow;
                    int dst = ch * ow * oh + o * ow;
                    for (int ox = 0; ox < ow; ox++) {
                        int n = cellH * Math.min(r, w - ox * r);
                        out[dst + ox] = (byte) ((acc[a + ox] * 2 + n) / (2 * n));
                    }
                }
            }
            // move the rows not yet complete (at most one, holding partial sums) to the front
            int done = oDone - oBase;
            for (int ch = 0; ch < c; ch++) {
                int a = ch * ow * accRows;
                System.arraycopy(acc, a + done * ow, acc, a, (accRows - done) * ow);
                java.util.Arrays.fill(acc, a + (accRows - done) * ow, a + accRows * ow, 0);
            }
            oBase = oDone;
            fy0 = fy1;
        }
    }

    /** Validates a region argument: 2-D, non-empty, at most 2^29 pixels. */
    /**
     * The size of a result array, refused before allocating when it is larger than an array may be or than the
     * whole heap ({@link Runtime#maxMemory()}).
     */
    private static int checkHeap(Interval region, long bytes) {
        long heap = Runtime.getRuntime().maxMemory();
        if (bytes > Integer.MAX_VALUE - 8 || bytes > heap) {
            throw new IllegalArgumentException("region " + region.dimension(0) + " x " + region.dimension(1)
                    + " needs " + bytes + " bytes, more than " + (bytes > Integer.MAX_VALUE - 8 ? "one array holds"
                    : "the Java heap (" + heap + " bytes, -Xmx)") + "; read it in parts");
        }
        return (int) bytes;
    }

    protected static void checkRegion(Interval region) {
        checkRegion(region, 1);
    }

    /**
     * Validates a region argument read with a reduction factor: 2-D, non-empty, full-resolution width and height
     * below 2^31, at most 2^29 pixels after reduction.
     */
    protected static void checkRegion(Interval region, int reduce) {
        if (region == null || region.numDimensions() != 2) {
            throw new IllegalArgumentException("region must be a 2-D (x, y) interval, got "
                    + (region == null ? "null" : region.numDimensions() + " dimensions"));
        }
        long w = region.dimension(0);
        long h = region.dimension(1);
        if (w <= 0 || h <= 0) {
            throw new IllegalArgumentException("region must be non-empty, got " + w + " x " + h);
        }
        long ow = (w + reduce - 1) / reduce;
        long oh = (h + reduce - 1) / reduce;
        if (w > Integer.MAX_VALUE / 4 || h > Integer.MAX_VALUE / 4 || ow * oh > Integer.MAX_VALUE / 4) {
            throw new IllegalArgumentException("region " + w + " x " + h + (reduce > 1 ? " reduced " + reduce + "x" : "")
                    + " is too large for one read (at most 2^29 output pixels); read it in parts");
        }
    }
}
