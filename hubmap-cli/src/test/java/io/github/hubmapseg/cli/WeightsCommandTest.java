package io.github.hubmapseg.cli;

import io.github.hubmapseg.testkit.ExternalTools;

import static io.github.hubmapseg.cli.CliTests.run;
import static org.assertj.core.api.Assertions.assertThat;

import io.github.hubmapseg.cli.CliTests.Result;
import io.github.hubmapseg.models.weights.Npz;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.ops.transforms.Transforms;

/**
 * {@code hubmap weights inspect|import|export} and {@code hubmap model run} against PyTorch: an smp U-Net/resnet34
 * written by torch 1.13 ({@code hubmap-models/src/test/python/ref_import.py}) in the three formats is imported, run on
 * the reference input and must give torch's logits to 1e-4 relative to max |y|; the export loads into the PyTorch
 * model with {@code load_state_dict(strict=True)} and gives the same logits. Skipped without torch.
 */
class WeightsCommandTest {
    private static final Path PY = Paths.get("..", "hubmap-models", "src", "test", "python");
    private static final Path OUT = Paths.get("target", "weights-cli");
    private static final String CASE = "unet_resnet34";

    static String python(String script, String... args) throws IOException, InterruptedException {
        Path python = ExternalTools.python("python3-torch python3-torchvision", "torch", "torchvision");
        List<String> cmd = new ArrayList<>(List.of(python.toString(), script));
        cmd.addAll(List.of(args));
        Process p = new ProcessBuilder(cmd).directory(PY.toFile()).redirectErrorStream(true).start();
        String log = new String(p.getInputStream().readAllBytes());
        assertThat(p.waitFor(600, TimeUnit.SECONDS)).isTrue();
        assertThat(p.exitValue()).as(log).isZero();
        return log;
    }

    @BeforeAll
    static void generate() throws Exception {
        Path marker = OUT.resolve("done");
        if (Files.exists(marker) && Files.getLastModifiedTime(marker)
                .compareTo(Files.getLastModifiedTime(PY.resolve("ref_import.py"))) > 0) {
            return;
        }
        python("ref_import.py", OUT.toAbsolutePath().toString(), CASE + ":all");
        python("ref_weights.py", OUT.resolve("hostile").toAbsolutePath().toString());
        Files.writeString(marker, "ok");
    }

    static void assertRelClose(INDArray actual, INDArray expected, String what) {
        assertThat(actual.shape()).as(what).containsExactly(expected.shape());
        double maxDiff = Transforms.abs(actual.sub(expected)).maxNumber().doubleValue();
        double scale = Transforms.abs(expected).maxNumber().doubleValue();
        assertThat(maxDiff / scale).as(what + ": max |diff| " + maxDiff + ", max |y| " + scale).isLessThan(1e-4);
    }

    @ParameterizedTest
    @ValueSource(strings = {".pth", ".legacy.pth", ".safetensors"})
    void importThenModelRunGivesPyTorchLogits(String suffix, @TempDir Path tmp) throws Exception {
        Path file = OUT.resolve(CASE + suffix);
        Result r = run("weights", "inspect", file.toString());
        assertThat(r.code()).as(r.err()).isEqualTo(0);
        assertThat(r.out()).contains("tensors:   ").contains("layout:    smp")
                .contains("fits:      unet / resnet34 (smp layout)").contains("decoderChannels=[32, 16, 16, 8, 8]")
                .contains("F32 x").contains("I64 x").doesNotContain("problem");
        Path model = tmp.resolve("model.zip");
        r = run("weights", "import", file.toString(), "--arch", "unet", "--encoder", "resnet34", "--layout", "auto",
                "--classes", "1", "--out", model.toString());
        assertThat(r.code()).as(r.err()).isEqualTo(0);
        Path y = tmp.resolve("y.npy");
        r = run("model", "run", "--model", model.toString(), "--input", OUT.resolve(CASE + ".x.npy").toString(),
                "--output", y.toString());
        assertThat(r.code()).as(r.err()).isEqualTo(0);
        assertRelClose(Npz.readNpy(y), Npz.readNpy(OUT.resolve(CASE + ".y.npy")), suffix);
    }

    /**
     * An smp PAN on efficientnet-b0 (our transcription of smp's PAN, {@code ref_panmanet.py}): detected, imported at
     * smp's default encoder output stride 16 and run, it gives torch's logits; told {@code --encoder-output-stride 32}
     * it builds the undilated network, whose logits differ.
     */
    @Test
    void panImportThenModelRunGivesPyTorchLogits(@TempDir Path tmp) throws Exception {
        String c = "pan_efficientnet-b0";
        python("ref_panmanet.py", tmp.toAbsolutePath().toString(), c);
        Path file = tmp.resolve(c + ".legacy.pth");
        Result r = run("weights", "inspect", file.toString());
        assertThat(r.code()).as(r.err()).isEqualTo(0);
        assertThat(r.out()).contains("fits:      pan / efficientnet-b0 (smp layout)").contains("panChannels=32");
        Path model = tmp.resolve("model.zip");
        r = run("weights", "import", file.toString(), "--out", model.toString());
        assertThat(r.code()).as(r.err()).isEqualTo(0);
        Path y = tmp.resolve("y.npy");
        r = run("model", "run", "--model", model.toString(), "--input", tmp.resolve(c + ".x.npy").toString(),
                "--output", y.toString());
        assertThat(r.code()).as(r.err()).isEqualTo(0);
        INDArray expected = Npz.readNpy(tmp.resolve(c + ".y.npy"));
        assertRelClose(Npz.readNpy(y), expected, c);
        Path model32 = tmp.resolve("model32.zip");
        r = run("weights", "import", file.toString(), "--encoder-output-stride", "32", "--out", model32.toString());
        assertThat(r.code()).as(r.err()).isEqualTo(0);
        Path y32 = tmp.resolve("y32.npy");
        r = run("model", "run", "--model", model32.toString(), "--input", tmp.resolve(c + ".x.npy").toString(),
                "--output", y32.toString());
        assertThat(r.code()).as(r.err()).isEqualTo(0);
        assertThat(Transforms.abs(Npz.readNpy(y32).sub(expected)).maxNumber().doubleValue())
                .isGreaterThan(1e-3 * Transforms.abs(expected).maxNumber().doubleValue());
    }

    @Test
    void exportLoadsStrictlyInPyTorchAndGivesTheSameLogits(@TempDir Path tmp) throws Exception {
        Path model = tmp.resolve("model.zip");
        Result r = run("weights", "import", OUT.resolve(CASE + ".pth").toString(), "--out", model.toString());
        assertThat(r.code()).as(r.err()).isEqualTo(0);
        Path st = tmp.resolve("model.safetensors");
        r = run("weights", "export", model.toString(), "--out", st.toString());
        assertThat(r.code()).as(r.err()).isEqualTo(0);
        Path y = tmp.resolve("torch-y.npy");
        String log = python("load_export.py", st.toAbsolutePath().toString(), CASE,
                OUT.resolve(CASE + ".x.npy").toAbsolutePath().toString(), y.toAbsolutePath().toString());
        assertThat(log).contains("loaded").contains("strictly");
        assertRelClose(Npz.readNpy(y), Npz.readNpy(OUT.resolve(CASE + ".y.npy")), "exported");
        // and the export reads back here as the same model
        Path again = tmp.resolve("again.zip");
        r = run("weights", "import", st.toString(), "--out", again.toString());
        assertThat(r.code()).as(r.err()).isEqualTo(0);
    }

    @Test
    void predictTakesAnImportedModel(@TempDir Path tmp) throws Exception {
        Path model = tmp.resolve("model.zip");
        assertThat(run("weights", "import", OUT.resolve(CASE + ".legacy.pth").toString(), "--out",
                model.toString()).code()).isEqualTo(0);
        // the import records what its output holds (read by ModelPredictors.load, not guessed from the layer)
        assertThat(io.github.hubmapseg.models.Checkpoints.read(model).outputActivation())
                .contains(io.github.hubmapseg.models.OutputActivation.LOGITS);
        Path data = tmp.resolve("data");
        Result r = run("synth", "--out", data.toString(), "--slides", "3", "--size", "512x512", "--patients", "2");
        assertThat(r.code()).as(r.err()).isEqualTo(0);
        Path csv = tmp.resolve("sub.csv");
        r = run("predict", "--data", data.toString(), "--ensemble", model.toString(), "--out", csv.toString());
        assertThat(r.code()).as(r.err()).isEqualTo(0);
        assertThat(Files.readAllLines(csv)).hasSize(2).first().asString().isEqualTo("id,predicted");
    }

    @Test
    void hostileFilesAndBadInputsAreOneLineErrors(@TempDir Path tmp) throws Exception {
        Result r = run("weights", "inspect", OUT.resolve("hostile").resolve("hostile.system.zip.pth").toString());
        assertThat(r.code()).isEqualTo(2);
        assertThat(r.err()).startsWith("hubmap: error: ").contains("refused global posix.system")
                .doesNotContain("at io.github");
        r = run("weights", "import", OUT.resolve(CASE + ".pth").toString(), "--arch", "linknet", "--out",
                tmp.resolve("m.zip").toString());
        assertThat(r.err()).contains("the file is an smp unet, not linknet");
        r = run("weights", "import", OUT.resolve(CASE + ".pth").toString(), "--layout", "caffe", "--out",
                tmp.resolve("m.zip").toString());
        assertThat(r.err()).contains("unknown layout 'caffe'");
        Path model = tmp.resolve("model.zip");
        assertThat(run("weights", "import", OUT.resolve(CASE + ".safetensors").toString(), "--out",
                model.toString()).code()).isEqualTo(0);
        Path bad = tmp.resolve("bad.npy");
        Npz.writeNpy(org.nd4j.linalg.factory.Nd4j.zeros(1, 3, 50, 64), bad);
        r = run("model", "run", "--model", model.toString(), "--input", bad.toString(), "--output",
                tmp.resolve("y.npy").toString());
        assertThat(r.code()).isEqualTo(2);
        assertThat(r.err()).contains("50x64").doesNotContain("at io.github");
        assertThat(tmp.resolve("y.npy")).doesNotExist();
    }
}
