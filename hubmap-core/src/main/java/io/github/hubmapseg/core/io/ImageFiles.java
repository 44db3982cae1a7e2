package io.github.hubmapseg.core.io;

import java.awt.Transparency;
import java.awt.color.ColorSpace;
import java.awt.image.BufferedImage;
import java.awt.image.ComponentColorModel;
import java.awt.image.DataBuffer;
import java.awt.image.DataBufferByte;
import java.awt.image.Raster;
import java.awt.image.RenderedImage;
import java.awt.image.WritableRaster;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Path;
import java.util.Iterator;
import java.util.zip.CRC32;
import java.util.zip.Deflater;
import javax.imageio.IIOImage;
import javax.imageio.ImageIO;
import javax.imageio.ImageWriteParam;
import javax.imageio.ImageWriter;
import javax.imageio.stream.ImageOutputStream;
import javax.imageio.stream.MemoryCacheImageOutputStream;

/**
 * Image files (PNG, TIFF through ImageIO) written the way every output is ({@link AtomicFiles}: complete or
 * absent), with a failure as one line naming the file and the cause ("out.png: cannot write the PNG image: No
 * space left on device"). ImageIO's own {@code ImageIO.write(image, format, stream)} buffers through a cache file
 * in {@code java.io.tmpdir}, says only "I/O error writing PNG file!" on a full disk, and its stream closer then
 * prints a {@code NullPointerException} stack trace when the JVM exits; this writes through a memory cache.
 *
 * <p>Packed pixels ({@code int} ARGB / RGB rows, as the report's Deep Zoom tiles hold them) are encoded without
 * ImageIO's per-pixel raster conversions: {@link #png(OutputStream, int[], int, int, int, int, boolean)} is our
 * own PNG encoder, built for speed (an 8-bit palette where there are at most 256 colours, else 8-bit RGBA or RGB;
 * every row with the "Up" filter, deflate level 1, IDAT chunks of at most 64 KiB streamed out), and
 * {@link #jpeg(OutputStream, int[], int, int, int, int, float)} hands ImageIO's JPEG writer
 * ({@link #jpeg(OutputStream, RenderedImage, float)}) interleaved RGB bytes, which it takes without a colour
 * conversion (about half the CPU time of a {@code TYPE_INT_RGB} image, the same bytes out).
 */
public final class ImageFiles {
    private ImageFiles() {
    }

    /** Writes a PNG. */
    public static void writePng(Path target, RenderedImage image) throws IOException {
        write(target, image, "png");
    }

    /**
     * Writes an image in an ImageIO format.
     *
     * @param target the file (replaced atomically)
     * @param image  the image
     * @param format an ImageIO format name ({@code png}, {@code tiff}, {@code jpeg})
     * @throws IOException              naming the file and the cause when it cannot be written
     * @throws IllegalArgumentException when ImageIO has no writer for the format
     */
    public static void write(Path target, RenderedImage image, String format) throws IOException {
        Iterator<ImageWriter> it = ImageIO.getImageWritersByFormatName(format);
        if (!it.hasNext()) {
            throw new IllegalArgumentException("no image writer for format " + format);
        }
        ImageWriter w = it.next();
        try {
            AtomicFiles.write(target, out -> {
                try (ImageOutputStream ios = new MemoryCacheImageOutputStream(out)) {
                    w.setOutput(ios);
                    w.write(image);
                }
            });
        } catch (IOException e) {
            Throwable root = e;
            while (root.getCause() != null && root.getCause() != root) {
                root = root.getCause();
            }
            String why = root.getMessage() == null ? root.getClass().getSimpleName() : root.getMessage();
            if (why.startsWith(target.toString())) {
                throw e; // AtomicFiles' own message names the file already
            }
            throw new IOException(target + ": cannot write the " + format.toUpperCase(java.util.Locale.ROOT)
                    + " image: " + why, e);
        } finally {
            w.dispose();
        }
    }

    /** Largest pixel count of one packed image: 2^28 (a 16384 x 16384 image). */
    public static final long MAX_PACKED_PIXELS = 1L << 28;

    private static final byte[] PNG_SIGNATURE = {(byte) 0x89, 'P', 'N', 'G', '\r', '\n', 0x1A, '\n'};
    private static final int IDAT_MAX = 1 << 16;

    /**
     * Encodes packed pixels as a PNG, choosing the cheaper of two layouts: with at most 256 distinct colours (an
     * overlay's one colour at its levels of coverage, a mask) an 8-bit palette image (colour type 3, a {@code PLTE}
     * chunk and, with {@code alpha}, a {@code tRNS} chunk of the palette's alphas), else 8-bit RGBA ({@code alpha}:
     * colour type 6, straight alpha) or RGB (colour type 2). The alpha byte is ignored without {@code alpha}. No
     * interlace; the "Up" filter on every row (row 0: "Up" over a zero row, the same as "None"); zlib deflate at
     * level 1 ({@link Deflater#BEST_SPEED}); IDAT chunks of at most 64 KiB, so memory stays a few rows.
     *
     * @param out    where the file's bytes go (not closed)
     * @param argb   pixels {@code 0xAARRGGBB}
     * @param off    index of the top-left pixel
     * @param stride pixels from one row to the next, {@code >= width}
     * @param width  image width, {@code >= 1}
     * @param height image height, {@code >= 1}
     * @param alpha  keep the alpha channel (true) or write opaque pixels (false)
     * @throws IOException from {@code out}
     * @throws IllegalArgumentException for a size outside 1 .. {@link #MAX_PACKED_PIXELS} pixels or rows that do not
     *     fit in {@code argb}
     */
    public static void png(OutputStream out, int[] argb, int off, int stride, int width, int height, boolean alpha)
            throws IOException {
        checkPacked(argb, off, stride, width, height);
        int mask = alpha ? 0xFFFFFFFF : 0x00FFFFFF;
        int[] palette = palette(argb, off, stride, width, height, mask);
        int bpp = palette != null ? 1 : alpha ? 4 : 3;
        byte[] hdr = new byte[13];
        putInt(hdr, 0, width);
        putInt(hdr, 4, height);
        hdr[8] = 8;
        hdr[9] = (byte) (palette != null ? 3 : alpha ? 6 : 2);
        out.write(PNG_SIGNATURE);
        chunk(out, "IHDR", hdr, 13);
        PaletteIndex index = null;
        if (palette != null) {
            byte[] plte = new byte[3 * palette.length];
            byte[] trns = new byte[palette.length];
            boolean translucent = false;
            for (int i = 0; i < palette.length; i++) {
                plte[3 * i] = (byte) (palette[i] >> 16);
                plte[3 * i + 1] = (byte) (palette[i] >> 8);
                plte[3 * i + 2] = (byte) palette[i];
                trns[i] = (byte) (palette[i] >>> 24);
                translucent |= alpha && trns[i] != (byte) 0xFF;
            }
            chunk(out, "PLTE", plte, plte.length);
            if (translucent) {
                chunk(out, "tRNS", trns, trns.length);
            }
            index = new PaletteIndex(palette);
        }
        int rowBytes = 1 + width * bpp;
        byte[] prev = new byte[rowBytes];
        byte[] cur = new byte[rowBytes];
        byte[] filtered = new byte[rowBytes];
        filtered[0] = 2; // Up
        byte[] buf = new byte[IDAT_MAX];
        Deflater deflater = new Deflater(Deflater.BEST_SPEED);
        try {
            int fill = 0;
            for (int y = 0; y < height; y++) {
                int p = off + y * stride;
                int j = 1;
                if (index != null) {
                    for (int x = 0; x < width; x++) {
                        cur[j++] = (byte) index.of(argb[p + x] & mask);
                    }
                } else if (alpha) {
                    for (int x = 0; x < width; x++, j += 4) {
                        int v = argb[p + x];
                        cur[j] = (byte) (v >> 16);
                        cur[j + 1] = (byte) (v >> 8);
                        cur[j + 2] = (byte) v;
                        cur[j + 3] = (byte) (v >>> 24);
                    }
                } else {
                    for (int x = 0; x < width; x++, j += 3) {
                        int v = argb[p + x];
                        cur[j] = (byte) (v >> 16);
                        cur[j + 1] = (byte) (v >> 8);
                        cur[j + 2] = (byte) v;
                    }
                }
                for (int i = 1; i < rowBytes; i++) {
                    filtered[i] = (byte) (cur[i] - prev[i]);
                }
                byte[] t = prev;
                prev = cur;
                cur = t;
                boolean last = y == height - 1;
                deflater.setInput(filtered, 0, rowBytes);
                if (last) {
                    deflater.finish();
                }
                while (true) {
                    fill += deflater.deflate(buf, fill, buf.length - fill);
                    if (fill == buf.length) {
                        chunk(out, "IDAT", buf, fill);
                        fill = 0;
                    } else if (last ? deflater.finished() : deflater.needsInput()) {
                        break;
                    }
                }
            }
            if (fill > 0) {
                chunk(out, "IDAT", buf, fill);
            }
        } finally {
            deflater.end();
        }
        chunk(out, "IEND", new byte[0], 0);
    }

    /** The distinct colours ({@code & mask}) in first-seen order, or null when there are more than 256. */
    private static int[] palette(int[] argb, int off, int stride, int width, int height, int mask) {
        PaletteIndex seen = new PaletteIndex(new int[0]);
        for (int y = 0; y < height; y++) {
            int p = off + y * stride;
            int last = ~(argb[p] & mask); // differs from the first pixel
            for (int x = 0; x < width; x++) {
                int v = argb[p + x] & mask;
                if (v != last) {
                    last = v;
                    if (!seen.add(v)) {
                        return null;
                    }
                }
            }
        }
        return seen.colours();
    }

    /** An open-addressing set of up to 256 colours with their palette indices. */
    private static final class PaletteIndex {
        private final int[] keys = new int[1024];
        private final short[] slots = new short[1024]; // index + 1; 0 = empty
        private final int[] colours = new int[256];
        private int size;
        private int lastColour;
        private int lastIndex = -1;

        PaletteIndex(int[] palette) {
            for (int c : palette) {
                add(c);
            }
        }

        /** Adds a colour; false when it is new and the set is full. */
        boolean add(int c) {
            int h = hash(c);
            while (slots[h] != 0) {
                if (keys[h] == c) {
                    return true;
                }
                h = (h + 1) & 1023;
            }
            if (size == 256) {
                return false;
            }
            keys[h] = c;
            colours[size] = c;
            slots[h] = (short) ++size;
            return true;
        }

        /** The index of a colour that was added. */
        int of(int c) {
            if (c == lastColour && lastIndex >= 0) {
                return lastIndex;
            }
            int h = hash(c);
            while (keys[h] != c || slots[h] == 0) {
                h = (h + 1) & 1023;
            }
            lastColour = c;
            lastIndex = slots[h] - 1;
            return lastIndex;
        }

        int[] colours() {
            return java.util.Arrays.copyOf(colours, size);
        }

        private static int hash(int c) {
            return (c * 0x9E3779B9) >>> 22;
        }
    }

    /**
     * Encodes packed RGB pixels ({@code 0x..RRGGBB}, the top byte ignored) as a baseline JPEG with ImageIO's
     * writer at {@code quality} (its default tables and 2x2 chroma subsampling), from interleaved RGB bytes.
     *
     * @param out     where the file's bytes go (not closed)
     * @param rgb     pixels
     * @param off     index of the top-left pixel
     * @param stride  pixels from one row to the next
     * @param width   image width
     * @param height  image height
     * @param quality 0 .. 1 (0.85 for the report's tiles)
     * @throws IOException from {@code out} or the writer
     */
    public static void jpeg(OutputStream out, int[] rgb, int off, int stride, int width, int height, float quality)
            throws IOException {
        checkPacked(rgb, off, stride, width, height);
        if (!(quality >= 0 && quality <= 1)) {
            throw new IllegalArgumentException("JPEG quality must be in 0 .. 1, got " + quality);
        }
        WritableRaster r = Raster.createInterleavedRaster(DataBuffer.TYPE_BYTE, width, height, 3 * width, 3,
                new int[] {0, 1, 2}, null);
        byte[] d = ((DataBufferByte) r.getDataBuffer()).getData();
        for (int y = 0, j = 0; y < height; y++) {
            int p = off + y * stride;
            for (int x = 0; x < width; x++, j += 3) {
                int v = rgb[p + x];
                d[j] = (byte) (v >> 16);
                d[j + 1] = (byte) (v >> 8);
                d[j + 2] = (byte) v;
            }
        }
        BufferedImage img = new BufferedImage(new ComponentColorModel(ColorSpace.getInstance(ColorSpace.CS_sRGB),
                false, false, Transparency.OPAQUE, DataBuffer.TYPE_BYTE), r, false, null);
        jpeg(out, img, quality);
    }

    /**
     * Encodes an image as a baseline JPEG with ImageIO's writer at {@code quality} (its default tables and 2x2 chroma
     * subsampling).
     *
     * @param out     where the file's bytes go (not closed)
     * @param image   the image (opaque)
     * @param quality 0 .. 1
     * @throws IOException from {@code out} or the writer
     */
    public static void jpeg(OutputStream out, RenderedImage image, float quality) throws IOException {
        if (!(quality >= 0 && quality <= 1)) {
            throw new IllegalArgumentException("JPEG quality must be in 0 .. 1, got " + quality);
        }
        ImageWriter w = ImageIO.getImageWritersByFormatName("jpeg").next();
        try (ImageOutputStream ios = new MemoryCacheImageOutputStream(out)) {
            ImageWriteParam param = w.getDefaultWriteParam();
            param.setCompressionMode(ImageWriteParam.MODE_EXPLICIT);
            param.setCompressionQuality(quality);
            w.setOutput(ios);
            w.write(null, new IIOImage(image, null, null), param);
        } finally {
            w.dispose();
        }
    }

    private static void checkPacked(int[] px, int off, int stride, int width, int height) {
        if (width < 1 || height < 1 || (long) width * height > MAX_PACKED_PIXELS) {
            throw new IllegalArgumentException("image size must be at least 1 x 1 and at most " + MAX_PACKED_PIXELS
                    + " pixels, got " + width + " x " + height);
        }
        if (off < 0 || stride < width || off + (long) (height - 1) * stride + width > px.length) {
            throw new IllegalArgumentException(width + " x " + height + " pixels at offset " + off + " with stride "
                    + stride + " do not fit in " + px.length + " values");
        }
    }

    private static void putInt(byte[] b, int at, int v) {
        b[at] = (byte) (v >>> 24);
        b[at + 1] = (byte) (v >>> 16);
        b[at + 2] = (byte) (v >>> 8);
        b[at + 3] = (byte) v;
    }

    private static void chunk(OutputStream out, String type, byte[] data, int length) throws IOException {
        byte[] head = new byte[8];
        putInt(head, 0, length);
        for (int i = 0; i < 4; i++) {
            head[4 + i] = (byte) type.charAt(i);
        }
        CRC32 crc = new CRC32();
        crc.update(head, 4, 4);
        crc.update(data, 0, length);
        out.write(head);
        out.write(data, 0, length);
        byte[] c = new byte[4];
        putInt(c, 0, (int) crc.getValue());
        out.write(c);
    }
}
