package io.github.hubmapseg.models;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.zip.ZipEntry;
import java.util.zip.ZipFile;
import java.util.zip.ZipOutputStream;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.util.ModelSerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.api.ndarray.INDArray;

class CheckpointsTest {

    @Test
    void saveLoadResumesTrainingExactly(@TempDir Path dir) throws Exception {
        INDArray[] d = TrainingTest.tiles(2, 64, 11);
        Path file = dir.resolve("m.zip");
        try (SegmentationModel m = Models.builder("unet", "tiny").decoderChannels(List.of(8, 8, 8, 8, 8)).build()) {
            m.fit(d[0], d[1]);
            m.fit(d[0], d[1]);
            Checkpoints.save(m, file);
            assertThat(Files.list(dir)).containsExactly(file);
            try (SegmentationModel r = Checkpoints.load(file)) {
                assertThat(r.arch()).isEqualTo("unet");
                assertThat(r.encoder()).isEqualTo("tiny");
                assertThat(r.outputStride()).isEqualTo(32);
                assertThat(r.graph().params()).isEqualTo(m.graph().params());
                assertThat(r.graph().getUpdater().getStateViewArray())
                        .isEqualTo(m.graph().getUpdater().getStateViewArray());
                m.fit(d[0], d[1]);
                r.fit(d[0], d[1]);
                assertThat(r.graph().params()).isEqualTo(m.graph().params());
                assertThat(r.summary(64, 64).trainableParams()).isEqualTo(m.summary(64, 64).trainableParams());
            }
        }
    }

    @Test
    void metadataAndWithoutUpdaterRoundTrip(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("sub/m.zip");
        try (SegmentationModel m = Models.builder("unet", "tiny").decoderChannels(List.of(8, 8, 8, 8, 8)).build()) {
            m.graph().params().addi(0.5);
            Map<String, Object> meta = new LinkedHashMap<>();
            meta.put("epoch", 7);
            meta.put("note", "fold 2");
            meta.put("history", List.of(Map.of("loss", 0.25)));
            Checkpoints.save(m, file, meta, false);
            Checkpoints.Contents c = Checkpoints.read(file);
            assertThat(c.metadata()).isEqualTo(meta);
            assertThat(c.updaterState()).isNull();
            assertThat(c.model()).isEqualTo(new Checkpoints.ModelInfo("unet", "tiny", 3, 32, Map.of(),
                    m.batchNorms()));
            assertThat(c.params()).isEqualTo(m.graph().params());
            // the DL4J entries are ModelSerializer's own: DL4J reads the file too
            ComputationGraph g = ModelSerializer.restoreComputationGraph(file.toFile(), false);
            assertThat(g.params()).isEqualTo(m.graph().params());
            try (ZipFile z = new ZipFile(file.toFile())) {
                assertThat(z.getEntry(Checkpoints.HEADER)).isNotNull();
            }
        }
        assertThat(Files.list(dir.resolve("sub"))).containsExactly(file);
    }

    @Test
    void previousFormatStillLoads(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("old.zip");
        try (SegmentationModel m = Models.builder("unet", "tiny").decoderChannels(List.of(8, 8, 8, 8, 8)).build()) {
            INDArray[] d = TrainingTest.tiles(2, 64, 3);
            m.fit(d[0], d[1]);
            // version 1: DL4J's zip plus a Java-serialised metadata object
            ModelSerializer.writeModel(m.graph(), file.toFile(), true);
            Map<String, Object> meta = new LinkedHashMap<>();
            meta.put("arch", m.arch());
            meta.put("encoder", m.encoder());
            meta.put("inChannels", m.inChannels());
            meta.put("outputStride", m.outputStride());
            meta.put("groupedConvs", new LinkedHashMap<>(m.groupedConvs()));
            meta.put("batchNorms", new ArrayList<>(m.batchNorms()));
            ModelSerializer.addObjectToFile(file.toFile(), Checkpoints.METADATA, meta);
            try (SegmentationModel r = Checkpoints.load(file)) {
                assertThat(r.arch()).isEqualTo("unet");
                assertThat(r.graph().params()).isEqualTo(m.graph().params());
                assertThat(r.graph().getUpdater().getStateViewArray())
                        .isEqualTo(m.graph().getUpdater().getStateViewArray());
            }
            assertThat(Checkpoints.read(file).metadata()).isEmpty();
        }
    }

    @Test
    void otherFilesFailWithWhatTheyAre(@TempDir Path dir) throws Exception {
        Path text = dir.resolve("x.zip");
        Files.writeString(text, "not a zip");
        assertThatThrownBy(() -> Checkpoints.load(text)).isInstanceOf(java.io.IOException.class)
                .hasMessageContaining("x.zip").hasMessageContaining("not a hubmap checkpoint");
        Path pipelineV1 = dir.resolve("p.zip");
        try (ZipOutputStream z = new ZipOutputStream(Files.newOutputStream(pipelineV1))) {
            z.putNextEntry(new ZipEntry("meta.json"));
            z.write("{}".getBytes());
            z.putNextEntry(new ZipEntry("params.bin"));
            z.closeEntry();
        }
        assertThatThrownBy(() -> Checkpoints.load(pipelineV1)).hasMessageContaining("p.zip")
                .hasMessageContaining("pipeline checkpoint of the first format");
        Path future = dir.resolve("f.zip");
        try (ZipOutputStream z = new ZipOutputStream(Files.newOutputStream(future))) {
            z.putNextEntry(new ZipEntry(Checkpoints.HEADER));
            z.write("{\"format\":\"hubmap-checkpoint\",\"version\":99}".getBytes());
        }
        assertThatThrownBy(() -> Checkpoints.load(future)).hasMessageContaining("version 99");
    }

    @Test
    void missingFileIsAClearError(@TempDir Path dir) {
        assertThatThrownBy(() -> Checkpoints.load(dir.resolve("nope.zip"))).hasMessageContaining("nope.zip");
    }

    @Test
    void trainingStateRoundTripsThroughTheMetadata(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("t.zip");
        Checkpoints.TrainingState t = new Checkpoints.TrainingState("name: x\n", 3, 17, new double[] {1, 2, 3},
                new double[] {4, 5, 6}, List.of(Map.of("epoch", 1, "trainLoss", 0.5)), Double.NaN, 0);
        try (SegmentationModel m = Models.builder("unet", "tiny").decoderChannels(List.of(8, 8, 8, 8, 8)).build()) {
            Checkpoints.save(m, file, Map.of(Checkpoints.TrainingState.KEY, t.toMetadata()), false);
        }
        Checkpoints.TrainingState back = Checkpoints.read(file).training().orElseThrow();
        assertThat(back.recipe()).isEqualTo("name: x\n");
        assertThat(back.epochsDone()).isEqualTo(3);
        assertThat(back.iteration()).isEqualTo(17);
        assertThat(back.mean()).containsExactly(1, 2, 3);
        assertThat(back.std()).containsExactly(4, 5, 6);
        assertThat(back.bestScore()).isNaN();
        assertThat(back.history()).containsExactly(Map.of("epoch", 1, "trainLoss", 0.5));
        assertThatThrownBy(() -> Checkpoints.TrainingState.fromMetadata(Map.of("recipe", "r", "epochs_done", -1)))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("epochs_done");
    }

    /** Through {@link Checkpoints#load}: the entry is read by NdArrayEntries (its own cases in NdArrayEntriesTest). */
    @Test
    void anArrayDeclaringMoreValuesThanItHoldsFailsBeforeAllocating(@TempDir Path dir) throws Exception {
        Path good = dir.resolve("g.zip");
        try (SegmentationModel m = Models.builder("unet", "tiny").decoderChannels(List.of(8, 8, 8, 8, 8)).build()) {
            Checkpoints.save(m, good, Map.of(), false);
        }
        Path bad = dir.resolve("b.zip");
        try (ZipFile in = new ZipFile(good.toFile());
             ZipOutputStream z = new ZipOutputStream(Files.newOutputStream(bad))) {
            for (ZipEntry e : java.util.Collections.list(in.entries())) {
                byte[] b = in.getInputStream(e).readAllBytes();
                if (e.getName().equals("coefficients.bin")) {
                    // the data buffer's length (after the 80-byte shape buffer and its 18-byte mode text) claims 2^40
                    java.nio.ByteBuffer.wrap(b).putLong(80 + 18, 1L << 40);
                }
                z.putNextEntry(new ZipEntry(e.getName()));
                z.write(b);
            }
        }
        assertThatThrownBy(() -> Checkpoints.load(bad)).isInstanceOf(java.io.IOException.class)
                .hasMessageStartingWith(bad.toString()).hasMessageContaining("coefficients.bin")
                .hasMessageContaining("coefficients.bin: data length is 1099511627776, expected ");
    }

    /** A fuzz finding (CheckpointFuzz): an entry whose deflate stream ends early fails with one line naming the file. */
    @Test
    void aTruncatedDeflateStreamIsAOneLineError(@TempDir Path dir) throws Exception {
        Path f = dir.resolve("t.zip");
        try (java.io.InputStream in = CheckpointsTest.class.getResourceAsStream(
                "/checkpoints/fuzz-finding-truncated-deflate.zip")) {
            Files.write(f, in.readAllBytes());
        }
        assertThatThrownBy(() -> Checkpoints.load(f)).isInstanceOf(java.io.IOException.class)
                .hasMessageStartingWith(f.toString()).satisfies(e -> assertThat(e.getMessage()).doesNotContain("\n"));
    }
}
