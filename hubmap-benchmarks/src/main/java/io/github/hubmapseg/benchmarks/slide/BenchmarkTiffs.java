package io.github.hubmapseg.benchmarks.slide;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.Arrays;
import java.util.SplittableRandom;
import java.util.zip.Deflater;

/**
 * Writes large benchmark slides with a small self-contained TIFF writer (not the library's reader code):
 * tiled BigTIFF (uncompressed or deflate) and a classic TIFF with one strip, as tifffile writes by default.
 * Pixels: a pattern plus 3 bits of noise, which deflate compresses only about 1.1:1: a pessimistic case
 * for decoding time (H&amp;E tissue tiles compress about 2-3:1).
 */
final class BenchmarkTiffs {

    private BenchmarkTiffs() {
    }

    static int value(long x, long y, int c, SplittableRandom rnd) {
        return (int) ((x / 3 + y / 5 + 85L * c + ((x ^ y) & 31)) & 0xF8) | rnd.nextInt(8);
    }

    /** Returns {@code dir/name}, writing it with {@code writer} first unless it already exists. */
    static Path cached(Path dir, String name, IoConsumer<Path> writer) throws IOException {
        Path f = dir.resolve(name);
        if (!Files.exists(f)) {
            Files.createDirectories(dir);
            Path tmp = dir.resolve(name + ".tmp");
            writer.accept(tmp);
            Files.move(tmp, f, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        }
        return f;
    }

    interface IoConsumer<T> {
        void accept(T t) throws IOException;
    }

    /** A tiled, interleaved RGB BigTIFF; deflate (Compression 8, level 6) or uncompressed. */
    static void writeTiledBigTiff(Path file, int width, int height, int tile, boolean deflate) throws IOException {
        int tx = (width + tile - 1) / tile;
        int ty = (height + tile - 1) / tile;
        long[] offsets = new long[tx * ty];
        long[] counts = new long[tx * ty];
        SplittableRandom rnd = new SplittableRandom(42);
        byte[] raw = new byte[tile * tile * 3];
        byte[] packed = new byte[raw.length + raw.length / 2 + 1024];
        Deflater deflater = new Deflater(6);
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                StandardOpenOption.TRUNCATE_EXISTING)) {
            long pos = 16;
            for (int j = 0; j < ty; j++) {
                for (int i = 0; i < tx; i++) {
                    Arrays.fill(raw, (byte) 0);
                    for (int y = 0; y < tile; y++) {
                        int gy = j * tile + y;
                        if (gy >= height) {
                            break;
                        }
                        for (int x = 0; x < tile; x++) {
                            int gx = i * tile + x;
                            if (gx >= width) {
                                break;
                            }
                            for (int c = 0; c < 3; c++) {
                                raw[(y * tile + x) * 3 + c] = (byte) value(gx, gy, c, rnd);
                            }
                        }
                    }
                    ByteBuffer out;
                    if (deflate) {
                        deflater.reset();
                        deflater.setInput(raw);
                        deflater.finish();
                        int n = deflater.deflate(packed);
                        out = ByteBuffer.wrap(packed, 0, n);
                    } else {
                        out = ByteBuffer.wrap(raw);
                    }
                    int k = j * tx + i;
                    offsets[k] = pos;
                    counts[k] = out.remaining();
                    pos += write(ch, out, pos);
                }
            }
            writeBigTiffIfd(ch, pos, width, height, tile, deflate ? 8 : 1, offsets, counts);
        } finally {
            deflater.end();
        }
    }

    /** A classic TIFF, interleaved RGB, uncompressed, one strip (the whole image). */
    static void writeOneStrip(Path file, int width, int height) throws IOException {
        long strip = (long) width * height * 3;
        if (strip + 4096 > 0xFFFFFFFFL) {
            throw new IllegalArgumentException("one strip of " + strip + " bytes does not fit a classic TIFF");
        }
        SplittableRandom rnd = new SplittableRandom(7);
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                StandardOpenOption.TRUNCATE_EXISTING)) {
            ByteBuffer h = ByteBuffer.allocate(4096).order(ByteOrder.LITTLE_ENDIAN);
            h.put((byte) 'I').put((byte) 'I').putShort((short) 42).putInt(8);
            h.putShort((short) 10);
            entry(h, 256, 4, 1, width);
            entry(h, 257, 4, 1, height);
            entry(h, 258, 3, 3, 8 + 2 + 120 + 4);
            entry(h, 259, 3, 1, 1);
            entry(h, 262, 3, 1, 2);
            entry(h, 273, 4, 1, 4096);
            entry(h, 277, 3, 1, 3);
            entry(h, 278, 4, 1, height);
            entry(h, 279, 4, 1, strip);
            entry(h, 284, 3, 1, 1);
            h.putInt(0);
            h.putShort((short) 8).putShort((short) 8).putShort((short) 8);
            h.clear();
            write(ch, h, 0);
            byte[] row = new byte[width * 3];
            for (int y = 0; y < height; y++) {
                for (int x = 0; x < width; x++) {
                    for (int c = 0; c < 3; c++) {
                        row[x * 3 + c] = (byte) value(x, y, c, rnd);
                    }
                }
                write(ch, ByteBuffer.wrap(row), 4096 + (long) y * row.length);
            }
        }
    }

    private static void entry(ByteBuffer b, int tag, int type, int count, long value) {
        b.putShort((short) tag).putShort((short) type).putInt(count);
        if (type == 3 && count == 1) {
            b.putShort((short) value).putShort((short) 0);
        } else {
            b.putInt((int) value);
        }
    }

    private static void writeBigTiffIfd(FileChannel ch, long ifdPos, int width, int height, int tile,
                                        int compression, long[] offsets, long[] counts) throws IOException {
        int n = 11;
        long ifdBytes = 8 + 20L * n + 8;
        long offPos = ifdPos + ifdBytes;
        long cntPos = offPos + 8L * offsets.length;
        ByteBuffer b = ByteBuffer.allocate((int) (ifdBytes + 16L * offsets.length)).order(ByteOrder.LITTLE_ENDIAN);
        b.putLong(n);
        big(b, 256, 4, 1, width);
        big(b, 257, 4, 1, height);
        b.putShort((short) 258).putShort((short) 3).putLong(3)      // 3 SHORTs fit inline (8 bytes)
                .putShort((short) 8).putShort((short) 8).putShort((short) 8).putShort((short) 0);
        big(b, 259, 3, 1, compression);
        big(b, 262, 3, 1, 2);
        big(b, 277, 3, 1, 3);
        big(b, 284, 3, 1, 1);
        big(b, 322, 4, 1, tile);
        big(b, 323, 4, 1, tile);
        big(b, 324, 16, offsets.length, offPos);
        big(b, 325, 16, counts.length, cntPos);
        b.putLong(0);
        for (long o : offsets) {
            b.putLong(o);
        }
        for (long c : counts) {
            b.putLong(c);
        }
        b.flip();
        write(ch, b, ifdPos);
        ByteBuffer h = ByteBuffer.allocate(16).order(ByteOrder.LITTLE_ENDIAN);
        h.put((byte) 'I').put((byte) 'I').putShort((short) 43).putShort((short) 8).putShort((short) 0).putLong(ifdPos);
        h.flip();
        write(ch, h, 0);
    }

    private static void big(ByteBuffer b, int tag, int type, long count, long value) {
        b.putShort((short) tag).putShort((short) type).putLong(count);
        if (type == 3 && count == 1) {
            b.putShort((short) value).putShort((short) 0).putInt(0);
        } else {
            b.putLong(value);
        }
    }

    private static int write(FileChannel ch, ByteBuffer b, long pos) throws IOException {
        int n = b.remaining();
        long p = pos;
        while (b.hasRemaining()) {
            p += ch.write(b, p);
        }
        return n;
    }
}
