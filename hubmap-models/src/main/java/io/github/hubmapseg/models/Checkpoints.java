package io.github.hubmapseg.models;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import io.github.hubmapseg.core.io.AtomicFiles;
import java.io.BufferedOutputStream;
import java.io.DataOutputStream;
import java.io.FileNotFoundException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.zip.ZipEntry;
import java.util.zip.ZipException;
import java.util.zip.ZipFile;
import java.util.zip.ZipOutputStream;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.util.ModelSerializer;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * The one checkpoint format of hubmap-seg: a model's configuration, weights, optimizer (updater) state, the
 * hubmap model description ({@link ModelInfo}: architecture, encoder, input channels, output stride, grouped
 * convolutions, batch norms) and an extensible metadata map, so that training resumes exactly and callers
 * (e.g. the training pipeline) can keep their own state (recipe, epoch, metrics) in the same file.
 *
 * <p>File layout (a zip, format {@value #FORMAT} version {@value #VERSION}):
 * <ul>
 *   <li>{@value #HEADER}: JSON {@code {"format", "version", "model": {...}, "metadata": {...}}}; metadata
 *       values are anything Jackson maps to JSON (numbers, strings, lists, maps, records);</li>
 *   <li>{@code configuration.json}, {@code coefficients.bin}, {@code updaterState.bin} (optional): DL4J's
 *       own entries, written as {@code ModelSerializer} writes them, so DL4J tools can read the file too.</li>
 * </ul>
 * Files of the previous hubmap-models format (a DL4J model zip with a Java-serialised {@code hubmap-model}
 * object) still load; other zips fail with an {@link IOException} saying what the file is and what was
 * expected. Files are written to a temporary sibling and atomically moved into place.
 */
public final class Checkpoints {
    /** Value of {@code "format"} in the header. */
    public static final String FORMAT = "hubmap-checkpoint";
    /** Current format version. */
    public static final int VERSION = 2;
    /** Name of the header entry in the zip. */
    public static final String HEADER = "hubmap.json";
    /** Name of the metadata object of the previous (version 1) hubmap-models format, still read. */
    public static final String METADATA = "hubmap-model";

    static final String CONFIGURATION = "configuration.json";
    static final String COEFFICIENTS = "coefficients.bin";
    static final String UPDATER = "updaterState.bin";
    private static final String LEGACY_OBJECT = "objects/" + METADATA;
    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    private Checkpoints() {
    }

    /**
     * What identifies a hubmap model beyond its DL4J graph.
     *
     * @param arch          architecture name ({@code unet}, ...)
     * @param encoder       encoder name
     * @param inChannels    input channels
     * @param outputStride  encoder output stride
     * @param groupedConvs  grouped convolutions (layer name to {@code [groups, in, out]} as the model reports)
     * @param batchNorms    batch-norm layer names
     */
    public record ModelInfo(String arch, String encoder, int inChannels, int outputStride,
                            Map<String, int[]> groupedConvs, List<String> batchNorms) {
        /** Validates and copies. */
        public ModelInfo {
            if (arch == null || arch.isEmpty() || encoder == null || encoder.isEmpty()) {
                throw new IllegalArgumentException("arch and encoder must be non-empty, got " + arch + ", " + encoder);
            }
            if (inChannels <= 0 || outputStride <= 0) {
                throw new IllegalArgumentException("inChannels and outputStride must be > 0, got " + inChannels + ", "
                        + outputStride);
            }
            groupedConvs = Map.copyOf(groupedConvs);
            batchNorms = List.copyOf(batchNorms);
        }

        /** The description of a model. */
        public static ModelInfo of(SegmentationModel m) {
            return new ModelInfo(m.arch(), m.encoder(), m.inChannels(), m.outputStride(), m.groupedConvs(),
                    m.batchNorms());
        }
    }

    /**
     * Everything a checkpoint holds, without a built graph.
     *
     * @param model          the model description
     * @param configuration  DL4J {@code ComputationGraphConfiguration} JSON
     * @param params         flattened parameters (including batch-norm statistics)
     * @param updaterState   flattened optimizer state, or {@code null}
     * @param metadata       caller metadata (JSON-mappable values; read back as JSON maps/lists/numbers/strings)
     */
    public record Contents(ModelInfo model, String configuration, INDArray params, INDArray updaterState,
                           Map<String, Object> metadata) {
        /** Validates. */
        public Contents {
            if (model == null || configuration == null || params == null) {
                throw new IllegalArgumentException("model, configuration and params are required");
            }
            metadata = metadata == null ? Map.of() : java.util.Collections.unmodifiableMap(new LinkedHashMap<>(metadata));
        }
    }

    /**
     * Saves a model with its optimizer state and no metadata.
     *
     * @param model the model
     * @param file destination ({@code .zip})
     * @throws IOException if it cannot be written
     */
    public static void save(SegmentationModel model, Path file) throws IOException {
        save(model, file, Map.of(), true);
    }

    /**
     * Saves a model with caller metadata.
     *
     * @param model        the model
     * @param file         destination ({@code .zip})
     * @param metadata     metadata to store (JSON-mappable values)
     * @param withUpdater  include the optimizer state (needed to resume training exactly)
     * @throws IOException if it cannot be written
     */
    public static void save(SegmentationModel model, Path file, Map<String, ?> metadata, boolean withUpdater)
            throws IOException {
        write(capture(model, metadata, withUpdater, false), file);
    }

    /**
     * The state of a model as checkpoint contents.
     *
     * @param copy duplicate the arrays (set when the model keeps training before the contents are written)
     */
    public static Contents capture(SegmentationModel model, Map<String, ?> metadata, boolean withUpdater,
                                   boolean copy) {
        ComputationGraph g = model.graph();
        INDArray up = null;
        if (withUpdater && g.getUpdater(true) != null && g.getUpdater().getStateViewArray() != null) {
            up = g.getUpdater().getStateViewArray();
        }
        INDArray p = g.params();
        return new Contents(ModelInfo.of(model), g.getConfiguration().toJson(), copy ? p.dup() : p,
                up == null ? null : copy ? up.dup() : up, new LinkedHashMap<>(metadata));
    }

    /**
     * Writes checkpoint contents atomically.
     *
     * @throws IOException if it cannot be written
     */
    public static void write(Contents c, Path file) throws IOException {
        Map<String, Object> header = new LinkedHashMap<>();
        header.put("format", FORMAT);
        header.put("version", VERSION);
        Map<String, Object> model = new LinkedHashMap<>();
        model.put("arch", c.model().arch());
        model.put("encoder", c.model().encoder());
        model.put("inChannels", c.model().inChannels());
        model.put("outputStride", c.model().outputStride());
        model.put("groupedConvs", new java.util.TreeMap<>(c.model().groupedConvs()));
        model.put("batchNorms", c.model().batchNorms());
        header.put("model", model);
        header.put("metadata", c.metadata());
        byte[] head = JSON.writeValueAsBytes(header);
        Path abs = file.toAbsolutePath();
        Files.createDirectories(abs.getParent());
        AtomicFiles.write(abs, out -> {
            try (ZipOutputStream z = new ZipOutputStream(new BufferedOutputStream(out, 1 << 16))) {
                z.putNextEntry(new ZipEntry(HEADER));
                z.write(head);
                z.closeEntry();
                z.putNextEntry(new ZipEntry(CONFIGURATION));
                z.write(c.configuration().getBytes(StandardCharsets.UTF_8));
                z.closeEntry();
                writeArray(z, COEFFICIENTS, c.params());
                if (c.updaterState() != null) {
                    writeArray(z, UPDATER, c.updaterState());
                }
            }
        });
    }

    private static void writeArray(ZipOutputStream z, String name, INDArray a) throws IOException {
        z.putNextEntry(new ZipEntry(name));
        DataOutputStream dos = new DataOutputStream(new BufferedOutputStream(z, 1 << 16));
        Nd4j.write(a, dos);
        dos.flush();
        z.closeEntry();
    }

    /**
     * Reads a checkpoint without building the model.
     *
     * @throws FileNotFoundException if the file does not exist
     * @throws IOException if it cannot be read or is not a hubmap checkpoint (the message says what it is)
     */
    @SuppressWarnings("unchecked")
    public static Contents read(Path file) throws IOException {
        if (!Files.isRegularFile(file)) {
            throw new FileNotFoundException("no such checkpoint file: " + file);
        }
        Dl4jRuntime.configure();
        try (ZipFile z = new ZipFile(file.toFile())) {
            ZipEntry head = z.getEntry(HEADER);
            ModelInfo info;
            Map<String, Object> metadata = Map.of();
            if (head != null) {
                Map<String, Object> h;
                try (InputStream in = z.getInputStream(head)) {
                    h = JSON.readValue(in, Map.class);
                }
                if (!FORMAT.equals(h.get("format")) || !(h.get("version") instanceof Number)) {
                    throw new IOException(file + ": " + HEADER + " is not a " + FORMAT + " header (format "
                            + h.get("format") + ", version " + h.get("version") + ")");
                }
                int version = ((Number) h.get("version")).intValue();
                if (version > VERSION) {
                    throw new IOException(file + " is " + FORMAT + " version " + version + "; this library reads up to "
                            + "version " + VERSION + " (upgrade hubmap-seg)");
                }
                info = modelInfo((Map<String, Object>) h.get("model"), file);
                if (h.get("metadata") instanceof Map<?, ?> m) {
                    metadata = (Map<String, Object>) m;
                }
            } else if (z.getEntry(LEGACY_OBJECT) != null) {
                info = legacyInfo(file);
            } else if (z.getEntry("meta.json") != null && z.getEntry("params.bin") != null) {
                throw new IOException(file + " is a hubmap-pipeline checkpoint of the first format (meta.json, "
                        + "params.bin, no model description): load it with the pipeline's Checkpoint.load, which "
                        + "rebuilds the model from its recipe");
            } else if (z.getEntry(CONFIGURATION) != null) {
                throw new IOException(file + " is a DL4J model but not a hubmap checkpoint (no " + HEADER
                        + " entry): load it with DL4J's ModelSerializer");
            } else {
                throw new IOException(file + " is not a hubmap checkpoint: expected a zip with " + HEADER + ", "
                        + CONFIGURATION + " and " + COEFFICIENTS);
            }
            ZipEntry conf = z.getEntry(CONFIGURATION);
            ZipEntry coef = z.getEntry(COEFFICIENTS);
            if (conf == null || coef == null) {
                throw new IOException(file + " is an incomplete hubmap checkpoint: " + (conf == null ? CONFIGURATION
                        : COEFFICIENTS) + " is missing");
            }
            String configuration;
            try (InputStream in = z.getInputStream(conf)) {
                configuration = new String(in.readAllBytes(), StandardCharsets.UTF_8);
            }
            INDArray params = readArray(z, coef);
            ZipEntry up = z.getEntry(UPDATER);
            INDArray updater = up == null ? null : readArray(z, up);
            // checkpoints whose grouped convolutions are masked dense ones: converted to GroupedConvolutionLayer
            return MaskedGroupedConvs.migrate(new Contents(info, configuration, params, updater, metadata));
        } catch (ZipException e) {
            throw new IOException(file + " is not a hubmap checkpoint (not a zip file: " + e.getMessage() + ")", e);
        }
    }

    private static INDArray readArray(ZipFile z, ZipEntry e) throws IOException {
        return NdArrayEntries.read(z, e); // headers checked before allocating; errors name file, entry and field
    }

    @SuppressWarnings("unchecked")
    private static ModelInfo modelInfo(Map<String, Object> m, Path file) throws IOException {
        if (m == null) {
            throw new IOException(file + ": " + HEADER + " has no \"model\" description");
        }
        try {
            Map<String, int[]> grouped = new LinkedHashMap<>();
            Map<String, Object> g = (Map<String, Object>) m.getOrDefault("groupedConvs", Map.of());
            for (Map.Entry<String, Object> e : g.entrySet()) {
                List<Number> l = (List<Number>) e.getValue();
                int[] v = new int[l.size()];
                for (int i = 0; i < v.length; i++) {
                    v[i] = l.get(i).intValue();
                }
                grouped.put(e.getKey(), v);
            }
            return new ModelInfo((String) m.get("arch"), (String) m.get("encoder"),
                    ((Number) m.get("inChannels")).intValue(), ((Number) m.get("outputStride")).intValue(), grouped,
                    (List<String>) m.getOrDefault("batchNorms", List.of()));
        } catch (ClassCastException | NullPointerException | IllegalArgumentException e) {
            throw new IOException(file + ": malformed model description in " + HEADER + ": " + m, e);
        }
    }

    @SuppressWarnings("unchecked")
    private static ModelInfo legacyInfo(Path file) throws IOException {
        Map<String, Object> meta = ModelSerializer.getObjectFromFile(file.toFile(), METADATA);
        return new ModelInfo((String) meta.get("arch"), (String) meta.get("encoder"), (Integer) meta.get("inChannels"),
                (Integer) meta.get("outputStride"), (Map<String, int[]>) meta.get("groupedConvs"),
                new ArrayList<>((List<String>) meta.get("batchNorms")));
    }

    /**
     * Loads a model with its optimizer state (the graph is rebuilt from the stored configuration).
     *
     * @param file a file written by {@link #save} (or by the previous hubmap-models format)
     * @return the model; the caller closes it
     * @throws IOException if it cannot be read or is not a hubmap checkpoint
     */
    public static SegmentationModel load(Path file) throws IOException {
        return restore(read(file));
    }

    /** Builds the model of checkpoint contents from its stored configuration, with parameters and optimizer state. */
    public static SegmentationModel restore(Contents c) {
        Dl4jRuntime.configure();
        ComputationGraph g = new ComputationGraph(
                org.deeplearning4j.nn.conf.ComputationGraphConfiguration.fromJson(c.configuration()));
        g.init(c.params(), false);
        Dl4jRuntime.accelerate(g);
        if (c.updaterState() != null) {
            g.getUpdater(true).setStateViewArray(c.updaterState());
        }
        ModelInfo i = c.model();
        return new SegmentationModel(i.arch(), i.encoder(), i.inChannels(), i.outputStride(), g, i.groupedConvs(),
                i.batchNorms());
    }
}
