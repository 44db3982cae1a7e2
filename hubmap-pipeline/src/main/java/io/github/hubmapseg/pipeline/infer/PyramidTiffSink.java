package io.github.hubmapseg.pipeline.infer;

import io.github.hubmapseg.core.io.AtomicFiles;
import io.github.hubmapseg.tiling.sink.RowSink;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.zip.Deflater;

/**
 * Streams a probability map (rows of floats, top to bottom, as {@link io.github.hubmapseg.tiling.SlidingWindow}
 * and {@link Inference#predictProbabilities} produce them) into a pyramidal, tiled, single-channel OME-TIFF
 * that QuPath, Bio-Formats, tifffile and napari open as a multi-resolution image.
 *
 * <p>Layout: little-endian BigTIFF; the full-resolution level is the first IFD, whose ImageDescription is a
 * minimal OME-XML (one image, one channel "probability") and whose SubIFDs tag (330) lists the reduced
 * levels, each its own IFD with NewSubfileType 1 (reduced resolution); this is the OME-TIFF pyramid layout
 * (OME 6 / Bio-Formats 6+, QuPath's own OME-TIFF export). Level {@code k + 1} has size
 * {@code ceil(size_k / 2)} and each pixel is the mean of the (up to) 2x2 pixels of level {@code k} it covers,
 * averaged in float before quantisation; levels are added until one fits in a tile. Samples are
 * {@link Format#UINT8} ({@code round(255 * clamp(p, 0, 1))}, SampleFormat 1) or {@link Format#FLOAT32}
 * (p as is, SampleFormat 3); tiles are Deflate-compressed (TIFF compression 8).
 *
 * <p>Memory: one row of tiles per level (about {@code 2 * width * tileSize * 4} bytes in all) and 16 bytes
 * per tile; tiles are compressed and appended as soon as their row of tiles is complete. The file is written
 * to a temporary sibling and moved into place by {@link #end()}; {@link #close()} without a successful end
 * deletes it.
 */
public final class PyramidTiffSink implements RowSink, AutoCloseable {
    /** Sample type of the file. */
    public enum Format {
        /** 8-bit unsigned, {@code round(255 * p)}. */
        UINT8,
        /** 32-bit IEEE float, p itself. */
        FLOAT32
    }

    private final Path target;
    private final Path temp;
    private final long width;
    private final long height;
    private final int tileSize;
    private final Format format;
    private final String name;
    private final FileChannel channel;
    private final Deflater deflater = new Deflater(6);
    private final List<Level> levels = new ArrayList<>();
    private long position = 16;
    private boolean done;
    private boolean begun;

    private PyramidTiffSink(Path target, long width, long height, int tileSize, Format format, String name)
            throws IOException {
        this.target = target.toAbsolutePath();
        this.width = width;
        this.height = height;
        this.tileSize = tileSize;
        this.format = format;
        this.name = name;
        long w = width;
        long h = height;
        while (true) {
            levels.add(new Level(levels.size(), (int) w, (int) h));
            if (w <= tileSize && h <= tileSize) {
                break;
            }
            w = (w + 1) / 2;
            h = (h + 1) / 2;
        }
        for (int i = 0; i + 1 < levels.size(); i++) {
            levels.get(i).next = levels.get(i + 1);
        }
        this.temp = AtomicFiles.siblingTemp(this.target);
        this.channel = FileChannel.open(temp, StandardOpenOption.WRITE, StandardOpenOption.TRUNCATE_EXISTING);
        ByteBuffer header = ByteBuffer.allocate(16).order(ByteOrder.LITTLE_ENDIAN);
        header.put((byte) 'I').put((byte) 'I').putShort((short) 43).putShort((short) 8).putShort((short) 0).putLong(0);
        header.flip();
        write(header, 0);
    }

    /**
     * Opens a sink (creates the temporary file).
     *
     * @param target   the final {@code .ome.tif} path
     * @param width    full-resolution width, {@code > 0}
     * @param height   full-resolution height, {@code > 0}
     * @param tileSize tile side, a positive multiple of 16 up to 4096 (256 is usual)
     * @param format   sample type
     * @param name     image name written into the OME-XML
     * @return the sink; feed it rows, then {@link #end()}; always {@link #close()}
     * @throws IOException if the file cannot be created
     */
    public static PyramidTiffSink open(Path target, long width, long height, int tileSize, Format format, String name)
            throws IOException {
        Objects.requireNonNull(target, "target");
        Objects.requireNonNull(format, "format");
        if (width <= 0 || height <= 0 || width > Integer.MAX_VALUE - 8 || height > Integer.MAX_VALUE - 8) {
            throw new IllegalArgumentException("image size must be positive and < 2^31, got " + width + " x " + height);
        }
        if (tileSize <= 0 || tileSize % 16 != 0 || tileSize > 4096) {
            throw new IllegalArgumentException("tileSize must be a positive multiple of 16 up to 4096, got " + tileSize);
        }
        Path parent = target.toAbsolutePath().getParent();
        if (parent != null) {
            Files.createDirectories(parent);
        }
        return new PyramidTiffSink(target, width, height, tileSize, format, name == null ? "probability" : name);
    }

    /** @return number of pyramid levels (the full resolution included) */
    public int levelCount() {
        return levels.size();
    }

    @Override
    public void begin(long w, long h) {
        if (w != width || h != height) {
            throw new IllegalArgumentException("the sink was opened for " + width + " x " + height + ", the engine "
                    + "produces " + w + " x " + h);
        }
        begun = true;
    }

    @Override
    public void accept(long y0, int rows, float[] band) throws IOException {
        Level l0 = levels.get(0);
        if (y0 != l0.rowsDone) {
            throw new IllegalStateException("rows must arrive in order: expected row " + l0.rowsDone + ", got " + y0);
        }
        for (int r = 0; r < rows; r++) {
            l0.push(band, r * (int) width);
        }
    }

    @Override
    public void end() throws IOException {
        if (done) {
            return;
        }
        for (Level l : levels) {
            if (l.rowsDone != l.h) {
                throw new IllegalStateException("level " + l.index + " got " + l.rowsDone + " of " + l.h + " rows");
            }
        }
        long[] subs = new long[levels.size() - 1];
        for (int i = 1; i < levels.size(); i++) {
            subs[i - 1] = writeIfd(levels.get(i), null, null);
        }
        long main = writeIfd(levels.get(0), ome(), subs);
        ByteBuffer first = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(main);
        first.flip();
        write(first, 8);
        channel.force(false);
        channel.close();
        AtomicFiles.moveIntoPlace(temp, target);
        done = true;
    }

    /** Deletes the temporary file unless {@link #end()} succeeded. */
    @Override
    public void close() {
        deflater.end();
        if (!done) {
            done = true;
            try {
                channel.close();
            } catch (IOException ignored) {
                // best effort
            }
            try {
                Files.deleteIfExists(temp);
            } catch (IOException ignored) {
                // best effort
            }
        }
    }

    private String ome() {
        String type = format == Format.UINT8 ? "uint8" : "float";
        String n = name.replace("&", "&amp;").replace("<", "&lt;").replace("\"", "&quot;");
        return String.format(Locale.ROOT, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>"
                + "<OME xmlns=\"http://www.openmicroscopy.org/Schemas/OME/2016-06\" "
                + "xmlns:xsi=\"http://www.w3.org/2001/XMLSchema-instance\" "
                + "xsi:schemaLocation=\"http://www.openmicroscopy.org/Schemas/OME/2016-06 "
                + "http://www.openmicroscopy.org/Schemas/OME/2016-06/ome.xsd\" Creator=\"hubmap-seg\">"
                + "<Image ID=\"Image:0\" Name=\"%s\"><Pixels ID=\"Pixels:0\" DimensionOrder=\"XYCZT\" Type=\"%s\" "
                + "SizeX=\"%d\" SizeY=\"%d\" SizeC=\"1\" SizeZ=\"1\" SizeT=\"1\" BigEndian=\"false\" Interleaved=\"false\">"
                + "<Channel ID=\"Channel:0:0\" Name=\"probability\" SamplesPerPixel=\"1\"/>"
                + "<TiffData IFD=\"0\" PlaneCount=\"1\"/></Pixels></Image></OME>", n, type, width, height);
    }

    // ------------------------------------------------------------------------------------------------

    /** One pyramid level: a row of tiles being filled, the pending row of a 2x2 average, the tile table. */
    private final class Level {
        final int index;
        final int w;
        final int h;
        final int tilesX;
        final int tilesY;
        final long[] offsets;
        final long[] counts;
        final float[] buf;
        int bufRows;
        long rowsDone;
        int tileRow;
        Level next;
        final float[] pending;
        boolean hasPending;
        final float[] down;

        Level(int index, int w, int h) {
            this.index = index;
            this.w = w;
            this.h = h;
            this.tilesX = (w + tileSize - 1) / tileSize;
            this.tilesY = (h + tileSize - 1) / tileSize;
            if ((long) tilesX * tilesY > Integer.MAX_VALUE / 2) {
                throw new IllegalArgumentException("too many tiles; use a larger tileSize");
            }
            this.offsets = new long[tilesX * tilesY];
            this.counts = new long[tilesX * tilesY];
            this.buf = new float[tileSize * w];
            this.pending = new float[w];
            this.down = new float[(w + 1) / 2];
        }

        void push(float[] row, int off) throws IOException {
            System.arraycopy(row, off, buf, bufRows * w, w);
            bufRows++;
            rowsDone++;
            if (bufRows == tileSize || rowsDone == h) {
                writeTileRow();
                bufRows = 0;
            }
            if (next != null) {
                if (!hasPending) {
                    System.arraycopy(row, off, pending, 0, w);
                    hasPending = true;
                    if (rowsDone == h) {
                        emitDown(null, 0);
                    }
                } else {
                    emitDown(row, off);
                }
            }
        }

        /** Averages {@code pending} with {@code row} (or alone) over column pairs into the next level. */
        private void emitDown(float[] row, int off) throws IOException {
            int nw = down.length;
            for (int x = 0; x < nw; x++) {
                int a = 2 * x;
                boolean two = a + 1 < w;
                float s = pending[a] + (two ? pending[a + 1] : 0);
                int n = two ? 2 : 1;
                if (row != null) {
                    s += row[off + a] + (two ? row[off + a + 1] : 0);
                    n *= 2;
                }
                down[x] = s / n;
            }
            hasPending = false;
            next.push(down, 0);
        }

        private void writeTileRow() throws IOException {
            int bytesPer = format == Format.UINT8 ? 1 : 4;
            byte[] raw = new byte[tileSize * tileSize * bytesPer];
            ByteBuffer fb = format == Format.FLOAT32 ? ByteBuffer.wrap(raw).order(ByteOrder.LITTLE_ENDIAN) : null;
            for (int tx = 0; tx < tilesX; tx++) {
                java.util.Arrays.fill(raw, (byte) 0);
                int x0 = tx * tileSize;
                int cols = Math.min(tileSize, w - x0);
                for (int r = 0; r < bufRows; r++) {
                    int src = r * w + x0;
                    int dst = r * tileSize;
                    for (int c = 0; c < cols; c++) {
                        float v = buf[src + c];
                        if (fb == null) {
                            float cl = v < 0 ? 0 : v > 1 ? 1 : v;
                            raw[dst + c] = (byte) Math.round(cl * 255f);
                        } else {
                            fb.putFloat(4 * (dst + c), v);
                        }
                    }
                }
                byte[] enc = deflate(raw);
                int i = tileRow * tilesX + tx;
                offsets[i] = position;
                counts[i] = enc.length;
                write(ByteBuffer.wrap(enc), position);
                position += enc.length;
            }
            tileRow++;
        }
    }

    private byte[] deflate(byte[] raw) {
        deflater.reset();
        deflater.setInput(raw);
        deflater.finish();
        java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream(raw.length / 4 + 64);
        byte[] chunk = new byte[1 << 16];
        while (!deflater.finished()) {
            int n = deflater.deflate(chunk);
            out.write(chunk, 0, n);
        }
        return out.toByteArray();
    }

    /** A TIFF field: tag, type, count and its little-endian value bytes. */
    private record Field(int tag, int type, long count, byte[] value) {
    }

    private static byte[] le(int bytes, long... values) {
        ByteBuffer b = ByteBuffer.allocate(bytes * values.length).order(ByteOrder.LITTLE_ENDIAN);
        for (long v : values) {
            switch (bytes) {
                case 2 -> b.putShort((short) v);
                case 4 -> b.putInt((int) v);
                default -> b.putLong(v);
            }
        }
        return b.array();
    }

    private static final int SHORT = 3;
    private static final int ASCII = 2;
    private static final int LONG8 = 16;
    private static final int IFD8 = 18;

    /** Writes a level's tile tables and IFD (next IFD 0); returns the IFD's offset. */
    private long writeIfd(Level l, String description, long[] subIfds) throws IOException {
        List<Field> f = new ArrayList<>();
        int bits = format == Format.UINT8 ? 8 : 32;
        f.add(new Field(254, 4, 1, le(4, l.index == 0 ? 0 : 1)));
        f.add(new Field(256, LONG8, 1, le(8, l.w)));
        f.add(new Field(257, LONG8, 1, le(8, l.h)));
        f.add(new Field(258, SHORT, 1, le(2, bits)));
        f.add(new Field(259, SHORT, 1, le(2, 8)));
        f.add(new Field(262, SHORT, 1, le(2, 1)));
        if (description != null) {
            byte[] d = (description + "\0").getBytes(StandardCharsets.UTF_8);
            f.add(new Field(270, ASCII, d.length, d));
        }
        f.add(new Field(277, SHORT, 1, le(2, 1)));
        f.add(new Field(284, SHORT, 1, le(2, 1)));
        byte[] sw = "hubmap-seg PyramidTiffSink\0".getBytes(StandardCharsets.US_ASCII);
        f.add(new Field(305, ASCII, sw.length, sw));
        f.add(new Field(322, SHORT, 1, le(2, tileSize)));
        f.add(new Field(323, SHORT, 1, le(2, tileSize)));
        f.add(new Field(324, LONG8, l.offsets.length, le(8, l.offsets)));
        f.add(new Field(325, LONG8, l.counts.length, le(8, l.counts)));
        if (subIfds != null && subIfds.length > 0) {
            f.add(new Field(330, IFD8, subIfds.length, le(8, subIfds)));
        }
        f.add(new Field(339, SHORT, 1, le(2, format == Format.UINT8 ? 1 : 3)));
        // external values first (word-aligned), then the IFD
        long[] where = new long[f.size()];
        for (int i = 0; i < f.size(); i++) {
            byte[] v = f.get(i).value();
            if (v.length > 8) {
                position += position & 1;
                where[i] = position;
                write(ByteBuffer.wrap(v), position);
                position += v.length;
            }
        }
        position += position & 1;
        long ifd = position;
        ByteBuffer b = ByteBuffer.allocate(8 + 20 * f.size() + 8).order(ByteOrder.LITTLE_ENDIAN);
        b.putLong(f.size());
        for (int i = 0; i < f.size(); i++) {
            Field e = f.get(i);
            b.putShort((short) e.tag()).putShort((short) e.type()).putLong(e.count());
            byte[] v = e.value();
            if (v.length > 8) {
                b.putLong(where[i]);
            } else {
                byte[] inline = new byte[8];
                System.arraycopy(v, 0, inline, 0, v.length);
                b.put(inline);
            }
        }
        b.putLong(0);
        b.flip();
        write(b, ifd);
        position = ifd + 8 + 20L * f.size() + 8;
        return ifd;
    }

    private void write(ByteBuffer b, long pos) throws IOException {
        long p = pos;
        while (b.hasRemaining()) {
            p += channel.write(b, p);
        }
    }
}
