package io.github.hubmapseg.tiling;

import io.github.hubmapseg.core.slide.AbstractImageSource;
import io.github.hubmapseg.core.slide.ImageSource;
import io.github.hubmapseg.core.slide.SlideInfo;
import java.io.IOException;
import java.io.InterruptedIOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import net.imglib2.FinalInterval;

/**
 * The read-ahead band of a pass over an 8-bit slide: the source rows that the windows of the current tile row
 * and of the next one need, read once, full width, in a ring of rows (channel-planar, or interleaved as an uncompressed chunky TIFF stores them). A loader thread
 * reads the next rows in chunks (aligned to the file's tile rows when it is compressed and tiled, so that each
 * tile is decoded once; each chunk split by columns over parallel reads) while the windows of the current tile
 * row are assembled from the ring, converting each byte to float once, straight into the batch. So each pixel
 * is read and decoded once per pass instead of once per window covering it (1.78 times at T512 S384), and the
 * predictor does not wait for the file.
 *
 * <p>Memory: {@link #plannedRows} rows of {@code width * channels} bytes, counted in the pass's
 * {@link MemoryPlan#readAheadBytes()}. Windows call {@link #acquire} (waits until the rows of their tile row are
 * in), are assembled ({@link #window}), then {@link #release}; the loader overwrites a row only when every
 * window that needs it is released. Without a loader thread ({@code readerThreads(0)}) {@link #acquire} reads
 * the missing chunks itself.
 */
final class ReadAheadBand implements AutoCloseable {

    /** Largest file block height that chunks are aligned to; taller blocks (strips): chunks of {@link #CHUNK}. */
    static final int MAX_ALIGN = 512;
    /** Rows per chunk when chunks are not aligned to the file's blocks. */
    static final int CHUNK = 64;

    private final ImageSource source;
    private final int width;
    private final int height;
    private final int channels;
    private final int cap;
    private final int win;
    private final int expand;
    private final long[] xs;
    private final long[] ys;
    private final int[] needLo;
    private final int[] needHi;
    private final int[] left;
    private final int[] chunkStart;
    private final int[] chunkEnd;
    private final int[] partX;
    private final byte[] ring;
    private final ConvertKernel conv = Rasters.convert();
    /** Ring layout: pixels interleaved as the file stores them ({@code ring[(row * width + x) * C + c]}), else planar. */
    private final boolean inter;
    private final ExecutorService parts;
    private final Thread loader;
    // guarded by this
    private int loaded;
    private int firstOpen;
    private int dropBefore;
    private int nextChunk;
    private Throwable failure;
    private boolean closed;

    /**
     * @param source         the slide at the pass's scale
     * @param g              the pass's grid
     * @param windowsPerRow  windows to assemble per tile row (0: the row is skipped, its rows are not read)
     * @param threads        parallel reads per chunk; with {@code ahead} a loader thread reads ahead
     * @param ahead          read ahead on a loader thread (else {@link #acquire} reads in the calling thread)
     */
    ReadAheadBand(ImageSource source, TileGrid g, int[] windowsPerRow, int threads, boolean ahead) {
        this.source = source;
        this.width = Math.toIntExact(g.width());
        this.height = Math.toIntExact(g.height());
        this.channels = source.channels();
        this.win = g.windowSize();
        this.expand = g.expand();
        this.xs = g.startsX();
        this.ys = g.startsY();
        int[][] span = spans(g);
        this.needLo = span[0];
        this.needHi = span[1];
        this.left = windowsPerRow.clone();
        SlideInfo info = source.info();
        int unit = unit(source, info);
        this.cap = ringRows(needLo, needHi, height, unit);
        long bytes = (long) cap * width * channels;
        if (bytes > Integer.MAX_VALUE - 8) {
            throw new IllegalArgumentException("read-ahead band of " + cap + " rows x " + width + " x " + channels
                    + " bytes is larger than one array");
        }
        this.ring = new byte[(int) bytes];
        this.inter = source instanceof AbstractImageSource a && a.readsInterleaved();
        List<int[]> chunks = new ArrayList<>();
        int y = 0;
        for (int r = 0; r < needLo.length; r++) {
            if (left[r] == 0) {
                continue;
            }
            int s = Math.max(y, needLo[r]);
            while (s < needHi[r]) {
                int e = Math.min(height, (s / unit + 1) * unit);
                chunks.add(new int[] {s, e});
                s = e;
            }
            y = Math.max(y, s);
        }
        this.chunkStart = chunks.stream().mapToInt(c -> c[0]).toArray();
        this.chunkEnd = chunks.stream().mapToInt(c -> c[1]).toArray();
        int nParts = Math.max(1, Math.min(threads, (width + 255) / 256));
        long bw = info.tiled() && info.blockWidth() > 0 && info.blockWidth() < width ? info.blockWidth() : 1;
        this.partX = new int[nParts + 1];
        for (int p = 1; p < nParts; p++) {
            long x = (long) width * p / nParts;
            partX[p] = (int) Math.min(width, (x + bw / 2) / bw * bw);
        }
        partX[nParts] = width;
        this.firstOpen = firstOpen(0);
        this.dropBefore = firstOpen < left.length ? needLo[firstOpen] : height;
        if (ahead) {
            this.parts = nParts > 1 ? Executors.newFixedThreadPool(nParts - 1, rr -> daemon(rr, "read-ahead-part"))
                    : null;
            this.loader = daemon(this::load, "read-ahead");
            loader.start();
        } else {
            this.parts = null;
            this.loader = null;
        }
    }

    private static Thread daemon(Runnable r, String name) {
        Thread t = new Thread(r, name);
        t.setDaemon(true);
        return t;
    }

    /** Rows per chunk: the file's tile height when compressed and tiled (each tile decoded once), else CHUNK. */
    private static int unit(ImageSource source, SlideInfo info) {
        int reduce = source instanceof ReducedImageSource rs ? rs.reduce() : 1;
        long bh = info.blockHeight();
        boolean compressed = info.compression() != null && !"none".equalsIgnoreCase(info.compression());
        if (compressed && info.tiled() && bh > 0 && bh % reduce == 0 && bh / reduce <= MAX_ALIGN) {
            return (int) (bh / reduce);
        }
        return CHUNK;
    }

    /** Per tile row: the source rows {@code [lo, hi)} its windows read (reflect-101 at the borders). */
    static int[][] spans(TileGrid g) {
        long[] ys = g.startsY();
        int win = g.windowSize();
        long h = g.height();
        int[] lo = new int[ys.length];
        int[] hi = new int[ys.length];
        for (int r = 0; r < ys.length; r++) {
            long y0 = ys[r] - g.expand();
            if (y0 >= 0 && y0 + win <= h) {
                lo[r] = (int) y0;
                hi[r] = (int) (y0 + win);
                continue;
            }
            long mn = Long.MAX_VALUE;
            long mx = Long.MIN_VALUE;
            for (int j = 0; j < win; j++) {
                long v = TileGrid.reflect101(y0 + j, h);
                mn = Math.min(mn, v);
                mx = Math.max(mx, v);
            }
            lo[r] = (int) mn;
            hi[r] = (int) mx + 1;
        }
        return new int[][] {lo, hi};
    }

    /** Ring rows: the rows of two consecutive tile rows plus one chunk, at most the image height. */
    private static int ringRows(int[] lo, int[] hi, int height, int unit) {
        long need = 0;
        for (int r = 0; r < lo.length; r++) {
            int next = Math.min(r + 1, lo.length - 1);
            need = Math.max(need, Math.max(hi[r], hi[next]) - lo[r]);
        }
        return (int) Math.min(height, need + unit - 1);
    }

    /** The most rows a band of this grid holds (with chunks of up to {@link #MAX_ALIGN} rows): for the plan. */
    static long plannedRows(TileGrid g) {
        int[][] s = spans(g);
        return ringRows(s[0], s[1], Math.toIntExact(g.height()), MAX_ALIGN);
    }

    private int firstOpen(int from) {
        int r = from;
        while (r < left.length && left[r] == 0) {
            r++;
        }
        return r;
    }

    /** Waits until the rows of tile row {@code r} are in the ring (reads them in the calling thread without a loader). */
    void acquire(int r) throws IOException {
        if (loader == null) {
            while (loaded < needHi[r]) {
                readChunk(nextChunk);
                loaded = chunkEnd[nextChunk++];
            }
            return;
        }
        synchronized (this) {
            while (loaded < needHi[r]) {
                if (failure != null) {
                    rethrow(failure);
                }
                if (closed) {
                    throw new IOException("read-ahead band closed");
                }
                try {
                    wait();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new InterruptedIOException("interrupted while waiting for rows " + needLo[r] + ".."
                            + (needHi[r] - 1));
                }
            }
        }
    }

    /** One window of tile row {@code r} is assembled: its rows may be overwritten once all are. */
    void release(int r) {
        synchronized (this) {
            if (--left[r] == 0 && r == firstOpen) {
                firstOpen = firstOpen(r);
                dropBefore = firstOpen < left.length ? needLo[firstOpen] : height;
                notifyAll();
            }
        }
    }

    /**
     * Assembles window (r, c) as floats, {@code dst[off + i + win * (j + win * ch)]}; its row is acquired. Each
     * window row is converted by the {@link ConvertKernel} in its in-image run of columns (deinterleaved while
     * converting when the ring is interleaved: each ring row segment is read once while it is in L1); only the
     * columns that reflect-101 maps back into the image at the left and right borders are copied one by one.
     */
    void window(int r, int c, float[] dst, int off) {
        long y0 = ys[r] - expand;
        long x0 = xs[c] - expand;
        // window columns [i0, i1) are inside the image: source columns x0 + i
        int i0 = (int) Math.min(win, Math.max(0, -x0));
        int i1 = (int) Math.max(i0, Math.min(win, width - x0));
        int[] xi = i0 == 0 && i1 == win ? null : reflected(x0);
        int cs = channels;
        int planeOut = win * win;
        for (int j = 0; j < win; j++) {
            int rr = ringRow(y0 + j);
            int d = off + win * j;
            if (inter) {
                int s = rr * width * cs;
                conv.chunky(ring, s + (int) (x0 + i0) * cs, cs, dst, d + i0, planeOut, i1 - i0);
                if (xi != null) {
                    for (int ch = 0; ch < cs; ch++) {
                        reflectedColumns(s + ch, cs, xi, dst, d + ch * planeOut, i0, i1);
                    }
                }
            } else {
                for (int ch = 0; ch < cs; ch++) {
                    int s = (ch * cap + rr) * width;
                    int dc = d + ch * planeOut;
                    conv.planar(ring, s + (int) x0 + i0, dst, dc + i0, i1 - i0);
                    if (xi != null) {
                        reflectedColumns(s, 1, xi, dst, dc, i0, i1);
                    }
                }
            }
        }
    }

    /**
     * The window columns outside the image, {@code [0, i0)} and {@code [i1, win)}, of one channel of one window
     * row: {@code dst[d + i] = ring[base + xi[i] * step] & 0xFF} (step: the channels of an interleaved ring, 1 for
     * a planar one).
     */
    private void reflectedColumns(int base, int step, int[] xi, float[] dst, int d, int i0, int i1) {
        for (int i = 0; i < i0; i++) {
            dst[d + i] = ring[base + xi[i] * step] & 0xFF;
        }
        for (int i = i1; i < win; i++) {
            dst[d + i] = ring[base + xi[i] * step] & 0xFF;
        }
    }

    /** Double variant of {@link #window(int, int, float[], int)}. */
    void window(int r, int c, double[] dst, int off) {
        long y0 = ys[r] - expand;
        long x0 = xs[c] - expand;
        int[] xi = reflected(x0);
        // a pixel's channel ch is at row + at(x) + ch * step in either layout
        int step = inter ? 1 : cap * width;
        int perPixel = inter ? channels : 1;
        int perRow = inter ? width * channels : width;
        for (int ch = 0; ch < channels; ch++) {
            for (int j = 0; j < win; j++) {
                int s = ch * step + ringRow(y0 + j) * perRow;
                int d = off + win * (j + win * ch);
                for (int i = 0; i < win; i++) {
                    dst[d + i] = ring[s + xi[i] * perPixel] & 0xFF;
                }
            }
        }
    }

    private int ringRow(long y) {
        return (int) (TileGrid.reflect101(y, height) % cap);
    }

    private int[] reflected(long x0) {
        int[] xi = new int[win];
        for (int i = 0; i < win; i++) {
            xi[i] = (int) TileGrid.reflect101(x0 + i, width);
        }
        return xi;
    }

    /** The loader thread: chunks in order, each once the rows it overwrites are released. */
    private void load() {
        try {
            for (int i = 0; i < chunkStart.length; i++) {
                synchronized (this) {
                    while (!closed && chunkEnd[i] - dropBefore > cap) {
                        wait();
                    }
                    if (closed) {
                        return;
                    }
                }
                readChunk(i);
                synchronized (this) {
                    loaded = chunkEnd[i];
                    notifyAll();
                }
            }
        } catch (Throwable t) {
            synchronized (this) {
                failure = t;
                notifyAll();
            }
        }
    }

    /** Reads chunk i into the ring, its column parts in parallel. */
    private void readChunk(int i) throws IOException {
        int s = chunkStart[i];
        int e = chunkEnd[i];
        int n = partX.length - 1;
        if (parts == null || n == 1) {
            for (int p = 0; p < n; p++) {
                readPart(partX[p], partX[p + 1], s, e);
            }
            return;
        }
        List<Future<Void>> fs = new ArrayList<>();
        for (int p = 1; p < n; p++) {
            int a = partX[p];
            int b = partX[p + 1];
            fs.add(parts.submit(() -> {
                readPart(a, b, s, e);
                return null;
            }));
        }
        readPart(partX[0], partX[1], s, e);
        for (Future<Void> f : fs) {
            try {
                f.get();
            } catch (InterruptedException ex) {
                Thread.currentThread().interrupt();
                throw new InterruptedIOException("interrupted while reading rows " + s + ".." + (e - 1));
            } catch (ExecutionException ex) {
                rethrow(ex.getCause());
            }
        }
    }

    /** Columns {@code [x0, x1)} of rows {@code [s, e)} into the ring, split where the ring wraps. */
    private void readPart(int x0, int x1, int s, int e) throws IOException {
        int w = x1 - x0;
        for (int y = s; y < e; ) {
            int row = y % cap;
            int n = Math.min(e - y, cap - row);
            if (inter) {
                ((AbstractImageSource) source).readInterleavedInto(x0, y, w, n, ring, width * channels, x0, row);
            } else if (source instanceof AbstractImageSource a) {
                a.readInto(x0, y, w, n, ring, width, cap, x0, row);
            } else {
                byte[] b = source.read(FinalInterval.createMinSize(x0, y, w, n)).update(null)
                        .getCurrentStorageArray();
                for (int ch = 0; ch < channels; ch++) {
                    for (int j = 0; j < n; j++) {
                        System.arraycopy(b, w * (j + n * ch), ring, x0 + width * (row + j + cap * ch), w);
                    }
                }
            }
            y += n;
        }
    }

    private static void rethrow(Throwable t) throws IOException {
        if (t instanceof IOException io) {
            throw io;
        }
        if (t instanceof RuntimeException re) {
            throw re;
        }
        if (t instanceof Error err) {
            throw err;
        }
        throw new UncheckedIOException(new IOException(t));
    }

    /** Stops the loader after the chunk it is reading (never interrupted: an interrupt closes a FileChannel). */
    @Override
    public void close() {
        synchronized (this) {
            closed = true;
            notifyAll();
        }
        if (parts != null) {
            parts.shutdown();
        }
        if (loader != null && loader != Thread.currentThread()) {
            try {
                loader.join();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }
}
