package io.github.hubmapseg.core.slide;

import java.io.IOException;
import java.nio.file.Path;
import net.algart.matrices.tiff.TiffException;
import net.algart.matrices.tiff.TiffIFD;
import net.algart.matrices.tiff.tags.Tags;

/**
 * The layout of one TIFF page (IFD) as far as region reading cares, validated for what this package reads:
 * 8-bit unsigned samples, a supported compression.
 *
 * @param index        page index in the file (0 = first IFD)
 * @param width        ImageWidth, pixels
 * @param height       ImageLength, pixels
 * @param samples      SamplesPerPixel
 * @param planar       PlanarConfiguration 2 (each sample in its own plane)
 * @param tiled        tiled (TileWidth present) rather than stripped
 * @param blockWidth   tile width, or the image width for strips
 * @param blockHeight  tile height, or RowsPerStrip
 * @param compression  the Compression tag value
 * @param photometric  the PhotometricInterpretation tag value (-1 if absent)
 * @param offsets      TileOffsets / StripOffsets (all planes, plane-major for planar pages)
 * @param byteCounts   TileByteCounts / StripByteCounts
 */
record TiffPage(int index, int width, int height, int samples, boolean planar, boolean tiled, int blockWidth,
                int blockHeight, int compression, int photometric, long[] offsets, long[] byteCounts) {

    /** The largest decoded tile or strip algart-tiff accepts: 2^31 bits. */
    static final long ALGART_MAX_BLOCK_BYTES = 1L << 28;

    static final int PHOTOMETRIC_YCBCR = 6;

    /** The most samples per pixel a page may have (RGBA plus a few extra channels). */
    static final int MAX_SAMPLES = 16;

    /** Reads and validates one IFD; errors name the file and the page. */
    static TiffPage of(Path file, int index, TiffIFD ifd) throws IOException {
        String where = file + " (page " + index + ")";
        try {
            int width = ifd.getImageDimX();
            int height = ifd.getImageDimY();
            if (width <= 0 || height <= 0) {
                throw new IOException(where + ": image size must be positive, got " + width + " x " + height);
            }
            int samples = ifd.getSamplesPerPixel();
            int[] bits = ifd.getBitsPerSample();
            for (int b : bits) {
                if (b != 8) {
                    throw new IOException(where + ": " + b + " bits per sample is not supported, expected 8"
                            + " (8-bit RGB or gray slides)");
                }
            }
            int sampleFormat = ifd.optInt(Tags.SAMPLE_FORMAT, 1);
            if (sampleFormat != 1) {
                throw new IOException(where + ": SampleFormat " + sampleFormat
                        + " is not supported, expected 1 (unsigned integer)");
            }
            int compression = ifd.optInt(Tags.COMPRESSION, 1);
            if (compressionName(compression) == null) {
                throw new IOException(where + ": compression " + compression + " ("
                        + net.algart.matrices.tiff.tags.TagCompression.toPrettyString(compression)
                        + ") is not supported; supported: none (1), LZW (5), JPEG (7), deflate (8, 32946),"
                        + " PackBits (32773)");
            }
            if (samples < 1 || samples > MAX_SAMPLES) {
                throw new IOException(where + ": SamplesPerPixel " + samples + " is not supported, expected 1 to "
                        + MAX_SAMPLES);
            }
            boolean tiled = ifd.hasTileInformation();
            boolean planar = ifd.isPlanarSeparated() && samples > 1;
            int blockWidth = tiled ? ifd.getTileSizeX() : width;
            // RowsPerStrip defaults to 2^32 - 1 ("one strip"): only the rows inside the image count
            long rowsPerStrip = tiled ? 0 : ifd.optLong(Tags.ROWS_PER_STRIP, height);
            int blockHeight = tiled ? ifd.getTileSizeY() : (int) Math.min(height, rowsPerStrip);
            if (blockWidth <= 0 || blockHeight <= 0) {
                throw new IOException(where + ": " + (tiled ? "tile size must be positive, got " + blockWidth
                        + " x " + blockHeight : "RowsPerStrip must be positive, got " + rowsPerStrip));
            }
            int photometric = ifd.optInt(Tags.PHOTOMETRIC_INTERPRETATION, -1);
            long[] offsets = ifd.getTileOrStripOffsets();
            long[] counts = ifd.getTileOrStripByteCounts();
            TiffPage page = new TiffPage(index, width, height, samples, planar, tiled, blockWidth, blockHeight,
                    compression, photometric, offsets, counts);
            long blocks = page.blockCount();
            if (offsets.length < blocks || counts.length < blocks) {
                String kind = tiled ? "tile" : "strip";
                throw new IOException(where + ": " + blocks + " " + kind + "s expected (" + width + " x " + height
                        + " in " + blockWidth + " x " + blockHeight + " blocks" + (planar ? ", " + samples
                        + " planes" : "") + "), offsets has " + offsets.length + ", byte counts has "
                        + counts.length);
            }
            return page;
        } catch (TiffException e) {
            throw new IOException(where + ": invalid TIFF directory: " + e.getMessage(), e);
        }
    }

    /** Short lower-case name of a supported compression, or {@code null} if it is not supported. */
    static String compressionName(int code) {
        return switch (code) {
            case 1 -> "none";
            case 5 -> "lzw";
            case 7 -> "jpeg";
            case 8, 32946 -> "deflate";
            case 32773 -> "packbits";
            default -> null;
        };
    }

    /** Tiles or strips across one plane. */
    long blocksAcross() {
        return (width + (long) blockWidth - 1) / blockWidth;
    }

    /** Tiles or strips down one plane. */
    long blocksDown() {
        return (height + (long) blockHeight - 1) / blockHeight;
    }

    /** Tiles or strips of the whole page, all planes (at most 2^31 * 2^31 * 16: no overflow). */
    long blockCount() {
        return Math.multiplyExact(Math.multiplyExact(blocksAcross(), blocksDown()), planar ? samples : 1);
    }

    /** Bytes of one decoded tile or strip (one plane of it for planar pages). */
    long decodedBlockBytes() {
        return (long) blockWidth * blockHeight * (planar ? 1 : samples);
    }

    /** Whether the seeking reader serves this page: uncompressed, stored values are RGB/gray (not YCbCr). */
    boolean uncompressed() {
        return compression == 1 && photometric != PHOTOMETRIC_YCBCR;
    }

    /**
     * Checks that every tile or strip lies inside a file of the given length (a truncated file fails here, when
     * opened, rather than in the middle of a read).
     */
    void checkBlocksInside(Path file, long fileLength) throws IOException {
        int n = (int) Math.min(blockCount(), Math.min(offsets.length, byteCounts.length));
        for (int i = 0; i < n; i++) {
            checkBlockInside(file, i, offsets[i], byteCounts[i], fileLength);
        }
    }

    /**
     * Checks that the {@code length} bytes at {@code offset} (TIFF unsigned values held in longs) of block
     * {@code i} lie inside the file; the message names the file, page, block and value.
     */
    void checkBlockInside(Path file, int i, long offset, long length, long fileLength) throws IOException {
        String where = file + " (page " + index + "): " + (tiled ? "tile " : "strip ") + i;
        if (offset < 0 || offset >= fileLength && length > 0) {
            throw new IOException(where + " starts at byte " + Long.toUnsignedString(offset)
                    + ", past the end of the file (" + fileLength + " bytes; truncated or corrupt)");
        }
        if (length < 0) {
            throw new IOException(where + " has byte count " + Long.toUnsignedString(length)
                    + ", more than the file holds (" + fileLength + " bytes)");
        }
        long end;
        try {
            end = Math.addExact(offset, length);
        } catch (ArithmeticException e) {
            throw new IOException(where + ": offset " + offset + " + byte count " + length + " overflows");
        }
        if (end > fileLength) {
            throw new IOException(where + ": file is truncated: " + (tiled ? "tile " : "strip ") + i + " ends at byte "
                    + end + " but the file has " + fileLength + " bytes");
        }
    }

    /** Same geometry and sample layout (used to stack one-sample pages into channels). */
    boolean sameShape(TiffPage o) {
        return width == o.width && height == o.height && samples == o.samples;
    }
}
