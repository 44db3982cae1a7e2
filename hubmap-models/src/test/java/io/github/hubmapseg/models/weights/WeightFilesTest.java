package io.github.hubmapseg.models.weights;

import io.github.hubmapseg.testkit.ExternalTools;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * The weight readers against files written by Debian's torch 1.13 ({@code src/test/python/ref_weights.py}): every
 * tensor of a state_dict with float32, float16, bfloat16, float64 and int64 tensors, a view with a storage offset, a
 * transposed (non-contiguous) tensor and an empty one, read from the zip and legacy {@code torch.save} formats, a
 * training checkpoint and a hand-written {@code .safetensors}, must equal numpy's float32 conversion; hostile files are
 * refused with their message. Skipped, with a message, when /usr/bin/python3 has no torch.
 */
class WeightFilesTest {
    static final Path OUT = Paths.get("target", "weight-files");
    private static final Path SCRIPT = Paths.get("src", "test", "python", "ref_weights.py");

    /** Runs a reference script {@code /usr/bin/python3 SCRIPT ARGS...}; skips the test if torch is missing. */
    static void python(Path script, String... args) throws IOException, InterruptedException {
        Path python = ExternalTools.python("python3-torch python3-torchvision", "torch", "torchvision");
        List<String> cmd = new java.util.ArrayList<>(List.of(python.toString(), script.toString()));
        cmd.addAll(List.of(args));
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String log = new String(p.getInputStream().readAllBytes());
        assertThat(p.waitFor(600, TimeUnit.SECONDS)).isTrue();
        assertThat(p.exitValue()).as(log).isZero();
    }

    @BeforeAll
    static void generate() throws Exception {
        Path marker = OUT.resolve("formats.expected.npz");
        if (Files.exists(marker)
                && Files.getLastModifiedTime(marker).compareTo(Files.getLastModifiedTime(SCRIPT)) > 0) {
            return;
        }
        python(SCRIPT, OUT.toString());
    }

    @ParameterizedTest
    @CsvSource({"formats.zip.pth, TORCH_ZIP, ''", "formats.legacy.pth, TORCH_LEGACY, ''",
        "formats.safetensors, SAFETENSORS, ''", "formats.checkpoint.pth, TORCH_ZIP, state_dict",
        "formats.checkpoint.legacy.pth, TORCH_LEGACY, state_dict"})
    void everyTensorEqualsTorch(String name, WeightFormat format, String path) throws IOException {
        Map<String, INDArray> expected = Npz.read(OUT.resolve("formats.expected.npz"));
        StateDict sd = WeightFiles.read(OUT.resolve(name));
        assertThat(sd.format()).isEqualTo(format);
        assertThat(WeightFiles.detect(OUT.resolve(name))).isEqualTo(format);
        assertThat(sd.path()).isEqualTo(path);
        assertThat(sd.tensors().keySet()).containsExactlyElementsOf(expected.keySet());
        for (Map.Entry<String, INDArray> e : expected.entrySet()) {
            INDArray actual = sd.tensors().get(e.getKey());
            if (e.getKey().equals("bn.num_batches_tracked")) {
                assertThat(actual.rank()).as("0-d tensor").isZero(); // Npz reads numpy's 0-d arrays as [1]
            } else {
                assertThat(actual.shape()).as(e.getKey()).containsExactly(e.getValue().shape());
            }
            assertThat(floats(actual)).as(e.getKey()).containsExactly(floats(e.getValue()));
        }
        assertThat(sd.dtypes()).containsEntry("half.weight", DType.F16).containsEntry("bf16.weight", DType.BF16)
                .containsEntry("double.weight", DType.F64).containsEntry("bn.num_batches_tracked", DType.I64)
                .containsEntry("conv.weight", DType.F32);
    }

    private static float[] floats(INDArray a) {
        return a.length() == 0 ? new float[0] : a.dup('c').data().asFloat();
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
        "hostile.system.zip.pth|refused global posix.system",
        "hostile.system.legacy.pth|refused global posix.system",
        "hostile.short-storage.pth|tensor w [6] (offset 0, stride [1]) needs 6 elements of its storage, which has"
            + " only 2",
        "hostile.short-entry.pth|zip entry archive/data/0 has 8 bytes, its storage of 6 F32 needs 24",
        "hostile.dotdot.pth|zip entry '../x' has an unsafe path",
        "hostile.huge-storage.legacy.pth|storage 0 claims 1099511627776 elements",
        "hostile.huge-header.safetensors|header length 1099511627776 is not within",
        "hostile.huge-tensor.safetensors|tensor w F32 [1048576, 1048576] needs 4398046511104 bytes, its"
            + " data_offsets give 8",
        "hostile.offsets.safetensors|data_offsets [0, 16] are outside the 8 data bytes"})
    void hostileFilesAreRefusedWithTheirMessage(String name, String message) {
        Path f = OUT.resolve(name);
        assertThatThrownBy(() -> WeightFiles.read(f)).isInstanceOf(IOException.class)
                .hasMessageStartingWith(f.toString()).hasMessageContaining(message);
        assertThat(Paths.get("/tmp/hubmap-pwned")).doesNotExist();
    }

    @ParameterizedTest
    @ValueSource(ints = {0, 1, 7, 8, 100, 1000})
    void truncatedFilesFailWithAMessage(int keep, @TempDir Path tmp) throws IOException {
        for (String name : List.of("formats.zip.pth", "formats.legacy.pth", "formats.safetensors")) {
            byte[] all = Files.readAllBytes(OUT.resolve(name));
            Path f = tmp.resolve("cut-" + name);
            Files.write(f, java.util.Arrays.copyOf(all, Math.min(keep, all.length)));
            assertThatThrownBy(() -> WeightFiles.read(f)).as(name + " cut at " + keep).isInstanceOf(IOException.class)
                    .hasMessageContaining(f.toString());
        }
    }

    @Test
    void safetensorsWrittenHereReadBack(@TempDir Path tmp) throws IOException {
        Map<String, INDArray> t = new LinkedHashMap<>();
        t.put("a.weight", Nd4j.rand(org.nd4j.linalg.api.buffer.DataType.FLOAT, 2, 3, 4));
        t.put("b", Nd4j.scalar(7f));
        t.put("c", Nd4j.rand(org.nd4j.linalg.api.buffer.DataType.FLOAT, 5, 3).transpose());
        Path f = tmp.resolve("x.safetensors");
        SafeTensors.write(t, java.util.Set.of("b"), Map.of("format", "pt"), f);
        StateDict back = WeightFiles.read(f);
        assertThat(back.tensors().keySet()).containsExactly("a.weight", "b", "c");
        for (String k : t.keySet()) {
            assertThat(back.tensors().get(k)).as(k).isEqualTo(t.get(k));
        }
        assertThat(back.dtypes()).containsEntry("b", DType.I64).containsEntry("a.weight", DType.F32);
        long headerLength = java.nio.ByteBuffer.wrap(Files.readAllBytes(f), 0, 8)
                .order(java.nio.ByteOrder.LITTLE_ENDIAN).getLong();
        assertThat(headerLength % 8).as("data aligned to 8 bytes").isZero();
    }

    @Test
    void halfPrecisionConversionIsExact() {
        assertThat(DType.halfToFloat((short) 0x3c00)).isEqualTo(1f);
        assertThat(DType.halfToFloat((short) 0xc000)).isEqualTo(-2f);
        assertThat(DType.halfToFloat((short) 0x0001)).isEqualTo(0x1p-24f);
        assertThat(DType.halfToFloat((short) 0x7bff)).isEqualTo(65504f);
        assertThat(DType.halfToFloat((short) 0x7c00)).isEqualTo(Float.POSITIVE_INFINITY);
        assertThat(Float.isNaN(DType.halfToFloat((short) 0x7e00))).isTrue();
    }
}
