package io.github.hubmapseg.pipeline.infer;

import io.github.hubmapseg.core.slide.RowPyramid;
import io.github.hubmapseg.core.slide.TiffSlideWriter;
import io.github.hubmapseg.tiling.sink.RowSink;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Locale;
import java.util.Objects;

/**
 * Streams a probability map (rows of floats, top to bottom, as {@link io.github.hubmapseg.tiling.SlidingWindow}
 * and {@link Inference#predictProbabilities} produce them) into a pyramidal, tiled, single-channel OME-TIFF
 * that QuPath, Bio-Formats, tifffile and napari open as a multi-resolution image: a thin sink over core's
 * {@link TiffSlideWriter} (the file: BigTIFF, level 0 with a minimal OME-XML description, one channel
 * "probability", reduced levels as SubIFDs with NewSubfileType 1; the OME-TIFF pyramid layout of OME 6 /
 * Bio-Formats 6+ and QuPath's own export) and {@link RowPyramid#FLOAT_MEAN} (the levels: level {@code k + 1} has
 * size {@code ceil(size_k / 2)} and each pixel is the mean of the up to 2x2 pixels of level {@code k} it covers,
 * averaged in float before quantisation; levels are added until one fits in a tile). Samples are
 * {@link Format#UINT8} ({@code round(255 * clamp(p, 0, 1))}) or {@link Format#FLOAT32} (p as is); tiles are
 * Deflate-compressed (level 6).
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

    private final long width;
    private final long height;
    private final int tileSize;
    private final Format format;
    private final TiffSlideWriter writer;
    private final RowPyramid<float[]> pyramid;
    /** Per level: the rows of the current row of tiles. */
    private final float[][] bufs;
    private final int[] bufRows;
    private final int[] tileRows;
    private boolean done;

    private PyramidTiffSink(Path target, long width, long height, int tileSize, Format format, String name)
            throws IOException {
        this.width = width;
        this.height = height;
        this.tileSize = tileSize;
        this.format = format;
        int levels = TiffSlideWriter.levelsToFit(width, height, tileSize);
        this.writer = TiffSlideWriter.builder(target, width, height).channels(1).tileSize(tileSize)
                .sampleFormat(format == Format.UINT8 ? TiffSlideWriter.SampleFormat.UINT8
                        : TiffSlideWriter.SampleFormat.FLOAT32)
                .compression(TiffSlideWriter.Compression.DEFLATE).deflateLevel(6).fillValue(0)
                .description(ome(name, format, width, height)).levels(levels).open();
        this.bufs = new float[levels][];
        this.bufRows = new int[levels];
        this.tileRows = new int[levels];
        for (int k = 0; k < levels; k++) {
            bufs[k] = new float[tileSize * (int) writer.levelWidth(k)];
        }
        this.pyramid = new RowPyramid<>(width, height, levels, RowPyramid.FLOAT_MEAN, this::row);
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
        if ((long) tileSize * width > Integer.MAX_VALUE - 8) {
            throw new IllegalArgumentException("a row of " + tileSize + "-pixel tiles of a " + width + "-pixel-wide "
                    + "map does not fit in one array; use a smaller tileSize");
        }
        Path parent = target.toAbsolutePath().getParent();
        if (parent != null) {
            Files.createDirectories(parent);
        }
        return new PyramidTiffSink(target, width, height, tileSize, format, name == null ? "probability" : name);
    }

    /** @return number of pyramid levels (the full resolution included) */
    public int levelCount() {
        return writer.levelCount();
    }

    @Override
    public void begin(long w, long h) {
        if (w != width || h != height) {
            throw new IllegalArgumentException("the sink was opened for " + width + " x " + height + ", the engine "
                    + "produces " + w + " x " + h);
        }
    }

    @Override
    public void accept(long y0, int rows, float[] band) throws IOException {
        if (y0 != pyramid.rows(0)) {
            throw new IllegalStateException("rows must arrive in order: expected row " + pyramid.rows(0) + ", got "
                    + y0);
        }
        for (int r = 0; r < rows; r++) {
            pyramid.push(band, r * (int) width);
        }
    }

    /** One row of a level: buffered until its row of tiles is complete, then encoded and written. */
    private void row(int level, long y, float[] row, int off, int w) throws IOException {
        System.arraycopy(row, off, bufs[level], bufRows[level] * w, w);
        bufRows[level]++;
        if (bufRows[level] == tileSize || y + 1 == writer.levelHeight(level)) {
            writeTileRow(level, w);
            bufRows[level] = 0;
            tileRows[level]++;
        }
    }

    private void writeTileRow(int level, int w) throws IOException {
        float[] buf = bufs[level];
        int rows = bufRows[level];
        int bytesPer = format == Format.UINT8 ? 1 : 4;
        byte[] raw = new byte[tileSize * tileSize * bytesPer];
        ByteBuffer fb = format == Format.FLOAT32 ? ByteBuffer.wrap(raw).order(ByteOrder.LITTLE_ENDIAN) : null;
        for (int tx = 0; tx < writer.tilesX(level); tx++) {
            Arrays.fill(raw, (byte) 0);
            int x0 = tx * tileSize;
            int cols = Math.min(tileSize, w - x0);
            for (int r = 0; r < rows; r++) {
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
            writer.writeEncodedTile(level, tx, tileRows[level], writer.encodeRawTile(raw));
        }
    }

    @Override
    public void end() throws IOException {
        if (done) {
            return;
        }
        for (int k = 0; k < pyramid.levelCount(); k++) {
            if (pyramid.rows(k) != pyramid.height(k)) {
                throw new IllegalStateException("level " + k + " got " + pyramid.rows(k) + " of " + pyramid.height(k)
                        + " rows");
            }
        }
        writer.close();
        done = true;
    }

    /** Deletes the temporary file unless {@link #end()} succeeded. */
    @Override
    public void close() {
        if (!done) {
            done = true;
            writer.abort();
        }
    }

    private static String ome(String name, Format format, long width, long height) {
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
}
