package io.github.hubmapseg.tiling.sink;

import io.github.hubmapseg.core.io.AtomicFiles;
import java.io.BufferedOutputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.zip.CRC32;
import java.util.zip.Deflater;

/**
 * Writes a mask as a 1-bit grayscale PNG (0 black, 1 white) while the rows stream in: each row is one
 * PNG scanline, compressed on the fly with {@link Deflater} into IDAT chunks, so memory is O(width)
 * whatever the height (a 30000 x 25000 mask needs a few kilobytes besides the compressed output stream).
 * The file is written to a temporary file in the target directory and moved into place by {@link #end()};
 * {@link #close()} without {@code end()} deletes the temporary file.
 */
public final class PngMaskWriter implements MaskRowSink, AutoCloseable {

    private static final byte[] SIGNATURE = {(byte) 0x89, 'P', 'N', 'G', '\r', '\n', 0x1A, '\n'};
    private static final int CHUNK = 1 << 16;

    private final Path target;
    private final int level;
    private Path tmp;
    private DataOutputStream out;
    private Deflater deflater;
    private final byte[] zbuf = new byte[CHUNK];
    private byte[] line;
    private int width;
    private long height;
    private long rows;

    /**
     * @param target the PNG file to create (replaced atomically when finished)
     * @param level  deflate level 0..9 (1 is fast and compresses masks well)
     */
    public PngMaskWriter(Path target, int level) {
        if (level < 0 || level > 9) {
            throw new IllegalArgumentException("deflate level must be in 0..9, got " + level);
        }
        this.target = target.toAbsolutePath();
        this.level = level;
    }

    /** A writer with deflate level 1. */
    public PngMaskWriter(Path target) {
        this(target, 1);
    }

    @Override
    public void begin(long width, long height) throws IOException {
        if (width <= 0 || height <= 0 || width > Integer.MAX_VALUE || height > Integer.MAX_VALUE) {
            throw new IllegalArgumentException("PNG size must be in 1..2^31-1, got " + width + " x " + height);
        }
        this.width = (int) width;
        this.height = height;
        tmp = AtomicFiles.siblingTemp(target);
        out = new DataOutputStream(new BufferedOutputStream(Files.newOutputStream(tmp), 1 << 16));
        out.write(SIGNATURE);
        byte[] ihdr = new byte[13];
        putInt(ihdr, 0, this.width);
        putInt(ihdr, 4, (int) height);
        ihdr[8] = 1;  // bit depth
        ihdr[9] = 0;  // grayscale
        chunk("IHDR", ihdr, 13);
        deflater = new Deflater(level);
        line = new byte[1 + (this.width + 7) / 8];
    }

    @Override
    public void accept(long y0, int n, byte[] band) throws IOException {
        if (y0 != rows) {
            throw new IllegalStateException("rows must arrive in order: expected row " + rows + ", got " + y0);
        }
        for (int j = 0; j < n; j++) {
            java.util.Arrays.fill(line, (byte) 0);
            int base = j * width;
            for (int x = 0; x < width; x++) {
                if (band[base + x] != 0) {
                    line[1 + (x >>> 3)] |= (byte) (0x80 >>> (x & 7));
                }
            }
            deflater.setInput(line);
            while (!deflater.needsInput()) {
                int k = deflater.deflate(zbuf, 0, zbuf.length, Deflater.NO_FLUSH);
                if (k > 0) {
                    chunk("IDAT", zbuf, k);
                }
            }
        }
        rows += n;
    }

    @Override
    public void end() throws IOException {
        if (rows != height) {
            throw new IllegalStateException("PNG expects " + height + " rows, got " + rows);
        }
        deflater.finish();
        while (!deflater.finished()) {
            int k = deflater.deflate(zbuf, 0, zbuf.length, Deflater.NO_FLUSH);
            if (k > 0) {
                chunk("IDAT", zbuf, k);
            }
        }
        chunk("IEND", new byte[0], 0);
        out.close();
        out = null;
        deflater.end();
        deflater = null;
        AtomicFiles.moveIntoPlace(tmp, target);
        tmp = null;
    }

    @Override
    public void close() throws IOException {
        if (deflater != null) {
            deflater.end();
            deflater = null;
        }
        if (out != null) {
            out.close();
            out = null;
        }
        if (tmp != null) {
            Files.deleteIfExists(tmp);
            tmp = null;
        }
    }

    private void chunk(String type, byte[] data, int len) throws IOException {
        byte[] t = type.getBytes(StandardCharsets.US_ASCII);
        out.writeInt(len);
        out.write(t);
        out.write(data, 0, len);
        CRC32 crc = new CRC32();
        crc.update(t);
        crc.update(data, 0, len);
        out.writeInt((int) crc.getValue());
    }

    private static void putInt(byte[] b, int o, int v) {
        b[o] = (byte) (v >>> 24);
        b[o + 1] = (byte) (v >>> 16);
        b[o + 2] = (byte) (v >>> 8);
        b[o + 3] = (byte) v;
    }

}
