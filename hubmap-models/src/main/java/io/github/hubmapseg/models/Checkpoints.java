package io.github.hubmapseg.models;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.util.ModelSerializer;

/**
 * Saving and loading models with their configuration, weights, optimizer (updater) state and the
 * hubmap metadata (architecture, encoder, input channels, output stride, grouped convolutions), so that
 * training resumes exactly. The file is DL4J's model zip (readable by {@code ModelSerializer}) with an
 * extra entry {@value #METADATA}. Written to a temporary file in the same directory and moved into place.
 */
public final class Checkpoints {
    /** Name of the metadata entry in the zip. */
    public static final String METADATA = "hubmap-model";

    private Checkpoints() {
    }

    /**
     * @param model the model
     * @param file destination ({@code .zip})
     * @throws IOException if it cannot be written
     */
    public static void save(SegmentationModel model, Path file) throws IOException {
        Path dir = file.toAbsolutePath().getParent();
        Files.createDirectories(dir);
        Path tmp = Files.createTempFile(dir, file.getFileName().toString(), ".tmp");
        try {
            ModelSerializer.writeModel(model.graph(), tmp.toFile(), true);
            Map<String, Object> meta = new LinkedHashMap<>();
            meta.put("arch", model.arch());
            meta.put("encoder", model.encoder());
            meta.put("inChannels", model.inChannels());
            meta.put("outputStride", model.outputStride());
            meta.put("groupedConvs", new LinkedHashMap<>(model.groupedConvs()));
            meta.put("batchNorms", new ArrayList<>(model.batchNorms()));
            ModelSerializer.addObjectToFile(tmp.toFile(), METADATA, meta);
            Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        } finally {
            Files.deleteIfExists(tmp);
        }
    }

    /**
     * @param file a file written by {@link #save(SegmentationModel, Path)}
     * @return the model with its optimizer state
     * @throws IOException if it cannot be read or is not a hubmap model file
     */
    @SuppressWarnings("unchecked")
    public static SegmentationModel load(Path file) throws IOException {
        if (!Files.isRegularFile(file)) {
            throw new java.io.FileNotFoundException("no such model file: " + file);
        }
        Dl4jRuntime.configure();
        if (!ModelSerializer.listObjectsInFile(file.toFile()).contains(METADATA)) {
            throw new IOException(file + " is a DL4J model but not a hubmap-models checkpoint (no '" + METADATA
                    + "' entry)");
        }
        Map<String, Object> meta = ModelSerializer.getObjectFromFile(file.toFile(), METADATA);
        ComputationGraph g = ModelSerializer.restoreComputationGraph(file.toFile(), true);
        Dl4jRuntime.accelerate(g);
        return new SegmentationModel((String) meta.get("arch"), (String) meta.get("encoder"),
                (Integer) meta.get("inChannels"), (Integer) meta.get("outputStride"), g,
                (Map<String, int[]>) meta.get("groupedConvs"), (List<String>) meta.get("batchNorms"));
    }
}
