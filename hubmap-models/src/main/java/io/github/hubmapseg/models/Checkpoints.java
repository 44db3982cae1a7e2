package io.github.hubmapseg.models;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import io.github.hubmapseg.core.io.AtomicFiles;
import java.io.BufferedOutputStream;
import java.io.DataInputStream;
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
 * A training checkpoint is such a file whose metadata holds a {@link TrainingState} under
 * {@value TrainingState#KEY}: the recipe, epochs and optimizer steps done (which place the learning-rate
 * schedule), normalisation, metrics history and best score; the optimizer state is {@code updaterState.bin}.
 * No random state is saved: the training data order is a pure function of the recipe seed and the epoch.
 *
 * <p>Files of the previous hubmap-models format (a DL4J model zip with a Java-serialised {@code hubmap-model}
 * object) and of the first training format ({@code meta.json}, {@code recipe.yaml}, {@code params.bin},
 * {@code updater.bin}: read with no model description, see {@link Contents#model()}) still load; other zips
 * fail with an {@link IOException} saying what the file is and what was expected. Files are written to a
 * temporary sibling and atomically moved into place. See docs/checkpoints.md.
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
    private static final String FIRST_META = "meta.json";
    private static final String FIRST_RECIPE = "recipe.yaml";
    private static final String FIRST_PARAMS = "params.bin";
    private static final String FIRST_UPDATER = "updater.bin";
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
     * @param model          the model description; {@code null} (with {@code configuration}) only for a file of
     *                       the first training format, whose model is rebuilt from its training state's recipe
     * @param configuration  DL4J {@code ComputationGraphConfiguration} JSON, {@code null} exactly when
     *                       {@code model} is
     * @param params         flattened parameters (including batch-norm statistics)
     * @param updaterState   flattened optimizer state, or {@code null}
     * @param metadata       caller metadata (JSON-mappable values; read back as JSON maps/lists/numbers/strings)
     */
    public record Contents(ModelInfo model, String configuration, INDArray params, INDArray updaterState,
                           Map<String, Object> metadata) {
        /** Validates. */
        public Contents {
            if (params == null || (model == null) != (configuration == null)) {
                throw new IllegalArgumentException("params are required, and model and configuration go together");
            }
            metadata = metadata == null ? Map.of() : java.util.Collections.unmodifiableMap(new LinkedHashMap<>(metadata));
        }

        /** @return the training state in the metadata, or empty for a model-only checkpoint */
        public java.util.Optional<TrainingState> training() {
            return java.util.Optional.ofNullable(metadata.get(TrainingState.KEY)).map(TrainingState::fromMetadata);
        }

        /**
         * @return what the model's first output holds, as recorded in the metadata under
         *     {@value OutputActivation#KEY}; empty for a file written before the field existed
         * @throws IllegalArgumentException naming the value when it is malformed
         */
        public java.util.Optional<OutputActivation> outputActivation() {
            return OutputActivation.fromMetadata(metadata);
        }

        /** @return a copy with the model description and configuration set (for a first-format file) */
        public Contents withModel(ModelInfo info, String configuration) {
            return new Contents(info, configuration, params, updaterState, metadata);
        }
    }

    /**
     * The training state a training checkpoint keeps in its metadata under {@value #KEY} (JSON keys in
     * brackets): enough to resume exactly, together with the parameters and the optimizer state.
     *
     * @param recipe      the recipe the model is trained with, as YAML text ({@code recipe})
     * @param epochsDone  completed epochs ({@code epochs_done})
     * @param iteration   optimizer steps done: DL4J's iteration counter, which places the learning-rate schedule
     *                    and the optimizer's bias corrections ({@code iteration})
     * @param mean        per-channel normalisation mean of the inputs ({@code mean})
     * @param std         per-channel normalisation standard deviation ({@code std})
     * @param history     per-epoch metrics so far, each a JSON object ({@code history})
     * @param bestScore   best selection metric so far, {@code NaN} before the first validation ({@code best_score},
     *                    {@code null} for NaN)
     * @param bestEpoch   epoch (1-based) of the best metric, 0 if none ({@code best_epoch})
     */
    public record TrainingState(String recipe, int epochsDone, long iteration, double[] mean, double[] std,
                                List<Map<String, Object>> history, double bestScore, int bestEpoch) {
        /** Key of the training state in the checkpoint metadata. */
        public static final String KEY = "training";

        /** Validates and copies. */
        public TrainingState {
            if (recipe == null || mean == null || std == null || history == null) {
                throw new IllegalArgumentException("recipe, mean, std and history are required");
            }
            if (epochsDone < 0 || iteration < 0 || bestEpoch < 0) {
                throw new IllegalArgumentException("epochs done, iteration and best epoch must be >= 0, got "
                        + epochsDone + ", " + iteration + ", " + bestEpoch);
            }
            if (mean.length != std.length) {
                throw new IllegalArgumentException("mean and std need one value per channel, got " + mean.length
                        + " and " + std.length);
            }
            mean = mean.clone();
            std = std.clone();
            List<Map<String, Object>> h = new ArrayList<>();
            for (Map<String, Object> row : history) {
                h.add(java.util.Collections.unmodifiableMap(new LinkedHashMap<>(row)));
            }
            history = List.copyOf(h);
        }

        @Override
        public double[] mean() {
            return mean.clone();
        }

        @Override
        public double[] std() {
            return std.clone();
        }

        /** @return the metadata value ({@code Checkpoints.write} puts it under {@value #KEY}) */
        public Map<String, Object> toMetadata() {
            Map<String, Object> meta = new LinkedHashMap<>();
            meta.put("epochs_done", epochsDone);
            meta.put("iteration", iteration);
            meta.put("mean", mean.clone());
            meta.put("std", std.clone());
            meta.put("best_score", Double.isNaN(bestScore) ? null : bestScore);
            meta.put("best_epoch", bestEpoch);
            meta.put("history", history);
            meta.put("recipe", recipe);
            return meta;
        }

        /**
         * Reads the metadata value (a map as JSON gives it back, or a {@link TrainingState}).
         *
         * @throws IllegalArgumentException naming the malformed field
         */
        @SuppressWarnings("unchecked")
        public static TrainingState fromMetadata(Object value) {
            if (value instanceof TrainingState t) {
                return t;
            }
            if (!(value instanceof Map<?, ?> meta)) {
                throw new IllegalArgumentException("training state must be a JSON object, got " + describe(value));
            }
            Object recipe = meta.get("recipe");
            if (!(recipe instanceof String r)) {
                throw new IllegalArgumentException("training state has no recipe text (got " + describe(recipe) + ")");
            }
            Object hist = meta.get("history") == null ? List.of() : meta.get("history");
            if (!(hist instanceof List<?> hl) || hl.stream().anyMatch(e -> !(e instanceof Map))) {
                throw new IllegalArgumentException("training state 'history' must be a list of objects, got "
                        + describe(hist));
            }
            Object best = meta.get("best_score");
            if (best != null && !(best instanceof Number)) {
                throw new IllegalArgumentException("training state 'best_score' must be a number or null, got "
                        + describe(best));
            }
            return new TrainingState(r, (int) integer(meta, "epochs_done"), integer(meta, "iteration"),
                    doubles(meta, "mean"), doubles(meta, "std"), (List<Map<String, Object>>) hl,
                    best == null ? Double.NaN : ((Number) best).doubleValue(), (int) integer(meta, "best_epoch"));
        }

        private static long integer(Map<?, ?> meta, String key) {
            Object v = meta.get(key);
            if (!(v instanceof Number n) || n.doubleValue() != Math.rint(n.doubleValue()) || n.longValue() < 0
                    || n.longValue() > Integer.MAX_VALUE) {
                throw new IllegalArgumentException("training state '" + key + "' must be an integer in 0.."
                        + Integer.MAX_VALUE + ", got " + describe(v));
            }
            return n.longValue();
        }

        private static double[] doubles(Map<?, ?> meta, String key) {
            Object v = meta.get(key);
            if (v instanceof double[] d) {
                return d;
            }
            if (!(v instanceof List<?> l) || l.size() > 64 || l.stream().anyMatch(e -> !(e instanceof Number))) {
                throw new IllegalArgumentException("training state '" + key + "' must be a list of up to 64 numbers, "
                        + "got " + describe(v));
            }
            double[] d = new double[l.size()];
            for (int i = 0; i < d.length; i++) {
                d[i] = ((Number) l.get(i)).doubleValue();
            }
            return d;
        }

        private static String describe(Object v) {
            String s = String.valueOf(v);
            return s.length() > 60 ? s.substring(0, 60) + "..." : s;
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
        if (c.model() == null) {
            throw new IllegalArgumentException("checkpoint contents have no model description (a file of the first "
                    + "training format): set it with Contents.withModel before writing " + file);
        }
        Map<String, Object> meta = new LinkedHashMap<>(c.metadata());
        if (meta.get(TrainingState.KEY) instanceof TrainingState t) {
            meta.put(TrainingState.KEY, t.toMetadata());
        }
        if (meta.get(OutputActivation.KEY) instanceof OutputActivation a) {
            meta.put(OutputActivation.KEY, a.key());
        }
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
        header.put("metadata", meta);
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
                try {
                    h = JSON.readValue(bytes(z, head, file), Map.class);
                } catch (com.fasterxml.jackson.core.JacksonException e) {
                    throw new IOException(file + ": " + HEADER + " is not a JSON object: " + oneLine(e), e);
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
                try {
                    info = legacyInfo(file);
                } catch (IOException | RuntimeException e) {
                    throw new IOException(file + ": the model description of the previous hubmap-models format cannot "
                            + "be read (" + oneLine(e) + ")", e);
                }
            } else if (z.getEntry(FIRST_META) != null) {
                return readFirstTrainingFormat(z, file);
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
            String configuration = new String(bytes(z, conf, file), StandardCharsets.UTF_8);
            INDArray params = readArray(z, coef, file);
            ZipEntry up = z.getEntry(UPDATER);
            INDArray updater = up == null ? null : readArray(z, up, file);
            // checkpoints whose grouped convolutions are masked dense ones: converted to GroupedConvolutionLayer
            return MaskedGroupedConvs.migrate(new Contents(info, configuration, params, updater, metadata));
        } catch (ZipException e) {
            throw new IOException(file + " is not a hubmap checkpoint (not a zip file: " + oneLine(e) + ")", e);
        } catch (IOException e) {
            if (e.getMessage() != null && e.getMessage().startsWith(file.toString()) && e.getMessage().indexOf('\n') < 0) {
                throw e;
            }
            // a damaged entry (truncated deflate stream, ...): one line naming the file
            throw new IOException(file + " is not a readable hubmap checkpoint (" + oneLine(e) + ")", e);
        }
    }

    /**
     * The first training format (hubmap-pipeline's, before the training state moved into this format's
     * metadata): {@code meta.json} (the training state's fields but the recipe), {@code recipe.yaml},
     * {@code params.bin}, optional {@code updater.bin}; no model description.
     */
    @SuppressWarnings("unchecked")
    private static Contents readFirstTrainingFormat(ZipFile z, Path file) throws IOException {
        for (String need : new String[] {FIRST_META, FIRST_RECIPE, FIRST_PARAMS}) {
            if (z.getEntry(need) == null) {
                throw new IOException(file + " is an incomplete hubmap-pipeline checkpoint of the first format: " + need
                        + " is missing");
            }
        }
        Map<String, Object> meta;
        try {
            meta = new LinkedHashMap<>(JSON.readValue(bytes(z, z.getEntry(FIRST_META), file), Map.class));
        } catch (com.fasterxml.jackson.core.JacksonException e) {
            throw new IOException(file + ": " + FIRST_META + " is not a JSON object: " + oneLine(e), e);
        }
        meta.put("recipe", new String(bytes(z, z.getEntry(FIRST_RECIPE), file), StandardCharsets.UTF_8));
        TrainingState t;
        try {
            t = TrainingState.fromMetadata(meta);
        } catch (IllegalArgumentException e) {
            throw new IOException(file + ": " + e.getMessage(), e);
        }
        INDArray params = readArray(z, z.getEntry(FIRST_PARAMS), file);
        ZipEntry up = z.getEntry(FIRST_UPDATER);
        return new Contents(null, null, params, up == null ? null : readArray(z, up, file),
                Map.of(TrainingState.KEY, t.toMetadata()));
    }

    /** The largest entry read (a checkpoint of the largest competition models is about 700 MB with its optimizer). */
    static final int MAX_ENTRY_BYTES = Integer.MAX_VALUE - 64;

    /** An entry's bytes; memory follows the bytes actually there, not the size the zip claims. */
    private static byte[] bytes(ZipFile z, ZipEntry e, Path file) throws IOException {
        try (InputStream in = z.getInputStream(e)) {
            byte[] b = in.readNBytes(MAX_ENTRY_BYTES);
            if (in.read() >= 0) {
                throw new IOException(file + ": entry " + e.getName() + " is larger than " + MAX_ENTRY_BYTES + " bytes");
            }
            return b;
        } catch (ZipException ze) {
            throw new IOException(file + ": entry " + e.getName() + " is corrupt (" + oneLine(ze) + ")", ze);
        }
    }

    private static String oneLine(Exception e) {
        String m = String.valueOf(e.getMessage());
        int nl = m.indexOf('\n');
        return nl < 0 ? m : m.substring(0, nl);
    }

    /**
     * Reads an ND4J array ({@code Nd4j.write}'s layout: a shape buffer, then a data buffer, each "allocation
     * mode" text, length, data type text, values), after checking that the lengths it declares fit the bytes
     * there, so a damaged file fails with a message instead of a huge allocation.
     */
    private static INDArray readArray(ZipFile z, ZipEntry e, Path file) throws IOException {
        byte[] b = bytes(z, e, file);
        java.nio.ByteBuffer buf = java.nio.ByteBuffer.wrap(b);
        try {
            long shapeLen = skipBuffer(buf, List.of("LONG", "INT"));
            long dataLen = skipBuffer(buf, List.of("FLOAT", "DOUBLE", "HALF", "BFLOAT16"));
            if (buf.hasRemaining()) {
                throw new IllegalArgumentException(buf.remaining() + " bytes after the data");
            }
            if (shapeLen < 1 || shapeLen > 64 || dataLen < 1) {
                throw new IllegalArgumentException("shape of " + shapeLen + " values, " + dataLen + " elements");
            }
        } catch (IllegalArgumentException | java.nio.BufferUnderflowException ex) {
            throw new IOException(file + ": entry " + e.getName() + " is not an ND4J array ("
                    + (ex.getMessage() == null ? "truncated" : ex.getMessage()) + ")", ex);
        }
        try (DataInputStream in = new DataInputStream(new java.io.ByteArrayInputStream(b))) {
            return Nd4j.read(in);
        } catch (RuntimeException ex) {
            throw new IOException(file + ": entry " + e.getName() + " is not a readable ND4J array (" + oneLine(ex)
                    + ")", ex);
        }
    }

    /** Skips one serialised ND4J data buffer, checking its declared size; returns its length in elements. */
    private static long skipBuffer(java.nio.ByteBuffer buf, List<String> types) {
        skipUtf(buf);
        long len = buf.getLong();
        String type = readUtf(buf);
        int size = switch (type) {
            case "LONG", "DOUBLE" -> 8;
            case "INT", "FLOAT" -> 4;
            case "HALF", "BFLOAT16" -> 2;
            default -> -1;
        };
        if (!types.contains(type) || size < 0) {
            throw new IllegalArgumentException("data type '" + type + "', expected one of " + types);
        }
        if (len < 0 || len > buf.remaining() / size) {
            throw new IllegalArgumentException("declares " + len + " " + type + " values, " + buf.remaining()
                    + " bytes left");
        }
        buf.position(buf.position() + (int) (len * size));
        return len;
    }

    private static void skipUtf(java.nio.ByteBuffer buf) {
        int n = buf.getShort() & 0xFFFF;
        buf.position(buf.position() + n);
    }

    private static String readUtf(java.nio.ByteBuffer buf) {
        int n = buf.getShort() & 0xFFFF;
        if (n > 16) {
            throw new IllegalArgumentException("data type name of " + n + " bytes");
        }
        byte[] t = new byte[n];
        buf.get(t);
        return new String(t, StandardCharsets.US_ASCII);
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
        Contents c = read(file);
        if (c.model() == null) {
            throw new IOException(file + " is a hubmap-pipeline checkpoint of the first format (meta.json, params.bin, "
                    + "no model description): load it with the pipeline's Checkpoint.load, which rebuilds the model "
                    + "from its recipe");
        }
        try {
            return restore(c);
        } catch (RuntimeException e) {
            throw new IOException(file + ": the stored model cannot be rebuilt (" + oneLine(e) + ")", e);
        }
    }

    /** Builds the model of checkpoint contents from its stored configuration, with parameters and optimizer state. */
    public static SegmentationModel restore(Contents c) {
        if (c.model() == null) {
            throw new IllegalArgumentException("checkpoint contents of the first training format have no model "
                    + "description: rebuild the model from the training state's recipe");
        }
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
