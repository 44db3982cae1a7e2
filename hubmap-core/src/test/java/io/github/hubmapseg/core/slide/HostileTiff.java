package io.github.hubmapseg.core.slide;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Writes little-endian TIFF or BigTIFF files with arbitrary, possibly hostile, header values, for tests and the
 * fuzz corpus (independent of the library under test). Blocks (tiles or strips) are stored after the IFD in
 * order; their offsets and byte counts are computed unless overridden. {@link #sparseLength} extends the file
 * sparsely.
 */
final class HostileTiff {

    boolean big;
    long width = 16;
    long height = 16;
    int samples = 3;
    int compression = 1;
    int photometric = 2;
    /** Tile size; 0 for strips. */
    int tileWidth;
    int tileHeight;
    long rowsPerStrip = -1;
    int predictor = 1;
    List<byte[]> blocks = new ArrayList<>();
    long[] offsets;
    long[] byteCounts;
    long sparseLength;

    HostileTiff block(byte[] b) {
        blocks.add(b);
        return this;
    }

    byte[] bytes() {
        Map<Integer, long[]> tags = new TreeMap<>(); // tag -> {type, values...}
        int offType = big ? 16 : 4;
        tags.put(256, new long[] {4, width});
        tags.put(257, new long[] {4, height});
        long[] bits = new long[samples + 1];
        bits[0] = 3;
        java.util.Arrays.fill(bits, 1, bits.length, 8);
        tags.put(258, bits);
        tags.put(259, new long[] {3, compression});
        tags.put(262, new long[] {3, photometric});
        tags.put(277, new long[] {3, samples});
        tags.put(284, new long[] {3, 1});
        if (predictor != 1) {
            tags.put(317, new long[] {3, predictor});
        }
        if (tileWidth > 0) {
            tags.put(322, new long[] {4, tileWidth});
            tags.put(323, new long[] {4, tileHeight});
        } else if (rowsPerStrip >= 0) {
            tags.put(278, new long[] {4, rowsPerStrip});
        }
        int n = Math.max(1, Math.max(blocks.size(), Math.max(offsets == null ? 0 : offsets.length,
                byteCounts == null ? 0 : byteCounts.length)));
        int entrySize = big ? 20 : 12;
        int countSize = big ? 8 : 2;
        int inline = big ? 8 : 4;
        int headerSize = big ? 16 : 8;
        int ifdSize = countSize + (tags.size() + 2) * entrySize + (big ? 8 : 4) + 8;
        // external area: worst case every tag external
        long ext = headerSize + ifdSize;
        long extSize = 0;
        for (long[] t : tags.values()) {
            extSize += (t.length - 1) * 8L;
        }
        extSize += 2L * n * 8;
        long data = ext + extSize + 8;
        long[] offs = new long[blocks.size()];
        long[] counts = new long[blocks.size()];
        long p = data;
        for (int i = 0; i < blocks.size(); i++) {
            offs[i] = p;
            counts[i] = blocks.get(i).length;
            p += blocks.get(i).length + (blocks.get(i).length & 1);
        }
        long[] o = offsets != null ? offsets : offs;
        long[] c = byteCounts != null ? byteCounts : counts;
        long[] ov = new long[o.length + 1];
        ov[0] = offType;
        System.arraycopy(o, 0, ov, 1, o.length);
        long[] cv = new long[c.length + 1];
        cv[0] = offType;
        System.arraycopy(c, 0, cv, 1, c.length);
        tags.put(tileWidth > 0 ? 324 : 273, ov);
        tags.put(tileWidth > 0 ? 325 : 279, cv);
        ByteBuffer b = ByteBuffer.allocate((int) p).order(ByteOrder.LITTLE_ENDIAN);
        b.put((byte) 'I').put((byte) 'I');
        if (big) {
            b.putShort((short) 43).putShort((short) 8).putShort((short) 0).putLong(headerSize);
        } else {
            b.putShort((short) 42).putInt(headerSize);
        }
        b.position(headerSize);
        if (big) {
            b.putLong(tags.size());
        } else {
            b.putShort((short) tags.size());
        }
        long extPos = ext;
        for (Map.Entry<Integer, long[]> e : tags.entrySet()) {
            long[] t = e.getValue();
            int type = (int) t[0];
            int size = type == 3 ? 2 : type == 4 ? 4 : 8;
            int count = t.length - 1;
            b.putShort((short) (int) e.getKey()).putShort((short) type);
            if (big) {
                b.putLong(count);
            } else {
                b.putInt(count);
            }
            long bytes = (long) count * size;
            int valuePos = b.position();
            long target;
            if (bytes <= inline) {
                target = valuePos;
            } else {
                target = extPos;
                extPos += bytes + (bytes & 1);
                if (big) {
                    b.putLong(target);
                } else {
                    b.putInt((int) target);
                }
            }
            int save = b.position();
            b.position((int) target);
            for (int i = 1; i < t.length; i++) {
                switch (size) {
                    case 2 -> b.putShort((short) t[i]);
                    case 4 -> b.putInt((int) t[i]);
                    default -> b.putLong(t[i]);
                }
            }
            b.position(bytes <= inline ? valuePos + inline : save);
        }
        if (big) {
            b.putLong(0);
        } else {
            b.putInt(0);
        }
        for (int i = 0; i < blocks.size(); i++) {
            b.position((int) offs[i]);
            b.put(blocks.get(i));
        }
        return b.array();
    }

    Path write(Path file) throws IOException {
        byte[] all = bytes();
        try (RandomAccessFile f = new RandomAccessFile(file.toFile(), "rw")) {
            f.setLength(0);
            f.write(all);
            if (sparseLength > all.length) {
                f.setLength(sparseLength);
            }
        }
        return file;
    }
}
