package io.github.hubmapseg.models.fuzz;

import io.github.hubmapseg.models.Checkpoints;
import io.github.hubmapseg.models.SegmentationModel;
import io.github.hubmapseg.testkit.Mutator;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import java.util.zip.CRC32;
import java.util.zip.ZipEntry;
import java.util.zip.ZipFile;
import java.util.zip.ZipOutputStream;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.Tag;
import net.jqwik.api.lifecycle.AfterContainer;
import org.deeplearning4j.nn.conf.ComputationGraphConfiguration;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.ConvolutionLayer;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Fuzz target of {@link Checkpoints#load} (the one checkpoint reader): mutated checkpoints ({@link Mutator}) of a
 * one-layer model, deflated as {@link Checkpoints#write} writes them and stored (so edits reach the JSON and the
 * arrays), with a training state, plus a file of the first training format. Accepted: a model, or an
 * {@link IOException} whose one-line message starts with the file; for {@code Checkpoints.read(..).training()}
 * also an {@link IllegalArgumentException} with a one-line message. Anything else, {@link OutOfMemoryError} under
 * the stage's 512 MB heap included, fails; the input is saved to {@code target/fuzz-findings/}.
 */
@Tag("fuzz")
class CheckpointFuzz {

    private static final Path TMP;
    private static final List<Path> SEEDS = new ArrayList<>();
    private static final AtomicLong EXECUTIONS = new AtomicLong();

    static {
        try {
            TMP = Files.createTempDirectory("hubmap-models-fuzz");
            seeds();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** A one-layer graph (1x1 convolution, 3 to 2 channels: 8 parameters) written three ways. */
    private static void seeds() throws IOException {
        ComputationGraphConfiguration conf = new NeuralNetConfiguration.Builder().graphBuilder().addInputs("in")
                .setInputTypes(InputType.convolutional(8, 8, 3))
                .addLayer("c", new ConvolutionLayer.Builder(1, 1).nIn(3).nOut(2).activation(Activation.IDENTITY)
                        .build(), "in")
                .setOutputs("c").build();
        Checkpoints.TrainingState state = new Checkpoints.TrainingState("name: fuzz\n", 2, 7, new double[] {0, 0, 0},
                new double[] {255, 255, 255}, List.of(Map.of("epoch", 1, "trainLoss", 0.5)), 0.25, 1);
        Checkpoints.Contents c = new Checkpoints.Contents(new Checkpoints.ModelInfo("unet", "tiny", 3, 32, Map.of(),
                List.of()), conf.toJson(), Nd4j.linspace(1, 8, 8).reshape(1, 8).castTo(
                org.nd4j.linalg.api.buffer.DataType.FLOAT), null, Map.of(Checkpoints.TrainingState.KEY, state));
        Path deflated = TMP.resolve("seed-deflated.zip");
        Checkpoints.write(c, deflated);
        SEEDS.add(deflated);
        SEEDS.add(stored(deflated, TMP.resolve("seed-stored.zip")));
        Path first = TMP.resolve("seed-first-format.zip");
        try (ZipOutputStream z = new ZipOutputStream(Files.newOutputStream(first))) {
            z.setMethod(ZipOutputStream.STORED);
            put(z, "meta.json", ("{\"epochs_done\":2,\"iteration\":9,\"mean\":[0,0,0],\"std\":[255,255,255],"
                    + "\"best_score\":0.5,\"best_epoch\":1,\"history\":[]}").getBytes(StandardCharsets.UTF_8));
            put(z, "recipe.yaml", "name: fuzz\n".getBytes(StandardCharsets.UTF_8));
            ByteArrayOutputStream b = new ByteArrayOutputStream();
            Nd4j.write(b, c.params());
            put(z, "params.bin", b.toByteArray());
        }
        SEEDS.add(first);
    }

    private static Path stored(Path from, Path to) throws IOException {
        try (ZipFile in = new ZipFile(from.toFile()); ZipOutputStream z = new ZipOutputStream(Files.newOutputStream(to))) {
            z.setMethod(ZipOutputStream.STORED);
            for (ZipEntry e : java.util.Collections.list(in.entries())) {
                try (InputStream s = in.getInputStream(e)) {
                    put(z, e.getName(), s.readAllBytes());
                }
            }
        }
        return to;
    }

    private static void put(ZipOutputStream z, String name, byte[] data) throws IOException {
        ZipEntry e = new ZipEntry(name);
        CRC32 crc = new CRC32();
        crc.update(data);
        e.setMethod(ZipEntry.STORED);
        e.setSize(data.length);
        e.setCompressedSize(data.length);
        e.setCrc(crc.getValue());
        z.putNextEntry(e);
        z.write(data);
        z.closeEntry();
    }

    @AfterContainer
    static void report() throws IOException {
        String line = "fuzz executions per target: checkpoint=" + EXECUTIONS.get();
        System.out.println(line);
        Path out = Path.of("target", "fuzz-executions.txt");
        Files.createDirectories(out.getParent());
        Files.writeString(out, line + "\n");
        try (var s = Files.list(TMP)) {
            for (Path p : s.toList()) {
                Files.deleteIfExists(p);
            }
        }
        Files.deleteIfExists(TMP);
    }

    @Provide
    Arbitrary<Mutator.Input> checkpoints() {
        return Mutator.inputs(SEEDS);
    }

    @Property(seed = Mutator.CI_SEED)
    void checkpointLoad(@ForAll("checkpoints") Mutator.Input in) throws IOException {
        EXECUTIONS.incrementAndGet();
        Path f = Files.write(TMP.resolve("fuzz.zip"), in.data());
        try (SegmentationModel m = Checkpoints.load(f)) {
            m.graph().params();
        } catch (IOException e) {
            check(in, f, e.getMessage(), e);
        } catch (Throwable t) {
            throw finding(in, t);
        }
        try {
            Checkpoints.read(f).training();
        } catch (IOException e) {
            check(in, f, e.getMessage(), e);
        } catch (IllegalArgumentException e) {
            check(in, null, e.getMessage(), e);
        } catch (Throwable t) {
            throw finding(in, t);
        }
    }

    private static void check(Mutator.Input in, Path file, String m, Exception e) {
        if (m == null || (file != null && !m.startsWith(file.toString())) || m.indexOf('\n') >= 0
                || m.indexOf('\r') >= 0) {
            throw finding(in, new AssertionError("error message must be one line" + (file == null ? ""
                    : " starting with the file") + ", got: " + m, e));
        }
    }

    private static AssertionError finding(Mutator.Input in, Throwable t) {
        Path dir = Path.of("target", "fuzz-findings");
        String name = "checkpoint-" + in.seed().replaceAll("[^A-Za-z0-9._-]", "_") + "-" + in.rng() + "-"
                + in.edits() + ".bin";
        try {
            Files.createDirectories(dir);
            Files.write(dir.resolve(name), in.data());
        } catch (IOException ignored) {
            // the report below still names the input
        }
        return new AssertionError("checkpoint: " + in + " (saved as " + dir.resolve(name) + ") threw " + t, t);
    }
}
