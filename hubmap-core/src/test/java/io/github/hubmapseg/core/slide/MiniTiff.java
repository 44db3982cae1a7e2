package io.github.hubmapseg.core.slide;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Path;

/**
 * A minimal classic-TIFF writer for tests (independent of the library under test): one page, one strip,
 * little-endian, pixel data at {@link #DATA_OFFSET}. The file is made sparse with
 * {@link RandomAccessFile#setLength}, so a multi-GB strip costs no disk until written.
 */
final class MiniTiff {

    static final long DATA_OFFSET = 4096;

    private MiniTiff() {
    }

    /**
     * Writes the header and IFD of a one-strip image and extends the file to {@code DATA_OFFSET + stripBytes}.
     *
     * @return the strip's byte count
     */
    static long writeOneStrip(Path file, int width, int height, int samples, int bits, int compression,
                              long stripBytes) throws IOException {
        ByteBuffer b = ByteBuffer.allocate((int) DATA_OFFSET).order(ByteOrder.LITTLE_ENDIAN);
        b.put((byte) 'I').put((byte) 'I').putShort((short) 42).putInt(8);
        int n = 10;
        int extra = 8 + 2 + 12 * n + 4;
        b.putShort((short) n);
        entry(b, 256, 4, 1, width);
        entry(b, 257, 4, 1, height);
        if (samples <= 2) {
            b.putShort((short) 258).putShort((short) 3).putInt(samples).putShort((short) bits)
                    .putShort((short) (samples == 2 ? bits : 0));
        } else {
            entry(b, 258, 3, samples, extra);
        }
        entry(b, 259, 3, 1, compression);
        entry(b, 262, 3, 1, samples >= 3 ? 2 : 1);
        entry(b, 273, 4, 1, DATA_OFFSET);
        entry(b, 277, 3, 1, samples);
        entry(b, 278, 4, 1, height);
        entry(b, 279, 4, 1, stripBytes);
        entry(b, 284, 3, 1, 1);
        b.putInt(0);
        for (int i = 0; i < samples; i++) {
            b.putShort((short) bits);
        }
        try (RandomAccessFile f = new RandomAccessFile(file.toFile(), "rw")) {
            f.write(b.array());
            f.setLength(DATA_OFFSET + stripBytes);
        }
        return stripBytes;
    }

    private static void entry(ByteBuffer b, int tag, int type, int count, long value) {
        b.putShort((short) tag).putShort((short) type).putInt(count);
        if (type == 3 && count == 1) {
            b.putShort((short) value).putShort((short) 0);
        } else {
            b.putInt((int) value);
        }
    }
}
