package io.github.hubmapseg.models.weights;

import java.io.FileNotFoundException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.zip.ZipFile;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * The one entry point for reading tensor files: {@code WeightFiles.read(Path.of("resnet34.pth"))}. The format is
 * detected from the file's bytes, never from its name: {@code .safetensors}, {@code torch.save} zip or legacy
 * ({@code .pth}, {@code .pt}, {@code .bin}, {@code .ckpt}) and NumPy {@code .npz}.
 */
public final class WeightFiles {
    private WeightFiles() {
    }

    /**
     * @param file a weight file
     * @return its format
     * @throws IOException if it is none of the supported formats (the message names the file and them)
     */
    public static WeightFormat detect(Path file) throws IOException {
        if (!Files.isRegularFile(file)) {
            throw new FileNotFoundException("no such weight file: " + file);
        }
        byte[] head;
        try (InputStream in = Files.newInputStream(file)) {
            head = in.readNBytes(16);
        }
        if (head.length >= 4 && head[0] == 'P' && head[1] == 'K' && head[2] == 3 && head[3] == 4) {
            try (ZipFile zip = new ZipFile(file.toFile())) {
                boolean npy = false;
                for (var en = zip.entries(); en.hasMoreElements();) {
                    String n = en.nextElement().getName();
                    if (n.equals("data.pkl") || n.endsWith("/data.pkl")) {
                        return WeightFormat.TORCH_ZIP;
                    }
                    npy |= n.endsWith(".npy");
                }
                if (npy) {
                    return WeightFormat.NPZ;
                }
            } catch (java.util.zip.ZipException e) {
                throw new IOException(file + ": not a readable zip: " + e.getMessage());
            }
            throw new IOException(file + ": a zip with neither ARCHIVE/data.pkl (torch.save) nor .npy entries (.npz)");
        }
        if (head.length >= 2 && (head[0] & 0xff) == 0x80 && head[1] >= 2 && head[1] <= 5) {
            return WeightFormat.TORCH_LEGACY;
        }
        if (head.length >= 9 && head[8] == '{') {
            long n = ByteBuffer.wrap(head, 0, 8).order(ByteOrder.LITTLE_ENDIAN).getLong();
            if (n >= 2) {
                return WeightFormat.SAFETENSORS;
            }
        }
        throw new IOException(file + ": not a weight file; expected .safetensors (8-byte length + JSON header),"
                + " a torch.save file (zip with data.pkl, or the legacy pickle format) or a NumPy .npz");
    }

    /**
     * Reads every tensor of a weight file (of a training checkpoint: its state_dict) as float32.
     *
     * @param file the file
     * @return the tensors, their stored types and the file's format
     * @throws IOException if it cannot be read, is malformed, or its pickle names a global that is not allowed;
     *     the message names the file and the offending value
     */
    public static StateDict read(Path file) throws IOException {
        try {
            return readDetected(file);
        } catch (IOException e) {
            String m = e.getMessage();
            if (m != null && m.startsWith(file.toString())) {
                String rest = m.substring(file.toString().length());
                String shown = rest.replaceAll("\\p{Cntrl}", "?");
                if (shown.equals(rest) && rest.length() <= 400) {
                    throw e;
                }
                // a value from the file inside the message (a mutated pickle's string): one line, bounded
                throw new IOException(file + (shown.length() > 400 ? shown.substring(0, 400) + "..." : shown), e);
            }
            // the JDK's own errors (an EOFException without a message from a zip entry that ends early)
            throw new IOException(file + ": damaged or truncated (" + e.getClass().getSimpleName()
                    + (m == null ? "" : ": " + Unpickler.printable(m)) + ")", e);
        }
    }

    private static StateDict readDetected(Path file) throws IOException {
        return switch (detect(file)) {
            case SAFETENSORS -> SafeTensors.read(file);
            case TORCH_ZIP -> TorchFiles.readZip(file);
            case TORCH_LEGACY -> TorchFiles.readLegacy(file);
            case NPZ -> {
                Map<String, INDArray> t = Npz.read(file);
                Map<String, DType> d = new LinkedHashMap<>();
                t.keySet().forEach(k -> d.put(k, DType.F32));
                yield new StateDict(WeightFormat.NPZ, t, d, "");
            }
        };
    }
}
