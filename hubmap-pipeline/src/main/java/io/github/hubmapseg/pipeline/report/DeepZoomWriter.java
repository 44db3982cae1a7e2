package io.github.hubmapseg.pipeline.report;

import io.github.hubmapseg.core.io.ImageFiles;
import io.github.hubmapseg.core.slide.RowPyramid;
import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.stream.Stream;

/**
 * Writes a Deep Zoom (DZI) tile pyramid from rows that arrive top to bottom, never holding the image: level
 * {@code L} of {@code max = ceil(log2(max(width, height)))} is {@code ceil(width / 2^(max - L))} wide, tiles are
 * {@code tileSize} square without overlap, named {@code <L>/<col>_<row>.<ext>} under the {@code _files} folder.
 * Each level keeps one row of tiles; the next level gets 2x2 means of the rows as they complete (a missing
 * column or row at an odd edge left out; core's {@link RowPyramid#ARGB_MEAN}, the downsampling the probability
 * OME-TIFF shares), so memory is about {@code 2 x tileSize x width} ARGB ints at full resolution, whatever the
 * height.
 *
 * <p>{@link Format#JPEG} tiles are opaque RGB; {@link Format#PNG} tiles keep the alpha channel and tiles that
 * are fully transparent are not written at all ({@link #writtenTiles()} lists those that were, so the viewer
 * asks only for them). The folder is written under a temporary name and renamed into place by
 * {@link #finish()}. Tiles are encoded on a shared pool of one daemon thread per core, at most four tiles per
 * thread waiting, so the memory bound holds.
 */
public final class DeepZoomWriter {

    /** Tile file format. */
    public enum Format {
        /** Opaque RGB tiles, quality 0.85 ({@link ImageFiles#jpeg}). */
        JPEG("jpeg"),
        /** ARGB tiles with transparency ({@link ImageFiles#png}: palette or RGBA, speed first); empty tiles skipped. */
        PNG("png");

        private final String ext;

        Format(String ext) {
            this.ext = ext;
        }

        /** File extension and the DZI {@code Format} value. */
        public String extension() {
            return ext;
        }
    }

    /** The JPEG quality of {@link Format#JPEG} tiles. */
    static final float JPEG_QUALITY = 0.85f;

    private final Path target;
    private final Path temp;
    private final long width;
    private final long height;
    private final int tileSize;
    private final Format format;
    private final int maxLevel;
    private final RowPyramid<int[]> pyramid;
    /** Per pyramid level (0 = full resolution): the rows of the current row of tiles. */
    private final int[][] bufs;
    private final int[] bufRows;
    private final int[] tileRows;
    private final List<String> written = new ArrayList<>();
    private static final int THREADS = Math.max(1, Runtime.getRuntime().availableProcessors());
    /** Tile encoders shared by all writers (daemon threads, one per core). */
    private static final java.util.concurrent.ExecutorService POOL = java.util.concurrent.Executors.newFixedThreadPool(
            THREADS, r -> {
                Thread t = new Thread(r, "dzi-encoder");
                t.setDaemon(true);
                return t;
            });
    private final java.util.ArrayDeque<java.util.concurrent.Future<Void>> futures = new java.util.ArrayDeque<>();
    private long rows;

    private DeepZoomWriter(Path filesDir, long width, long height, int tileSize, Format format) throws IOException {
        if (width < 1 || height < 1 || width > Integer.MAX_VALUE / 2 || height > Integer.MAX_VALUE / 2) {
            throw new IllegalArgumentException("image size must be 1 .. 2^30 pixels per side, got " + width + " x "
                    + height);
        }
        if (tileSize < 16 || tileSize > 4096) {
            throw new IllegalArgumentException("tileSize must be 16 .. 4096, got " + tileSize);
        }
        if ((long) 2 * tileSize * width * 4 > Runtime.getRuntime().maxMemory() / 2) {
            throw new IllegalArgumentException("a row of " + tileSize + "-pixel tiles of a " + width
                    + "-pixel-wide image needs " + (2L * tileSize * width * 4 >> 20) + " MiB, more than half the heap");
        }
        this.target = filesDir;
        this.temp = filesDir.resolveSibling("." + filesDir.getFileName() + ".tmp");
        deleteTree(temp);
        Files.createDirectories(temp);
        this.width = width;
        this.height = height;
        this.tileSize = tileSize;
        this.format = format;
        this.maxLevel = levels(width, height) - 1;
        int n = maxLevel + 1;
        this.bufs = new int[n][];
        this.bufRows = new int[n];
        this.tileRows = new int[n];
        long lw = width;
        for (int k = 0; k < n; k++) {
            bufs[k] = new int[tileSize * (int) lw];
            lw = (lw + 1) / 2;
        }
        this.pyramid = new RowPyramid<>(width, height, n, RowPyramid.ARGB_MEAN, this::row);
    }

    /**
     * Opens a writer.
     *
     * @param filesDir the {@code <name>_files} folder to create (replaced when {@link #finish()} succeeds)
     * @param width    image width
     * @param height   image height
     * @param tileSize tile side, 16 .. 4096 (256 is usual)
     * @param format   tile format
     * @throws IOException if the temporary folder cannot be created
     */
    public static DeepZoomWriter open(Path filesDir, long width, long height, int tileSize, Format format)
            throws IOException {
        return new DeepZoomWriter(filesDir, width, height, tileSize, format);
    }

    /** Number of levels of a {@code width x height} image: {@code ceil(log2(max side)) + 1}. */
    public static int levels(long width, long height) {
        long m = Math.max(width, height);
        int l = 0;
        while ((1L << l) < m) {
            l++;
        }
        return l + 1;
    }

    /**
     * Adds the next row: {@code width} ARGB pixels ({@code 0xAARRGGBB}) from {@code argb[off]}.
     *
     * @throws IOException if a tile cannot be written
     */
    public void addRow(int[] argb, int off) throws IOException {
        if (rows >= height) {
            throw new IllegalStateException("all " + height + " rows were already added");
        }
        pyramid.push(argb, off);
        rows++;
    }

    /** Rows added so far. */
    public long rowsAdded() {
        return rows;
    }

    /**
     * Writes what is left and moves the folder into place.
     *
     * @throws IllegalStateException if rows are missing
     */
    public void finish() throws IOException {
        if (rows != height) {
            throw new IllegalStateException("got " + rows + " of " + height + " rows");
        }
        while (!futures.isEmpty()) {
            await(futures.removeFirst());
        }
        deleteTree(target);
        Files.move(temp, target);
    }

    /** The tiles written, as {@code "L/col_row"} (all tiles for JPEG; non-empty ones for PNG). */
    public List<String> writtenTiles() {
        return written;
    }

    /** The highest level (full resolution). */
    public int maxLevel() {
        return maxLevel;
    }

    /** The DZI descriptor of this pyramid ({@code <Image ...>} XML). */
    public String descriptor() {
        return descriptor(width, height, tileSize, format);
    }

    /** A DZI descriptor. */
    public static String descriptor(long width, long height, int tileSize, Format format) {
        return "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
                + "<Image xmlns=\"http://schemas.microsoft.com/deepzoom/2008\" Format=\"" + format.extension()
                + "\" Overlap=\"0\" TileSize=\"" + tileSize + "\"><Size Width=\"" + width + "\" Height=\"" + height
                + "\"/></Image>\n";
    }

    /** One row of pyramid level {@code k} (DZI level {@code maxLevel - k}): buffered, tiles written when full. */
    private void row(int k, long y, int[] row, int off, int w) throws IOException {
        System.arraycopy(row, off, bufs[k], bufRows[k] * w, w);
        bufRows[k]++;
        if (bufRows[k] == tileSize || y + 1 == pyramid.height(k)) {
            writeTileRow(k, w);
            bufRows[k] = 0;
            tileRows[k]++;
        }
    }

    private void writeTileRow(int k, int w) throws IOException {
        int level = maxLevel - k;
        int[] buf = bufs[k];
        int rowsIn = bufRows[k];
        int tileRow = tileRows[k];
        int tilesX = (w + tileSize - 1) / tileSize;
        Path dir = temp.resolve(Integer.toString(level));
        Files.createDirectories(dir);
        for (int tx = 0; tx < tilesX; tx++) {
            int x0 = tx * tileSize;
            int cols = Math.min(tileSize, w - x0);
            boolean any = format == Format.JPEG;
            for (int r = 0; r < rowsIn && !any; r++) {
                for (int c = 0; c < cols; c++) {
                    if ((buf[r * w + x0 + c] >>> 24) != 0) {
                        any = true;
                        break;
                    }
                }
            }
            if (!any) {
                continue;
            }
            int[] tile = new int[cols * rowsIn];
            for (int r = 0; r < rowsIn; r++) {
                System.arraycopy(buf, r * w + x0, tile, r * cols, cols);
            }
            String name = tx + "_" + tileRow;
            Path f = dir.resolve(name + "." + format.extension());
            int h = rowsIn;
            submit(() -> {
                encode(tile, cols, h, f);
                return null;
            });
            written.add(level + "/" + name);
        }
    }

    /** Encodes one tile to its file (on a pool thread), through core's {@link ImageFiles} encoders. */
    private void encode(int[] tile, int w, int h, Path f) throws IOException {
        try (OutputStream os = new BufferedOutputStream(Files.newOutputStream(f), 1 << 16)) {
            if (format == Format.JPEG) {
                ImageFiles.jpeg(os, tile, 0, w, w, h, JPEG_QUALITY);
            } else {
                ImageFiles.png(os, tile, 0, w, w, h, true);
            }
        } catch (IOException e) {
            String why = e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
            throw new IOException(f + ": cannot write the tile: " + why, e); // e.g. "No space left on device"
        }
    }

    private void submit(java.util.concurrent.Callable<Void> task) throws IOException {
        while (futures.size() >= 4 * THREADS) {
            await(futures.removeFirst());
        }
        futures.addLast(POOL.submit(task));
    }

    private static void await(java.util.concurrent.Future<Void> f) throws IOException {
        try {
            f.get();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new java.io.InterruptedIOException("interrupted while writing tiles");
        } catch (java.util.concurrent.ExecutionException e) {
            if (e.getCause() instanceof IOException io) {
                throw io;
            }
            throw new IOException("tile encoding failed: " + e.getCause(), e.getCause());
        }
    }

    static void deleteTree(Path p) throws IOException {
        if (!Files.exists(p)) {
            return;
        }
        try (Stream<Path> s = Files.walk(p)) {
            for (Path q : (Iterable<Path>) s.sorted(Comparator.reverseOrder())::iterator) {
                Files.delete(q);
            }
        }
    }
}
