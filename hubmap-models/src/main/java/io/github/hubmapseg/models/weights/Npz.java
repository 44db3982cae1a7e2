package io.github.hubmapseg.models.weights;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.zip.ZipEntry;
import java.util.zip.ZipInputStream;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * A reader of NumPy {@code .npz} archives ({@code np.savez}, stored or deflated) of little-endian
 * C-order arrays of float32, float64, int64, int32 or uint8, read as float32 INDArrays (integers
 * converted). ND4J's own {@code createFromNpzFile} fails on 0-d and 1-d arrays such as a state_dict's
 * {@code num_batches_tracked} and batch-norm vectors.
 */
public final class Npz {
    private static final Pattern DESCR = Pattern.compile("'descr':\\s*'([^']*)'");
    private static final Pattern FORTRAN = Pattern.compile("'fortran_order':\\s*(True|False)");
    private static final Pattern SHAPE = Pattern.compile("'shape':\\s*\\(([^)]*)\\)");

    private Npz() {
    }

    /**
     * @param file the {@code .npz} file
     * @return arrays by name (without the {@code .npy} suffix), in archive order
     * @throws IOException if it cannot be read or holds an unsupported array
     */
    public static Map<String, INDArray> read(Path file) throws IOException {
        Map<String, INDArray> out = new LinkedHashMap<>();
        try (ZipInputStream zip = new ZipInputStream(Files.newInputStream(file))) {
            ZipEntry e;
            while ((e = zip.getNextEntry()) != null) {
                String name = e.getName().endsWith(".npy") ? e.getName().substring(0, e.getName().length() - 4)
                        : e.getName();
                out.put(name, readNpy(zip, file + ":" + e.getName()));
            }
        }
        return out;
    }

    /**
     * Reads one {@code .npy} array (same types as {@link #read}).
     *
     * @param file the file
     * @return the array, float32
     * @throws IOException if it cannot be read or is malformed
     */
    public static INDArray readNpy(Path file) throws IOException {
        if (!Files.isRegularFile(file)) {
            throw new java.io.FileNotFoundException("no such .npy file: " + file);
        }
        try (InputStream in = new java.io.BufferedInputStream(Files.newInputStream(file))) {
            return readNpy(in, file.toString(), Files.size(file));
        }
    }

    /**
     * Writes a float32 C-order {@code .npy} (version 1.0) through a temporary file moved into place.
     *
     * @param array the array (any type; written as float32)
     * @param file the target
     * @throws IOException if it cannot be written
     */
    public static void writeNpy(INDArray array, Path file) throws IOException {
        StringBuilder shape = new StringBuilder("(");
        for (long d : array.shape()) {
            shape.append(d).append(", ");
        }
        if (array.rank() > 1) {
            shape.setLength(shape.length() - 2);
        } else if (array.rank() == 1) {
            shape.setLength(shape.length() - 1);
        }
        shape.append(")");
        String dict = "{'descr': '<f4', 'fortran_order': False, 'shape': " + shape + ", }";
        int total = 10 + dict.length() + 1;
        int pad = (64 - total % 64) % 64;
        String header = dict + " ".repeat(pad) + "\n";
        float[] v = array.length() == 0 ? new float[0]
                : array.castTo(org.nd4j.linalg.api.buffer.DataType.FLOAT).dup('c').data().asFloat();
        ByteBuffer b = ByteBuffer.allocate(10 + header.length() + v.length * 4).order(ByteOrder.LITTLE_ENDIAN);
        b.put(new byte[] {(byte) 0x93, 'N', 'U', 'M', 'P', 'Y', 1, 0});
        b.putShort((short) header.length());
        b.put(header.getBytes(StandardCharsets.ISO_8859_1));
        b.asFloatBuffer().put(v);
        io.github.hubmapseg.core.io.AtomicFiles.write(file, out -> out.write(b.array()));
    }

    private static INDArray readNpy(InputStream in, String what, long available) throws IOException {
        INDArray a = readNpy(in, what, available, true);
        return a;
    }

    private static INDArray readNpy(InputStream in, String what) throws IOException {
        return readNpy(in, what, Long.MAX_VALUE, true);
    }

    private static INDArray readNpy(InputStream in, String what, long available, boolean checked) throws IOException {
        byte[] magic = in.readNBytes(8);
        if (magic.length < 8 || magic[0] != (byte) 0x93 || magic[1] != 'N' || magic[2] != 'U') {
            throw new IOException(what + " is not a .npy array");
        }
        int headerLen;
        if (magic[6] == 1) {
            byte[] l = in.readNBytes(2);
            headerLen = (l[0] & 0xff) | (l[1] & 0xff) << 8;
        } else {
            byte[] l = in.readNBytes(4);
            headerLen = ByteBuffer.wrap(l).order(ByteOrder.LITTLE_ENDIAN).getInt();
        }
        if (headerLen < 0 || headerLen > Math.min(available, 1 << 20)) {
            throw new IOException(what + ": .npy header length " + headerLen + " is out of range");
        }
        String header = new String(in.readNBytes(headerLen), StandardCharsets.ISO_8859_1);
        Matcher d = DESCR.matcher(header);
        Matcher f = FORTRAN.matcher(header);
        Matcher s = SHAPE.matcher(header);
        if (!d.find() || !f.find() || !s.find()) {
            throw new IOException(what + ": cannot parse .npy header " + header.trim());
        }
        if ("True".equals(f.group(1))) {
            throw new IOException(what + ": Fortran-order arrays are not supported");
        }
        String[] dims = s.group(1).split(",");
        long[] shape = java.util.Arrays.stream(dims).map(String::trim).filter(x -> !x.isEmpty())
                .mapToLong(Long::parseLong).toArray();
        long n = 1;
        for (long v : shape) {
            if (v < 0) {
                throw new IOException(what + ": negative dimension in shape " + java.util.Arrays.toString(shape));
            }
            n = Math.multiplyExact(n, v);
        }
        if (n > Integer.MAX_VALUE / 8) {
            throw new IOException(what + ": shape " + java.util.Arrays.toString(shape) + " is too large");
        }
        String descr = d.group(1);
        int size = switch (descr) {
            case "<f4", "<i4" -> 4;
            case "<f8", "<i8" -> 8;
            case "|u1", "|b1" -> 1;
            default -> throw new IOException(what + ": unsupported dtype " + descr
                    + " (expected <f4, <f8, <i8, <i4 or |u1)");
        };
        ByteArrayOutputStream buf = new ByteArrayOutputStream();
        if (n * size > available) {
            throw new IOException(what + ": shape " + java.util.Arrays.toString(shape) + " needs " + n * size
                    + " bytes, the file has " + available);
        }
        byte[] chunk = in.readNBytes(Math.toIntExact(n * size));
        buf.write(chunk);
        if (chunk.length != n * size) {
            throw new IOException(what + ": truncated, expected " + n * size + " bytes, got " + chunk.length);
        }
        ByteBuffer bb = ByteBuffer.wrap(chunk).order(ByteOrder.LITTLE_ENDIAN);
        float[] v = new float[(int) n];
        switch (descr) {
            case "<f4" -> bb.asFloatBuffer().get(v);
            case "<f8" -> {
                for (int i = 0; i < n; i++) {
                    v[i] = (float) bb.getDouble();
                }
            }
            case "<i8" -> {
                for (int i = 0; i < n; i++) {
                    v[i] = bb.getLong();
                }
            }
            case "<i4" -> {
                for (int i = 0; i < n; i++) {
                    v[i] = bb.getInt();
                }
            }
            default -> {
                for (int i = 0; i < n; i++) {
                    v[i] = chunk[i] & 0xff;
                }
            }
        }
        return shape.length == 0 ? Nd4j.scalar(v[0]) : Nd4j.create(v, shape, 'c');
    }
}
