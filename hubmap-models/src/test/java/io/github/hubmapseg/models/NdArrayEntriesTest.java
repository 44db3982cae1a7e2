package io.github.hubmapseg.models;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayOutputStream;
import java.io.DataOutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.zip.ZipEntry;
import java.util.zip.ZipFile;
import java.util.zip.ZipOutputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Issue #15 (8): a damaged {@code coefficients.bin} is one line naming the file, the entry, the field and the value
 * (it was a raw NumberFormatException, EOFException or UTFDataFormatException), and a header claiming a huge array
 * is refused before anything is allocated.
 */
class NdArrayEntriesTest {

    private static byte[] written(INDArray a) throws Exception {
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        Nd4j.write(a, new DataOutputStream(b));
        return b.toByteArray();
    }

    private static Path zip(Path dir, byte[] coefficients) throws Exception {
        Path f = dir.resolve("c.zip");
        try (ZipOutputStream z = new ZipOutputStream(Files.newOutputStream(f))) {
            z.putNextEntry(new ZipEntry("coefficients.bin"));
            z.write(coefficients);
        }
        return f;
    }

    private static INDArray read(Path f) throws Exception {
        try (ZipFile z = new ZipFile(f.toFile())) {
            return NdArrayEntries.read(z, z.getEntry("coefficients.bin"));
        }
    }

    /** A header written as ND4J writes it: mode, length (int for the first three modes, else long), type. */
    private static void header(DataOutputStream d, String mode, long length, String type) throws Exception {
        d.writeUTF(mode);
        if (List.of("DIRECT", "HEAP", "JAVACPP").contains(mode)) {
            d.writeInt((int) length);
        } else {
            d.writeLong(length);
        }
        d.writeUTF(type);
    }

    /** A shape-information buffer of a float array of this shape (c order), then the data header. */
    private static byte[] claiming(long dataLength, long... shape) throws Exception {
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        DataOutputStream d = new DataOutputStream(b);
        header(d, "LONG_SHAPE", 2L * shape.length + 4, "LONG");
        d.writeLong(shape.length);
        for (long s : shape) {
            d.writeLong(s);
        }
        for (long s : shape) {
            d.writeLong(1); // strides: not checked
        }
        d.writeLong(0);
        d.writeLong(1);
        d.writeLong(99);
        header(d, "MIXED_DATA_TYPES", dataLength, "FLOAT");
        d.writeFloat(1f);
        return b.toByteArray();
    }

    @Test
    void aValidArrayReadsBack(@TempDir Path tmp) throws Exception {
        INDArray a = Nd4j.linspace(DataType.FLOAT, 1, 6, 1).reshape(2, 3);
        assertThat(read(zip(tmp, written(a)))).isEqualTo(a);
    }

    @Test
    void damagedEntriesNameFileEntryFieldAndValue(@TempDir Path tmp) throws Exception {
        String where = tmp.resolve("c.zip") + "!coefficients.bin: ";
        byte[] good = written(Nd4j.linspace(DataType.FLOAT, 1, 6, 1).reshape(2, 3));
        // text where the array should be: the first two bytes read as a header name length past the end
        assertThatThrownBy(() -> read(zip(tmp, "hello, not an array".getBytes()))).hasMessage(where
                + "ends inside the array header (truncated)");
        // a header name that is not modified UTF-8 (was UTFDataFormatException)
        assertThatThrownBy(() -> read(zip(tmp, new byte[] {0, 2, (byte) 0xc0, (byte) 0xff, 0, 0})))
                .hasMessage(where + "not an ND4J array (a header name is not valid modified UTF-8)");
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        header(new DataOutputStream(b), "BOGUS", 8, "LONG");
        assertThatThrownBy(() -> read(zip(tmp, b.toByteArray()))).hasMessageStartingWith(where
                + "shape information allocation mode is 'BOGUS', expected [DIRECT, HEAP, JAVACPP, LONG_SHAPE, "
                + "MIXED_DATA_TYPES]");
        b.reset();
        header(new DataOutputStream(b), "LONG_SHAPE", 8, "NOPE");
        assertThatThrownBy(() -> read(zip(tmp, b.toByteArray()))).hasMessageStartingWith(where
                + "shape information data type is 'NOPE', expected an ND4J data type");
        // cut in the middle of the data (was EOFException)
        assertThatThrownBy(() -> read(zip(tmp, Arrays.copyOf(good, good.length - 8)))).hasMessage(where
                + "data of 6 FLOAT values needs 24 bytes, the entry has 16 after the headers (truncated or damaged)");
        // bytes after the data (Checkpoints' former reader refused them too)
        assertThatThrownBy(() -> read(zip(tmp, Arrays.copyOf(good, good.length + 8)))).hasMessage(where
                + "8 bytes after the data of 6 FLOAT values (not one ND4J array, or damaged)");
        assertThatThrownBy(() -> read(zip(tmp, claiming(5, 2, 3)))).hasMessageStartingWith(where
                + "data length is 5, expected 6, the product of the shape [2, 3]");
        assertThatThrownBy(() -> read(zip(tmp, claiming(6, 2, -3)))).hasMessageStartingWith(where
                + "dimension 1 is -3, expected a size >= 0");
    }

    @Test
    void aHugeClaimIsRefusedBeforeAllocating(@TempDir Path tmp) throws Exception {
        long n = 1L << 40;
        assertThatThrownBy(() -> read(zip(tmp, claiming(n, 1L << 20, 1L << 20)))).hasMessageContaining("needs "
                + 4 * n + " bytes, the entry has 4 after the headers");
        assertThatThrownBy(() -> read(zip(tmp, claiming(1, 1L << 40, 1L << 40)))).hasMessageContaining(
                "overflows 64 bits");
    }
}
