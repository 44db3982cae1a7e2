package io.github.hubmapseg.core.slide;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.lang.management.ManagementFactory;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.zip.Deflater;
import net.imglib2.FinalInterval;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue #15 findings 2 (decompression bomb), 6 (corrupt compressed tiles) and 7 (overflow in the block
 * arithmetic), and the pixel limit: hostile TIFF headers and data written byte by byte ({@link HostileTiff}).
 */
class TiffHostileTest {

    @TempDir
    Path dir;

    static byte[] deflate(byte[] raw) {
        Deflater d = new Deflater();
        d.setInput(raw);
        d.finish();
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        byte[] buf = new byte[1 << 16];
        while (!d.finished()) {
            out.write(buf, 0, d.deflate(buf));
        }
        d.end();
        return out.toByteArray();
    }

    /** A zlib stream of {@code zeros} zero bytes, compressed chunk by chunk (about 1000:1). */
    static byte[] deflateZeros(long zeros) {
        Deflater d = new Deflater(Deflater.BEST_COMPRESSION);
        byte[] chunk = new byte[1 << 20];
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        byte[] buf = new byte[1 << 16];
        for (long left = zeros; left > 0; left -= chunk.length) {
            d.setInput(chunk, 0, (int) Math.min(chunk.length, left));
            while (!d.needsInput()) {
                out.write(buf, 0, d.deflate(buf));
            }
        }
        d.finish();
        while (!d.finished()) {
            out.write(buf, 0, d.deflate(buf));
        }
        d.end();
        return out.toByteArray();
    }

    /**
     * A zlib stream of {@code mb} MB of zeros built from one sync-flushed compressed 1 MB block repeated (a
     * deflater in the same state compresses the same input to the same bytes): the 6 MB file whose tile
     * inflates to 6 GB, written in well under a second. Its Adler-32 trailer is missing: a bounded inflater
     * never gets there.
     */
    static byte[] repeatedZeroBlocks(int mb) {
        Deflater d = new Deflater(Deflater.BEST_COMPRESSION);
        byte[] zeros = new byte[1 << 20];
        byte[][] blocks = new byte[3][];
        byte[] buf = new byte[1 << 16];
        for (int k = 0; k < 3; k++) {
            ByteArrayOutputStream o = new ByteArrayOutputStream();
            d.setInput(zeros);
            int n;
            while ((n = d.deflate(buf, 0, buf.length, Deflater.SYNC_FLUSH)) > 0) {
                o.write(buf, 0, n);
            }
            blocks[k] = o.toByteArray();
        }
        d.end();
        assertThat(blocks[2]).as("repeated block").isEqualTo(blocks[1]);
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.writeBytes(blocks[0]);
        for (int i = 1; i < mb; i++) {
            out.writeBytes(blocks[1]);
        }
        return out.toByteArray();
    }

    private static HostileTiff tiled16(int compression, byte[] tile) {
        HostileTiff t = new HostileTiff();
        t.tileWidth = 16;
        t.tileHeight = 16;
        t.compression = compression;
        return t.block(tile);
    }

    private static void assertReadFails(Path f, String... parts) {
        assertThatThrownBy(() -> {
            try (ImageSource s = ImageSources.open(f)) {
                s.read(FinalInterval.createMinSize(0, 0, 16, 16));
            }
        }).isInstanceOf(IOException.class).hasMessageStartingWith(f.toString()).hasMessageContainingAll(parts)
                .hasMessageNotContaining("\n");
    }

    // ------------------------------------------------------------------ finding 7: overflow

    @Test
    void stripOf2Pow31Minus1PixelsWithAShortByteCountFailsOpen() throws IOException {
        HostileTiff t = new HostileTiff();
        t.width = Integer.MAX_VALUE;
        t.height = 1;
        t.samples = 1;
        t.photometric = 1;
        t.rowsPerStrip = 1;
        Path f = t.block(new byte[100]).write(dir.resolve("wide.tif"));
        assertThatThrownBy(() -> ImageSources.open(f)).isInstanceOf(IOException.class)
                .hasMessageStartingWith(f.toString()).hasMessageContaining("strip 0 holds 100 bytes")
                .hasMessageContaining("needs 2147483647");
    }

    @Test
    void stripOf2Pow31Minus1PixelsIsReadAtItsFarEnd() throws IOException {
        HostileTiff t = new HostileTiff();
        t.width = Integer.MAX_VALUE;
        t.height = 1;
        t.samples = 1;
        t.photometric = 1;
        t.offsets = new long[] {4096};
        t.byteCounts = new long[] {Integer.MAX_VALUE};
        t.sparseLength = 4096L + Integer.MAX_VALUE;
        Path f = t.write(dir.resolve("wide-sparse.tif"));
        long x = Integer.MAX_VALUE - 50L;
        try (RandomAccessFile raf = new RandomAccessFile(f.toFile(), "rw")) {
            raf.seek(4096 + x);
            for (int i = 0; i < 50; i++) {
                raf.write(i + 1);
            }
        }
        try (ImageSource s = ImageSources.open(f)) {
            assertThat(s.width()).isEqualTo(Integer.MAX_VALUE);
            byte[] got = ImageSourceContract.data(s.read(FinalInterval.createMinSize(x - 2, 0, 60, 1)));
            byte[] want = new byte[60];
            for (int i = 0; i < 60; i++) {
                want[i] = (byte) (i < 2 ? 0 : i < 52 ? i - 1 : 255); // past the image end: fill value 255
            }
            assertThat(got).containsExactly(want);
        }
    }

    @Test
    void stripOffsetOf2Pow63FailsOpenNamingTheValue() throws IOException {
        for (int compression : new int[] {1, 8}) {
            HostileTiff t = new HostileTiff();
            t.big = true;
            t.compression = compression;
            t.block(compression == 1 ? new byte[16 * 16 * 3] : deflate(new byte[16 * 16 * 3]));
            t.offsets = new long[] {Long.MIN_VALUE}; // 2^63 as an unsigned TIFF LONG8
            Path f = t.write(dir.resolve("offset63-" + compression + ".tif"));
            assertThatThrownBy(() -> ImageSources.open(f)).isInstanceOf(IOException.class)
                    .hasMessageStartingWith(f.toString()).hasMessageContaining("strip 0 starts at byte 9223372036854775808")
                    .hasMessageContaining("past the end of the file");
        }
    }

    @Test
    void offsetPlusByteCountOverflowingFailsOpen() throws IOException {
        for (int compression : new int[] {1, 8}) {
            HostileTiff t = new HostileTiff();
            t.big = true;
            t.compression = compression;
            t.block(new byte[16 * 16 * 3]);
            t.offsets = new long[] {100};
            t.byteCounts = new long[] {Long.MAX_VALUE};
            Path f = t.write(dir.resolve("count63-" + compression + ".tif"));
            assertThatThrownBy(() -> ImageSources.open(f)).isInstanceOf(IOException.class)
                    .hasMessageStartingWith(f.toString()).hasMessageContaining("strip 0")
                    .hasMessageContaining("9223372036854775807");
        }
    }

    @Test
    void tooFewOffsetsForTheDeclaredGridFailsOpen() throws IOException {
        HostileTiff t = tiled16(8, deflate(new byte[768]));
        t.width = 1 << 20;
        t.height = 1 << 20;
        Path f = t.write(dir.resolve("grid.tif"));
        assertThatThrownBy(() -> ImageSources.open(f)).hasMessageContaining("1048576 x 1048576 = 1099511627776 pixels");
        assertThatThrownBy(() -> ImageSources.open(f, Long.MAX_VALUE)).hasMessageStartingWith(f.toString())
                .hasMessageContaining("4294967296").hasMessageContaining("(1)");
    }

    // ------------------------------------------------------------------ pixel limit

    @Test
    void slideOverThePixelLimitIsRefusedWhenOpened() throws IOException {
        HostileTiff t = tiled16(8, deflate(new byte[768]));
        t.width = 100_000;
        t.height = 100_000;
        Path f = t.write(dir.resolve("huge.tif"));
        assertThatThrownBy(() -> ImageSources.open(f)).hasMessage(f + ": 100000 x 100000 = 10000000000 pixels is"
                + " more than the limit of 4294967296 pixels per slide (raise it with -Dhubmap.slide.maxPixels=N or"
                + " ImageSources.open(file, maxPixels))");
        Path small = tiled16(8, deflate(new byte[768])).write(dir.resolve("small.tif"));
        assertThatThrownBy(() -> ImageSources.open(small, 255)).hasMessageContaining("16 x 16 = 256 pixels")
                .hasMessageContaining("limit of 255 pixels");
        try (ImageSource s = ImageSources.open(small, 256)) {
            assertThat(s.width()).isEqualTo(16);
        }
    }

    // ------------------------------------------------------------------ finding 2: decompression bomb

    @Test
    void deflateTileInflatingFarBeyondItsSizeFailsFastWithoutAllocatingIt() throws IOException {
        byte[] bomb = deflateZeros(256L << 20); // 256 MB of zeros in a 16 x 16 x 3 = 768-byte tile
        assertThat(bomb.length).isLessThan(1 << 20);
        Path f = tiled16(8, bomb).write(dir.resolve("bomb.tif"));
        com.sun.management.ThreadMXBean mx = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
        long before = mx.getCurrentThreadAllocatedBytes();
        assertReadFails(f, "(page 0): tile (0, 0)", "decodes to more than the 768 bytes the header declares");
        long allocated = mx.getCurrentThreadAllocatedBytes() - before;
        assertThat(allocated).as("bytes allocated by the failed read").isLessThan(32L << 20);
    }

    /** The case at its scale: a 6 MB file whose one 512 x 512 RGB tile inflates to 6 GB. */
    @Test
    void sixMegabyteTileInflatingToSixGigabytesFailsFast() throws IOException {
        byte[] bomb = repeatedZeroBlocks(6 << 10);
        HostileTiff t = new HostileTiff();
        t.width = 512;
        t.height = 512;
        t.tileWidth = 512;
        t.tileHeight = 512;
        t.compression = 8;
        Path f = t.block(bomb).write(dir.resolve("bomb-6g.tif"));
        assertThat(java.nio.file.Files.size(f)).isBetween(5L << 20, 8L << 20);
        com.sun.management.ThreadMXBean mx = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
        long before = mx.getCurrentThreadAllocatedBytes();
        assertReadFails(f, "(page 0): tile (0, 0)", "deflate data decodes to more than the 786432 bytes the header"
                + " declares (decompression bomb?)");
        long allocated = mx.getCurrentThreadAllocatedBytes() - before;
        assertThat(allocated).as("bytes allocated by the failed read").isLessThan(64L << 20);
    }

    @Test
    void packBitsAndLzwDecodingMoreThanDeclaredFail() throws IOException {
        byte[] runs = new byte[200];
        for (int i = 0; i < runs.length; i += 2) {
            runs[i] = (byte) -127; // 128 copies of the next byte
            runs[i + 1] = 7;
        }
        assertReadFails(tiled16(32773, runs).write(dir.resolve("packbits-bomb.tif")), "tile (0, 0)",
                "PackBits data decodes to more than the 768 bytes the header declares (188 bytes left)");
        // LZW: 9-bit codes 256 (clear) then the literal 0 repeated: each code adds one byte, 2000 codes > 768
        assertReadFails(tiled16(5, lzwLiterals(2000)).write(dir.resolve("lzw-bomb.tif")), "tile (0, 0)",
                "LZW data decodes to more than the 768 bytes");
    }

    /** A valid TIFF LZW stream of {@code n} literal zero bytes (a clear code every 250 codes, 9-bit codes). */
    static byte[] lzwLiterals(int n) {
        BitWriter w = new BitWriter();
        for (int i = 0; i < n; i++) {
            if (i % 250 == 0) {
                w.write(256, 9);
            }
            w.write(0, 9);
        }
        w.write(257, 9);
        return w.bytes();
    }

    private static final class BitWriter {
        private final ByteArrayOutputStream out = new ByteArrayOutputStream();
        private int acc;
        private int bits;

        void write(int code, int width) {
            for (int b = width - 1; b >= 0; b--) {
                acc = (acc << 1) | ((code >> b) & 1);
                if (++bits == 8) {
                    out.write(acc);
                    acc = 0;
                    bits = 0;
                }
            }
        }

        byte[] bytes() {
            if (bits > 0) {
                out.write(acc << (8 - bits));
            }
            return out.toByteArray();
        }
    }

    // ------------------------------------------------------------------ finding 6: corrupt compressed data

    @Test
    void shortDeflateIsAnErrorNotFlatPixels() throws IOException {
        byte[] raw = new byte[768];
        for (int i = 0; i < raw.length; i++) {
            raw[i] = (byte) (i * 37);
        }
        byte[] z = deflate(raw);
        assertReadFails(tiled16(8, Arrays.copyOf(z, z.length / 2)).write(dir.resolve("short.tif")),
                "(page 0): tile (0, 0)", "deflate data ends early");
        assertReadFails(tiled16(8, new byte[] {1, 2, 3, 4, 5, 6, 7, 8}).write(dir.resolve("garbage-deflate.tif")),
                "tile (0, 0)", "invalid deflate data");
        // a valid stream of too few bytes
        assertReadFails(tiled16(8, deflate(new byte[700])).write(dir.resolve("few.tif")), "tile (0, 0)",
                "decode to 700 bytes, the header declares 768");
    }

    @Test
    void garbagePackBitsLzwAndJpegAreErrors() throws IOException {
        byte[] literalPastEnd = {100, 1, 2, 3};
        assertReadFails(tiled16(32773, literalPastEnd).write(dir.resolve("pb.tif")), "tile (0, 0)",
                "PackBits literal run of 101 bytes");
        byte[] lzwGarbage = {(byte) 0x80, 0x00, (byte) 0xFF, (byte) 0xFF, (byte) 0xFF, (byte) 0xFF, 0x12, 0x34};
        assertReadFails(tiled16(5, lzwGarbage).write(dir.resolve("lzw.tif")), "tile (0, 0)", "invalid LZW code");
        assertReadFails(tiled16(5, lzwLiterals(100)).write(dir.resolve("lzw-short.tif")), "tile (0, 0)",
                "decode to 100 bytes, the header declares 768");
        HostileTiff jpeg = tiled16(7, new byte[] {1, 2, 3, 4, 5, 6, 7, 8, 9, 10});
        jpeg.photometric = 6;
        assertReadFails(jpeg.write(dir.resolve("jpeg.tif")), "(page 0): tile (0, 0)", "not actually JPEG");
    }

    @Test
    void truncatedAndOversizedJpegTilesAreErrors() throws Exception {
        // the fixture (tifffile, JPEG 64 x 64 tiles) with the last 40 bytes of tile 0, its end marker included,
        // overwritten by zeros: a truncated stream
        Path f = dir.resolve("jpeg-cut.tif");
        java.nio.file.Files.copy(TiffFixtures.path("rgb_tiled64_jpeg.tif"), f);
        long offset;
        long count;
        try (net.algart.matrices.tiff.TiffReader r = new net.algart.matrices.tiff.TiffReader(f)) {
            net.algart.matrices.tiff.TiffIFD ifd = r.allIFDs().get(0);
            offset = ifd.getTileOrStripOffsets()[0];
            count = ifd.getTileOrStripByteCounts()[0];
        }
        try (RandomAccessFile raf = new RandomAccessFile(f.toFile(), "rw")) {
            raf.seek(offset + count - 40);
            raf.write(new byte[40]);
        }
        assertThatThrownBy(() -> {
            try (ImageSource s = ImageSources.open(f)) {
                s.read(FinalInterval.createMinSize(0, 0, 8, 8));
            }
        }).hasMessageStartingWith(f + " (page 0): tile (0, 0)")
                .hasMessageContaining("JPEG stream has no end-of-image marker FFD9");
        // a minimal SOI + SOF0 declaring 4000 x 3000 in a 16 x 16 tile
        byte[] sof = {(byte) 0xFF, (byte) 0xD8, (byte) 0xFF, (byte) 0xC0, 0, 11, 8, 0x0B, (byte) 0xB8, 0x0F,
                (byte) 0xA0, 1, 1, 0x11, 0, (byte) 0xFF, (byte) 0xDA, 0, 2};
        HostileTiff big = tiled16(7, sof);
        big.photometric = 2;
        assertReadFails(big.write(dir.resolve("jpeg-big.tif")), "tile (0, 0)",
                "JPEG frame is 4000 x 3000, larger than the 16 x 16 block");
    }

    /** Sizes checked before allocating: a region whose result cannot fit one array or the heap is refused. */
    @Test
    void regionLargerThanAnArrayOrTheHeapIsRefusedBeforeAllocating() throws IOException {
        try (ImageSource s = new InMemoryImageSource(new byte[16], 1, 1, 16)) {
            assertThatThrownBy(() -> s.read(FinalInterval.createMinSize(0, 0, 23170, 23170)))
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessage("region 23170 x 23170 needs " + 23170L * 23170 * 16 + " bytes, more than one array holds; read it"
                            + " in parts");
        }
    }
}
