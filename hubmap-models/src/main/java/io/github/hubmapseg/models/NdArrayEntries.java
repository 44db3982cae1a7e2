package io.github.hubmapseg.models;

import java.io.BufferedInputStream;
import java.io.DataInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.UTFDataFormatException;
import java.util.Arrays;
import java.util.Locale;
import java.util.zip.ZipEntry;
import java.util.zip.ZipFile;
import org.nd4j.linalg.api.buffer.DataBuffer;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Reads an ND4J binary array ({@code Nd4j.write}: a shape-information buffer, then a data buffer, each with a
 * header "allocation mode, length, data type") from a checkpoint's zip entry ({@code coefficients.bin},
 * {@code updaterState.bin}), checking the headers before anything is allocated: a damaged or hostile entry is an
 * {@link IOException} naming the file, the entry, the field and its value, never a raw
 * {@code NumberFormatException}, {@code EOFException}, {@code UTFDataFormatException} or an allocation of what
 * a header claims. The one home of this check: {@link Checkpoints} reads every array entry through it.
 */
final class NdArrayEntries {
    /** Largest rank accepted (DL4J arrays have at most 32 dimensions). */
    static final int MAX_RANK = 32;

    private NdArrayEntries() {
    }

    /** Header of one buffer. */
    private record Header(DataBuffer.AllocationMode mode, long length, DataType type, long bytes) {
    }

    static INDArray read(ZipFile z, ZipEntry e) throws IOException {
        String where = z.getName() + "!" + e.getName();
        long size = e.getSize();
        try (BufferedInputStream in = new BufferedInputStream(z.getInputStream(e), 1 << 16)) {
            in.mark(1 << 15);
            long[] consumed = {0};
            DataInputStream d = new DataInputStream(new java.io.FilterInputStream(in) {
                @Override
                public int read() throws IOException {
                    int b = super.read();
                    consumed[0] += b < 0 ? 0 : 1;
                    return b;
                }

                @Override
                public int read(byte[] b, int off, int len) throws IOException {
                    int r = super.read(b, off, len);
                    consumed[0] += Math.max(0, r);
                    return r;
                }
            });
            Header shape = header(d, where, "shape information");
            if (shape.length() < 4 || shape.length() > 2L * MAX_RANK + 4) {
                throw bad(where, "shape information length", shape.length(), "4 to " + (2 * MAX_RANK + 4)
                        + " (rank 0 to " + MAX_RANK + ")");
            }
            long[] info = new long[(int) shape.length()];
            for (int i = 0; i < info.length; i++) {
                info[i] = element(d, shape.type(), where);
            }
            long rank = info[0];
            if (rank < 0 || rank > MAX_RANK || shape.length() != 2 * rank + 4) {
                throw bad(where, "rank", rank, "0 to " + MAX_RANK + " with " + (shape.length() - 4) / 2
                        + " dimensions in a shape-information buffer of " + shape.length());
            }
            long n = 1;
            for (int i = 1; i <= rank; i++) {
                if (info[i] < 0) {
                    throw bad(where, "dimension " + (i - 1), info[i], "a size >= 0");
                }
                n = multiply(n, info[i], where, Arrays.toString(Arrays.copyOfRange(info, 1, (int) rank + 1)));
            }
            Header data = header(d, where, "data");
            if (data.length() != n) {
                throw bad(where, "data length", data.length(), n + ", the product of the shape "
                        + Arrays.toString(Arrays.copyOfRange(info, 1, (int) rank + 1)));
            }
            if (size >= 0 && data.bytes() > size - consumed[0]) {
                throw new IOException(where + ": data of " + n + " " + data.type() + " values needs " + data.bytes()
                        + " bytes, the entry has " + Math.max(0, size - consumed[0]) + " after the headers (truncated "
                        + "or damaged)");
            }
            if (size >= 0 && data.bytes() < size - consumed[0]) {
                throw new IOException(where + ": " + (size - consumed[0] - data.bytes()) + " bytes after the data of "
                        + n + " " + data.type() + " values (not one ND4J array, or damaged)");
            }
            long cap = org.bytedeco.javacpp.Pointer.maxBytes();
            long free = cap > 0 ? cap - org.bytedeco.javacpp.Pointer.totalBytes() : Long.MAX_VALUE;
            if (data.bytes() > free) {
                throw new IOException(String.format(Locale.ROOT, "%s: %d %s values need %d bytes of native memory, "
                        + "%d are free (raise -Dorg.bytedeco.javacpp.maxbytes)", where, n, data.type(), data.bytes(),
                        free));
            }
            in.reset();
            try {
                return Nd4j.read(new DataInputStream(in));
            } catch (RuntimeException ex) {
                throw new IOException(where + ": not a readable ND4J array (" + describe(ex) + ")", ex);
            }
        } catch (EOFException ex) {
            throw new IOException(where + ": ends inside the array header (truncated)", ex);
        } catch (UTFDataFormatException ex) {
            throw new IOException(where + ": not an ND4J array (a header name is not valid modified UTF-8)", ex);
        }
    }

    private static Header header(DataInputStream d, String where, String what) throws IOException {
        String m = d.readUTF();
        DataBuffer.AllocationMode mode;
        try {
            mode = DataBuffer.AllocationMode.valueOf(m);
        } catch (IllegalArgumentException ex) {
            throw bad(where, what + " allocation mode", "'" + printable(m) + "'",
                    Arrays.toString(DataBuffer.AllocationMode.values()));
        }
        long length = mode.ordinal() < 3 ? d.readInt() : d.readLong();
        if (length < 0) {
            throw bad(where, what + " length", length, "a count >= 0");
        }
        String t = d.readUTF();
        DataType type;
        try {
            type = DataType.valueOf(t);
        } catch (IllegalArgumentException ex) {
            throw bad(where, what + " data type", "'" + printable(t) + "'", "an ND4J data type such as FLOAT");
        }
        int w;
        switch (type) {
            case DOUBLE, FLOAT, HALF, BFLOAT16, LONG, INT, SHORT, BYTE, UBYTE, BOOL, UINT16, UINT32, UINT64 ->
                    w = type.width();
            default -> throw bad(where, what + " data type", type, "a numeric type");
        }
        return new Header(mode, length, type, multiply(length, w, where, what + " length " + length));
    }

    private static long element(DataInputStream d, DataType t, String where) throws IOException {
        return switch (t) {
            case LONG, UINT64 -> d.readLong();
            case INT, UINT32 -> d.readInt();
            default -> throw bad(where, "shape information data type", t, "LONG or INT");
        };
    }

    private static long multiply(long a, long b, String where, String what) throws IOException {
        try {
            return Math.multiplyExact(a, b);
        } catch (ArithmeticException ex) {
            throw new IOException(where + ": " + what + " overflows 64 bits");
        }
    }

    private static IOException bad(String where, String field, Object value, String expected) {
        return new IOException(where + ": " + field + " is " + value + ", expected " + expected
                + " (not an ND4J array, or damaged)");
    }

    private static String printable(String s) {
        String p = s.replaceAll("[^\\x20-\\x7e]", "?");
        return p.length() > 40 ? p.substring(0, 40) + "..." : p;
    }

    private static String describe(Throwable t) {
        while (t.getCause() != null && t.getCause() != t) {
            t = t.getCause();
        }
        return t.getClass().getSimpleName() + (t.getMessage() == null ? "" : ": " + printable(t.getMessage()));
    }
}
