package io.github.hubmapseg.models.weights;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.github.hubmapseg.core.io.AtomicFiles;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * The {@code .safetensors} format: an 8-byte little-endian header length N, N bytes of JSON
 * ({@code {"name": {"dtype": "F32", "shape": [...], "data_offsets": [begin, end]}, "__metadata__": {...}}}) and the
 * raw little-endian C-order data, offsets relative to the end of the header.
 */
public final class SafeTensors {
    /** Larger headers are refused (the reference implementation's limit is 100 MB). */
    static final long MAX_HEADER = 100_000_000L;
    private static final ObjectMapper JSON = new ObjectMapper();

    private SafeTensors() {
    }

    /**
     * @param file a {@code .safetensors} file
     * @return its tensors as float32
     * @throws IOException if it cannot be read or is malformed (the message names the file and the value)
     */
    public static StateDict read(Path file) throws IOException {
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
            long size = ch.size();
            if (size < 8) {
                throw new IOException(file + ": too short for a .safetensors file (" + size + " bytes)");
            }
            ByteBuffer lenBuf = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN);
            readFully(ch, lenBuf, 0, file);
            long headerLen = lenBuf.getLong(0);
            if (headerLen < 2 || headerLen > size - 8 || headerLen > MAX_HEADER) {
                throw new IOException(file + ": .safetensors header length " + Long.toUnsignedString(headerLen)
                        + " is not within 2.." + Math.min(size - 8, MAX_HEADER) + " (the file has " + size
                        + " bytes)");
            }
            ByteBuffer hb = ByteBuffer.allocate((int) headerLen);
            readFully(ch, hb, 8, file);
            JsonNode header;
            try {
                header = JSON.readTree(new String(hb.array(), StandardCharsets.UTF_8));
            } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
                throw new IOException(file + ": .safetensors header is not JSON: " + e.getOriginalMessage());
            }
            if (header == null || !header.isObject()) {
                throw new IOException(file + ": .safetensors header is not a JSON object");
            }
            long dataStart = 8 + headerLen;
            long dataLen = size - dataStart;
            record Entry(String name, DType dtype, long[] shape, long begin, long end) {
            }
            List<Entry> entries = new ArrayList<>();
            Map<String, long[]> shapes = new LinkedHashMap<>();
            for (Iterator<Map.Entry<String, JsonNode>> it = header.fields(); it.hasNext();) {
                Map.Entry<String, JsonNode> f = it.next();
                String name = f.getKey();
                if ("__metadata__".equals(name)) {
                    continue;
                }
                JsonNode t = f.getValue();
                String dt = t.path("dtype").asText("");
                DType dtype = DType.ofSafetensors(dt);
                if (dtype == null) {
                    throw new IOException(file + ": tensor " + name + " has dtype '" + dt
                            + "'; expected one of F64, F32, F16, BF16, I64, I32, I16, I8, U8, BOOL");
                }
                JsonNode sh = t.path("shape");
                JsonNode off = t.path("data_offsets");
                if (!sh.isArray() || !off.isArray() || off.size() != 2) {
                    throw new IOException(file + ": tensor " + name + " needs a shape array and two data_offsets");
                }
                long[] shape = new long[sh.size()];
                for (int i = 0; i < shape.length; i++) {
                    if (!sh.get(i).canConvertToLong()) {
                        throw new IOException(file + ": tensor " + name + " shape " + sh + " is not integers");
                    }
                    shape[i] = sh.get(i).asLong();
                }
                if (!off.get(0).canConvertToLong() || !off.get(1).canConvertToLong()) {
                    throw new IOException(file + ": tensor " + name + " data_offsets " + off + " are not integers");
                }
                long begin = off.get(0).asLong();
                long end = off.get(1).asLong();
                if (begin < 0 || end < begin || end > dataLen) {
                    throw new IOException(file + ": tensor " + name + " data_offsets [" + begin + ", " + end
                            + "] are outside the " + dataLen + " data bytes");
                }
                long n = Tensors.elements(shape);
                if (n < 0 || end - begin != n * dtype.size()) {
                    throw new IOException(file + ": tensor " + name + " " + dt + " " + java.util.Arrays.toString(shape)
                            + " needs " + (n < 0 ? "more than 2^63" : String.valueOf(n * dtype.size()))
                            + " bytes, its data_offsets give " + (end - begin));
                }
                Tensors.numel(file.toString(), name, shape);
                entries.add(new Entry(name, dtype, shape, begin, end));
                shapes.put(name, shape);
            }
            Tensors.checkMemory(file.toString(), shapes);
            Map<String, INDArray> tensors = new LinkedHashMap<>();
            Map<String, DType> dtypes = new LinkedHashMap<>();
            for (Entry e : entries) {
                ByteBuffer data = ByteBuffer.allocate((int) (e.end - e.begin)).order(ByteOrder.LITTLE_ENDIAN);
                readFully(ch, data, dataStart + e.begin, file);
                tensors.put(e.name, Tensors.toFloat(e.dtype, e.shape, Tensors.contiguous(e.shape), 0, data));
                dtypes.put(e.name, e.dtype);
            }
            return new StateDict(WeightFormat.SAFETENSORS, tensors, dtypes, "");
        }
    }

    private static void readFully(FileChannel ch, ByteBuffer b, long pos, Path file) throws IOException {
        b.clear();
        while (b.hasRemaining()) {
            int r = ch.read(b, pos + b.position());
            if (r < 0) {
                throw new IOException(file + ": truncated at byte " + (pos + b.position()));
            }
        }
        b.flip();
    }

    /**
     * Writes tensors, in map order, through a temporary file moved into place: float32, except the names in
     * {@code int64}, written as int64 (e.g. batch-norm {@code num_batches_tracked}).
     *
     * @param tensors tensors by name
     * @param int64 names of the tensors to write as int64 (values rounded)
     * @param metadata string metadata for {@code __metadata__} (may be empty)
     * @param file the target
     * @throws IOException if it cannot be written
     */
    public static void write(Map<String, INDArray> tensors, java.util.Set<String> int64, Map<String, String> metadata,
            Path file) throws IOException {
        ObjectNode header = JSON.createObjectNode();
        if (!metadata.isEmpty()) {
            ObjectNode m = header.putObject("__metadata__");
            metadata.forEach(m::put);
        }
        long offset = 0;
        for (Map.Entry<String, INDArray> e : tensors.entrySet()) {
            ObjectNode t = header.putObject(e.getKey());
            boolean i64 = int64.contains(e.getKey());
            t.put("dtype", i64 ? "I64" : "F32");
            var shape = t.putArray("shape");
            for (long d : e.getValue().shape()) {
                shape.add(d);
            }
            long bytes = e.getValue().length() * (i64 ? 8 : 4);
            t.putArray("data_offsets").add(offset).add(offset + bytes);
            offset += bytes;
        }
        byte[] json = JSON.writeValueAsBytes(header);
        int padded = (json.length + 7) / 8 * 8;
        byte[] head = new byte[8 + padded];
        ByteBuffer.wrap(head).order(ByteOrder.LITTLE_ENDIAN).putLong(padded);
        System.arraycopy(json, 0, head, 8, json.length);
        java.util.Arrays.fill(head, 8 + json.length, head.length, (byte) ' ');
        AtomicFiles.write(file, (OutputStream out) -> {
            out.write(head);
            for (Map.Entry<String, INDArray> e : tensors.entrySet()) {
                INDArray a = e.getValue();
                if (a.length() == 0) {
                    continue;
                }
                float[] v = a.castTo(DataType.FLOAT).dup('c').data().asFloat();
                if (int64.contains(e.getKey())) {
                    ByteBuffer b = ByteBuffer.allocate(v.length * 8).order(ByteOrder.LITTLE_ENDIAN);
                    for (float f : v) {
                        b.putLong(Math.round((double) f));
                    }
                    out.write(b.array());
                } else {
                    ByteBuffer b = ByteBuffer.allocate(v.length * 4).order(ByteOrder.LITTLE_ENDIAN);
                    b.asFloatBuffer().put(v);
                    out.write(b.array());
                }
            }
        });
    }
}
