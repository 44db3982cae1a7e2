package io.github.hubmapseg.core.slide;

import io.github.hubmapseg.core.io.AtomicFiles;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.zip.Deflater;

/**
 * The one streaming writer of tiled BigTIFF files in hubmap-seg: the synthetic slides (RGB, the layout of the
 * competition's {@code train/<id>.tiff}: one IFD) and the probability maps (one channel, 8-bit or float32,
 * with reduced-resolution levels as SubIFDs and an OME-XML description: the OME-TIFF pyramid layout that
 * QuPath, Bio-Formats, tifffile and libvips open). Chunky (interleaved {@code RGBRGB...}) samples, square
 * tiles, no compression or Deflate (zlib, TIFF compression 8), little-endian BigTIFF (64-bit offsets, so files
 * over 4 GiB work). Level {@code k + 1} of a pyramid is {@code ceil(size_k / 2)} ({@link #levelsToFit}); the
 * caller computes its pixels (e.g. with {@link RowPyramid}).
 *
 * <p>Memory is bounded: tiles are compressed and appended to the file as they arrive, only the tile offset
 * table ({@code 16} bytes per tile) is kept, and the IFD is written at the end. Tiles may arrive in any order
 * but each exactly once; {@link #close()} fails if one is missing. The file is written to a temporary file
 * in the target's directory ({@link AtomicFiles#stage}) and moved into place by {@link #close()};
 * {@link #abort()} (or a failed close) deletes it. Once writing a tile's bytes failed (any exception or error
 * after the file was touched; a tile refused by argument checks leaves the file consistent), or a tile is
 * missing (the caller's code failed between tiles), {@link #close()} discards the file and throws: the old target (or none) stays.
 *
 * <p>Input tiles use the library's channel-planar layout ({@code planar[x + w * (y + h * c)]}, axes
 * {@code (x, y, c)}), like {@link ImageSource} regions; edge tiles may be smaller than the tile size and are
 * padded with {@link Builder#fillValue(int)}.
 *
 * <p>This is a self-contained encoder: algart-tiff 1.4.0's writer cannot be used without its optional
 * JPEG-2000 dependency, which the project excludes.
 */
public final class TiffSlideWriter implements AutoCloseable {

    /** Tile compression. */
    public enum Compression {
        /** Uncompressed (TIFF compression 1). */
        NONE(1),
        /** zlib/Deflate (TIFF compression 8, "Adobe Deflate"). */
        DEFLATE(8);

        final int code;

        Compression(int code) {
            this.code = code;
        }

        /** Parses {@code none} or {@code deflate} (case-insensitive). */
        public static Compression parse(String name) {
            for (Compression c : values()) {
                if (c.name().equalsIgnoreCase(name)) {
                    return c;
                }
            }
            throw new IllegalArgumentException("compression must be one of none, deflate; got '" + name + "'");
        }
    }

    /** Sample type. */
    public enum SampleFormat {
        /** 8-bit unsigned integer (TIFF SampleFormat 1, the default: no tag written). */
        UINT8(8, 1),
        /** 32-bit IEEE float, little-endian (TIFF SampleFormat 3). */
        FLOAT32(32, 3);

        final int bits;
        final int code;

        SampleFormat(int bits, int code) {
            this.bits = bits;
            this.code = code;
        }

        /** @return bytes per sample */
        public int bytes() {
            return bits / 8;
        }
    }

    /** One image of the file (level 0, or a reduced level): its size and tile table. */
    private static final class Page {
        final long width;
        final long height;
        final int tilesX;
        final int tilesY;
        final long[] offsets;
        final long[] counts;

        Page(long width, long height, int tileSize) {
            this.width = width;
            this.height = height;
            long tx = (width + tileSize - 1) / tileSize;
            long ty = (height + tileSize - 1) / tileSize;
            if (tx * ty > Integer.MAX_VALUE / 2) {
                throw new IllegalArgumentException("too many tiles: " + tx + " x " + ty + "; use a larger tileSize");
            }
            this.tilesX = (int) tx;
            this.tilesY = (int) ty;
            this.offsets = new long[tilesX * tilesY];
            this.counts = new long[tilesX * tilesY];
            Arrays.fill(offsets, -1);
        }
    }

    private static final byte[] SOFTWARE = "hubmap-seg TiffSlideWriter\0".getBytes(StandardCharsets.US_ASCII);

    private final Path target;
    private final AtomicFiles.Staged staged;
    private final long width;
    private final long height;
    private final int channels;
    private final int tileSize;
    private final Compression compression;
    private final int deflateLevel;
    private final int fill;
    private final SampleFormat sampleFormat;
    private final String description;
    private final List<Page> pages = new ArrayList<>();
    private final int tilesX;
    private final int tilesY;
    private final FileChannel channel;
    private long position;
    private boolean closed;
    /** Set when any write failed: {@link #close()} then discards the file. */
    private volatile boolean failed;

    private TiffSlideWriter(Builder b) throws IOException {
        this.target = b.target.toAbsolutePath();
        this.width = b.width;
        this.height = b.height;
        this.channels = b.channels;
        this.tileSize = b.tileSize;
        this.compression = b.compression;
        this.deflateLevel = b.deflateLevel;
        this.fill = b.fill;
        this.sampleFormat = b.sampleFormat;
        this.description = b.description;
        long w = width;
        long h = height;
        for (int k = 0; k < b.levels; k++) {
            pages.add(new Page(w, h, tileSize));
            w = (w + 1) / 2;
            h = (h + 1) / 2;
        }
        this.tilesX = pages.get(0).tilesX;
        this.tilesY = pages.get(0).tilesY;
        this.staged = AtomicFiles.stage(target);
        FileChannel ch = null;
        try {
            ch = FileChannel.open(staged.temp(), StandardOpenOption.WRITE, StandardOpenOption.TRUNCATE_EXISTING);
            ByteBuffer header = ByteBuffer.allocate(16).order(ByteOrder.LITTLE_ENDIAN);
            header.put((byte) 'I').put((byte) 'I').putShort((short) 43).putShort((short) 8).putShort((short) 0)
                    .putLong(0L); // first IFD offset, patched at close
            header.flip();
            while (header.hasRemaining()) {
                ch.write(header, header.position());
            }
        } catch (Throwable t) {
            if (ch != null) {
                try {
                    ch.close();
                } catch (IOException ignored) {
                    // already failing
                }
            }
            staged.close();
            throw t;
        }
        this.channel = ch;
        this.position = 16;
    }

    /**
     * Starts a writer.
     *
     * @param target the final path of the {@code .tiff} file (its directory is created if needed)
     * @param width  image width in pixels, {@code > 0}
     * @param height image height in pixels, {@code > 0}
     */
    public static Builder builder(Path target, long width, long height) {
        return new Builder(target, width, height);
    }

    /**
     * Number of levels of a pyramid whose level {@code k + 1} is {@code ceil(size_k / 2)}, down to the first
     * level that fits in one tile.
     */
    public static int levelsToFit(long width, long height, int tileSize) {
        int n = 1;
        while (width > tileSize || height > tileSize) {
            width = (width + 1) / 2;
            height = (height + 1) / 2;
            n++;
        }
        return n;
    }

    /** Number of levels (1 without reduced levels). */
    public int levelCount() {
        return pages.size();
    }

    /** Width of a level in pixels. */
    public long levelWidth(int level) {
        return page(level).width;
    }

    /** Height of a level in pixels. */
    public long levelHeight(int level) {
        return page(level).height;
    }

    /** Number of tile columns of a level. */
    public int tilesX(int level) {
        return page(level).tilesX;
    }

    /** Number of tile rows of a level. */
    public int tilesY(int level) {
        return page(level).tilesY;
    }

    private Page page(int level) {
        if (level < 0 || level >= pages.size()) {
            throw new IllegalArgumentException("level " + level + " is outside 0.." + (pages.size() - 1));
        }
        return pages.get(level);
    }

    /** Number of tile columns. */
    public int tilesX() {
        return tilesX;
    }

    /** Number of tile rows. */
    public int tilesY() {
        return tilesY;
    }

    /** Tile width and height in pixels. */
    public int tileSize() {
        return tileSize;
    }

    /** Image width in pixels. */
    public long width() {
        return width;
    }

    /** Image height in pixels. */
    public long height() {
        return height;
    }

    /**
     * Width (or height) of the valid part of tile column (row) {@code index}: the tile size, or less for the
     * last column (row).
     */
    public int validTileWidth(int col) {
        return (int) Math.min(tileSize, width - (long) col * tileSize);
    }

    /** Height of the valid part of tile row {@code row}. */
    public int validTileHeight(int row) {
        return (int) Math.min(tileSize, height - (long) row * tileSize);
    }

    /**
     * Writes one tile.
     *
     * @param col    tile column, {@code 0 <= col < tilesX()}
     * @param row    tile row, {@code 0 <= row < tilesY()}
     * @param planar channel-planar pixels of the tile's valid part, {@code w * h * channels} bytes, where
     *               {@code w = validTileWidth(col)}, {@code h = validTileHeight(row)}
     */
    public synchronized void writeTile(int col, int row, byte[] planar) throws IOException {
        writeEncodedTile(col, row, encodeTile(col, row, planar));
    }

    /**
     * Encodes (interleaves, pads and compresses) one tile without writing it; thread-safe, for callers that
     * encode tiles in parallel and then {@link #writeEncodedTile write} them.
     */
    public byte[] encodeTile(int col, int row, byte[] planar) {
        checkTile(0, col, row);
        if (sampleFormat != SampleFormat.UINT8) {
            throw new IllegalStateException("encodeTile takes 8-bit samples; this writer writes " + sampleFormat
                    + ": use encodeRawTile");
        }
        int w = validTileWidth(col);
        int h = validTileHeight(row);
        Objects.requireNonNull(planar, "planar");
        if (planar.length != w * h * channels) {
            throw new IllegalArgumentException("tile (" + col + ", " + row + ") needs w*h*channels = " + w + "*" + h
                    + "*" + channels + " = " + w * h * channels + " bytes, got " + planar.length);
        }
        int ts = tileSize;
        byte[] raw = new byte[ts * ts * channels];
        if (w < ts || h < ts) {
            Arrays.fill(raw, (byte) fill);
        }
        int plane = w * h;
        for (int y = 0; y < h; y++) {
            int d = y * ts * channels;
            int s = y * w;
            for (int x = 0; x < w; x++) {
                for (int c = 0; c < channels; c++) {
                    raw[d++] = planar[s + x + c * plane];
                }
            }
        }
        return compress(raw);
    }

    /**
     * Compresses one tile given in file order (chunky samples, {@code tileSize x tileSize} pixels padded as the
     * caller wishes, little-endian {@link SampleFormat#FLOAT32} values); thread-safe.
     *
     * @param raw {@code tileSize * tileSize * channels * bytesPerSample} bytes
     */
    public byte[] encodeRawTile(byte[] raw) {
        int need = tileSize * tileSize * channels * sampleFormat.bytes();
        if (raw.length != need) {
            throw new IllegalArgumentException("a raw tile needs tileSize^2 * channels * bytes = " + need
                    + " bytes, got " + raw.length);
        }
        return compress(raw);
    }

    private byte[] compress(byte[] raw) {
        if (compression == Compression.NONE) {
            return raw;
        }
        Deflater deflater = new Deflater(deflateLevel);
        try {
            deflater.setInput(raw);
            deflater.finish();
            byte[] buf = new byte[raw.length / 2 + 1024];
            int n = 0;
            while (!deflater.finished()) {
                if (n == buf.length) {
                    buf = Arrays.copyOf(buf, buf.length * 2);
                }
                n += deflater.deflate(buf, n, buf.length - n);
            }
            return Arrays.copyOf(buf, n);
        } finally {
            deflater.end();
        }
    }

    /** Appends a tile of level 0 produced by {@link #encodeTile}. */
    public synchronized void writeEncodedTile(int col, int row, byte[] encoded) throws IOException {
        writeEncodedTile(0, col, row, encoded);
    }

    /** Appends a tile of a level produced by {@link #encodeTile} or {@link #encodeRawTile}. */
    public synchronized void writeEncodedTile(int level, int col, int row, byte[] encoded) throws IOException {
        checkOpen();
        checkTile(level, col, row);
        Page p = pages.get(level);
        long[] offsets = p.offsets;
        long[] counts = p.counts;
        int i = row * p.tilesX + col;
        if (offsets[i] >= 0) {
            throw new IllegalStateException("tile (" + col + ", " + row + ") of level " + level
                    + " was already written");
        }
        boolean ok = false;
        try {
            offsets[i] = position;
            counts[i] = encoded.length;
            writeFully(ByteBuffer.wrap(encoded), position);
            position += encoded.length;
            if ((position & 1) != 0) { // keep word alignment
                writeFully(ByteBuffer.wrap(new byte[1]), position);
                position++;
            }
            ok = true;
        } finally {
            if (!ok) {
                failed = true;
            }
        }
    }

    /**
     * Writes a whole {@link ImageSource} tile by tile (row of tiles by row of tiles) and closes the writer.
     * Memory: about {@code 2 * threads} tiles.
     *
     * @param source  the image; its size and channel count must match the writer's
     * @param threads number of threads that read and encode tiles, {@code >= 1}
     * @param progress called after each row of tiles with (rows done, total rows); may be {@code null}
     */
    public void writeAll(ImageSource source, int threads, RowProgress progress) throws IOException {
        if (source.width() != width || source.height() != height || source.channels() != channels) {
            throw new IllegalArgumentException("source is " + source.width() + " x " + source.height() + " x "
                    + source.channels() + ", writer expects " + width + " x " + height + " x " + channels);
        }
        if (threads < 1) {
            throw new IllegalArgumentException("threads must be >= 1, got " + threads);
        }
        ExecutorService pool = threads == 1 ? null : Executors.newFixedThreadPool(threads, r -> {
            Thread t = new Thread(r, "tiff-writer");
            t.setDaemon(true);
            return t;
        });
        try {
            for (int row = 0; row < tilesY; row++) {
                if (pool == null) {
                    for (int col = 0; col < tilesX; col++) {
                        writeEncodedTile(col, row, encodeFrom(source, col, row));
                    }
                } else {
                    int chunk = 2 * threads;
                    for (int c0 = 0; c0 < tilesX; c0 += chunk) {
                        List<Future<byte[]>> futures = new ArrayList<>();
                        for (int col = c0; col < Math.min(tilesX, c0 + chunk); col++) {
                            final int fc = col;
                            final int fr = row;
                            futures.add(pool.submit(() -> encodeFrom(source, fc, fr)));
                        }
                        for (int k = 0; k < futures.size(); k++) {
                            writeEncodedTile(c0 + k, row, get(futures.get(k)));
                        }
                    }
                }
                if (progress != null) {
                    progress.rowsDone(row + 1, tilesY);
                }
            }
        } finally {
            if (pool != null) {
                pool.shutdownNow();
            }
        }
        close();
    }

    /** Progress callback of {@link #writeAll}. */
    @FunctionalInterface
    public interface RowProgress {
        /** Called after {@code done} of {@code total} rows of tiles were written. */
        void rowsDone(int done, int total);
    }

    private byte[] encodeFrom(ImageSource source, int col, int row) throws IOException {
        int w = validTileWidth(col);
        int h = validTileHeight(row);
        long x = (long) col * tileSize;
        long y = (long) row * tileSize;
        byte[] planar;
        if (source instanceof AbstractImageSource a) {
            planar = new byte[w * h * channels];
            a.readInto(x, y, w, h, planar);
        } else {
            planar = source.read(net.imglib2.FinalInterval.createMinSize(x, y, w, h)).update(null).getCurrentStorageArray();
        }
        return encodeTile(col, row, planar);
    }

    private static byte[] get(Future<byte[]> f) throws IOException {
        try {
            return f.get();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted while writing tiles", e);
        } catch (ExecutionException e) {
            Throwable c = e.getCause();
            if (c instanceof IOException io) {
                throw io;
            }
            if (c instanceof UncheckedIOException u) {
                throw u.getCause();
            }
            if (c instanceof RuntimeException re) {
                throw re;
            }
            throw new IOException(c);
        }
    }

    /**
     * Writes the IFD, closes the file and moves it to the target path. Fails (and deletes the temporary file)
     * if a tile was not written.
     */
    @Override
    public synchronized void close() throws IOException {
        if (closed) {
            return;
        }
        boolean ok = false;
        try {
            for (int k = 0; k < pages.size(); k++) {
                Page p = pages.get(k);
                for (int i = 0; i < p.offsets.length; i++) {
                    if (p.offsets[i] < 0) {
                        throw new IllegalStateException("tile (" + i % p.tilesX + ", " + i / p.tilesX + ") of "
                                + p.tilesX + " x " + p.tilesY + " tiles" + (pages.size() > 1 ? " of level " + k : "")
                                + " was never written to " + target);
                    }
                }
            }
            if (failed) {
                throw new IllegalStateException("a tile write to " + target + " failed; the file was discarded");
            }
            long[] subs = new long[pages.size() - 1];
            for (int k = 1; k < pages.size(); k++) {
                subs[k - 1] = writeIfd(pages.get(k), false, new long[0]);
            }
            long main = writeIfd(pages.get(0), true, subs);
            ByteBuffer first = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(main);
            first.flip();
            writeFully(first, 8);
            channel.force(false);
            channel.close();
            closed = true;
            staged.commit();
            ok = true;
        } finally {
            if (!ok) {
                abort();
            }
        }
    }

    /** Discards the file: closes and deletes the temporary file; the target is left untouched. */
    public synchronized void abort() {
        closed = true;
        try {
            channel.close();
        } catch (IOException ignored) {
            // best effort
        }
        staged.close();
    }

    /**
     * Writes a page's tile tables, other out-of-line values and IFD (next IFD 0) at the end of the file; returns
     * the IFD's offset. Out-of-line block: offsets, counts, software, bits per sample (one short per channel),
     * then, for level 0 of a described or pyramidal file, the description and the SubIFD offsets.
     */
    private long writeIfd(Page p, boolean main, long[] subIfds) throws IOException {
        int n = p.offsets.length;
        byte[] software = SOFTWARE;
        byte[] desc = main && description != null ? (description + "\0").getBytes(StandardCharsets.UTF_8) : null;
        long offsetsPos = position;
        long countsPos = offsetsPos + 8L * n;
        long softwarePos = countsPos + 8L * n;
        long bitsPos = softwarePos + software.length + (software.length & 1);
        long descPos = bitsPos + 2L * channels;
        long subPos = descPos + (desc == null ? 0 : desc.length + (desc.length & 1));
        long ifdPos = subPos + (subIfds.length > 1 ? 8L * subIfds.length : 0);
        ifdPos += ifdPos & 1;
        boolean inlineOffsets = n == 1;
        List<long[]> entries = new ArrayList<>(); // tag, type, count, value
        if (pages.size() > 1) {
            entries.add(new long[] {254, 4, 1, main ? 0 : 1}); // NewSubfileType: reduced resolution
        }
        entries.add(new long[] {256, 16, 1, p.width});
        entries.add(new long[] {257, 16, 1, p.height});
        int bits = sampleFormat.bits;
        if (channels <= 4) {
            long packed = 0;
            for (int c = 0; c < channels; c++) {
                packed |= (long) bits << (16 * c);
            }
            entries.add(new long[] {258, 3, channels, packed});
        } else {
            entries.add(new long[] {258, 3, channels, bitsPos});
        }
        entries.add(new long[] {259, 3, 1, compression.code});
        entries.add(new long[] {262, 3, 1, channels >= 3 ? 2 : 1});
        if (desc != null) {
            entries.add(new long[] {270, 2, desc.length, desc.length <= 8 ? packBytes(desc) : descPos});
        }
        entries.add(new long[] {277, 3, 1, channels});
        entries.add(new long[] {284, 3, 1, 1});
        entries.add(new long[] {305, 2, software.length, softwarePos});
        entries.add(new long[] {322, 3, 1, tileSize});
        entries.add(new long[] {323, 3, 1, tileSize});
        entries.add(new long[] {324, 16, n, inlineOffsets ? p.offsets[0] : offsetsPos});
        entries.add(new long[] {325, 16, n, inlineOffsets ? p.counts[0] : countsPos});
        if (subIfds.length > 0) {
            entries.add(new long[] {330, 18, subIfds.length, subIfds.length == 1 ? subIfds[0] : subPos});
        }
        if (channels > 3) {
            entries.add(new long[] {338, 3, 1, 0}); // ExtraSamples: unspecified
        }
        if (sampleFormat != SampleFormat.UINT8) {
            entries.add(new long[] {339, 3, 1, sampleFormat.code});
        }
        int extSize = (int) (ifdPos - offsetsPos);
        ByteBuffer ext = ByteBuffer.allocate(extSize).order(ByteOrder.LITTLE_ENDIAN);
        for (long o : p.offsets) {
            ext.putLong(o);
        }
        for (long c : p.counts) {
            ext.putLong(c);
        }
        ext.put(software);
        ext.position((int) (bitsPos - offsetsPos));
        for (int c = 0; c < channels; c++) {
            ext.putShort((short) bits);
        }
        if (desc != null) {
            ext.position((int) (descPos - offsetsPos));
            ext.put(desc);
        }
        if (subIfds.length > 1) {
            ext.position((int) (subPos - offsetsPos));
            for (long o : subIfds) {
                ext.putLong(o);
            }
        }
        ext.position(0);
        writeFully(ext, offsetsPos);
        ByteBuffer ifd = ByteBuffer.allocate(8 + 20 * entries.size() + 8).order(ByteOrder.LITTLE_ENDIAN);
        ifd.putLong(entries.size());
        for (long[] e : entries) {
            ifd.putShort((short) e[0]).putShort((short) e[1]).putLong(e[2]);
            if (e[1] == 3 && e[2] == 1) {
                ifd.putShort((short) e[3]).putShort((short) 0).putInt(0);
            } else {
                ifd.putLong(e[3]);
            }
        }
        ifd.putLong(0);
        ifd.flip();
        writeFully(ifd, ifdPos);
        position = ifdPos + 8 + 20L * entries.size() + 8;
        return ifdPos;
    }

    private static long packBytes(byte[] b) {
        long v = 0;
        for (int i = 0; i < b.length; i++) {
            v |= (b[i] & 0xFFL) << (8 * i);
        }
        return v;
    }

    private void writeFully(ByteBuffer b, long pos) throws IOException {
        while (b.hasRemaining()) {
            pos += channel.write(b, pos);
        }
    }

    private void checkOpen() {
        if (closed) {
            throw new IllegalStateException("writer of " + target + " is closed");
        }
    }

    private void checkTile(int level, int col, int row) {
        Page p = page(level);
        if (col < 0 || col >= p.tilesX || row < 0 || row >= p.tilesY) {
            throw new IllegalArgumentException("tile (" + col + ", " + row + ") is outside the grid of " + p.tilesX
                    + " x " + p.tilesY + " tiles" + (pages.size() > 1 ? " of level " + level : ""));
        }
    }

    /** Options of a {@link TiffSlideWriter}; {@link #open()} validates them and creates the temporary file. */
    public static final class Builder {
        private final Path target;
        private final long width;
        private final long height;
        private int channels = 3;
        private int tileSize = 512;
        private Compression compression = Compression.DEFLATE;
        private int deflateLevel = 1;
        private int fill = 255;
        private SampleFormat sampleFormat = SampleFormat.UINT8;
        private String description;
        private int levels = 1;

        private Builder(Path target, long width, long height) {
            this.target = Objects.requireNonNull(target, "target");
            this.width = width;
            this.height = height;
        }

        /** Samples per pixel (default 3, RGB). */
        public Builder channels(int channels) {
            this.channels = channels;
            return this;
        }

        /** Tile width and height in pixels, a positive multiple of 16 (default 512). */
        public Builder tileSize(int tileSize) {
            this.tileSize = tileSize;
            return this;
        }

        /** Compression (default {@link Compression#DEFLATE}). */
        public Builder compression(Compression compression) {
            this.compression = Objects.requireNonNull(compression, "compression");
            return this;
        }

        /** Deflate level 1..9 (default 1: fastest; synthetic tiles gain little from higher levels). */
        public Builder deflateLevel(int level) {
            this.deflateLevel = level;
            return this;
        }

        /** Value of the padding of edge tiles, 0..255 (default 255, white). */
        public Builder fillValue(int fill) {
            this.fill = fill;
            return this;
        }

        /** Sample type (default {@link SampleFormat#UINT8}). */
        public Builder sampleFormat(SampleFormat format) {
            this.sampleFormat = Objects.requireNonNull(format, "format");
            return this;
        }

        /** ImageDescription of level 0 (e.g. OME-XML); default none. */
        public Builder description(String description) {
            this.description = description;
            return this;
        }

        /**
         * Number of levels, 1 (default) or more: level {@code k + 1} is {@code ceil(size_k / 2)}, written as
         * SubIFDs of level 0 with NewSubfileType 1 (reduced resolution).
         */
        public Builder levels(int levels) {
            this.levels = levels;
            return this;
        }

        /** Validates the options and opens the temporary file. */
        public TiffSlideWriter open() throws IOException {
            if (width <= 0 || height <= 0) {
                throw new IllegalArgumentException("image size must be positive, got " + width + " x " + height);
            }
            if (width > 0xFFFFFFFFL || height > 0xFFFFFFFFL) {
                throw new IllegalArgumentException("image size must be < 2^32, got " + width + " x " + height);
            }
            if (channels < 1 || channels > 16) {
                throw new IllegalArgumentException("channels must be in 1..16, got " + channels);
            }
            if (tileSize <= 0 || tileSize % 16 != 0 || tileSize > 8192) {
                throw new IllegalArgumentException("tileSize must be a positive multiple of 16 up to 8192, got "
                        + tileSize);
            }
            if (deflateLevel < 1 || deflateLevel > 9) {
                throw new IllegalArgumentException("deflateLevel must be in 1..9, got " + deflateLevel);
            }
            if (fill < 0 || fill > 255) {
                throw new IllegalArgumentException("fillValue must be in 0..255, got " + fill);
            }
            if (levels < 1 || levels > 40) {
                throw new IllegalArgumentException("levels must be in 1..40, got " + levels);
            }
            return new TiffSlideWriter(this);
        }
    }
}
