package io.github.hubmapseg.pipeline.train;

import io.github.hubmapseg.testkit.ExternalTools;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.github.hubmapseg.models.SegmentationModel;
import io.github.hubmapseg.models.weights.StateDict;
import io.github.hubmapseg.models.weights.WeightFiles;
import io.github.hubmapseg.pipeline.TinyData;
import io.github.hubmapseg.pipeline.config.Recipe;
import io.github.hubmapseg.pipeline.config.Recipes;
import io.github.hubmapseg.pipeline.data.CompetitionDataset;
import io.github.hubmapseg.pipeline.data.Normalization;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * {@code model.encoder_weights}: the {@code third-place} recipe (shrunk to seconds) trains from a torchvision
 * resnext50_32x4d state_dict written by torch 1.13 ({@code hubmap-models/src/test/python/ref_import.py}, random
 * weights): the loaded encoder equals the file, the first step's loss differs from the random start's, the run uses
 * the recipe's data.normalize; a recipe naming pretraining without weights fails at start naming what it needs.
 */
class PretrainedWeightsTest {
    private static final Path PY = Paths.get("..", "hubmap-models", "src", "test", "python");
    private static final Path OUT = Paths.get("target", "pretrained");
    private static final Path FILE = OUT.resolve("tv_resnext50_32x4d.pth");

    @BeforeAll
    static void generate() throws Exception {
        if (Files.exists(FILE) && Files.getLastModifiedTime(FILE)
                .compareTo(Files.getLastModifiedTime(PY.resolve("ref_import.py"))) > 0) {
            return;
        }
        Path python = ExternalTools.python("python3-torch python3-torchvision", "torch", "torchvision");
        Process p = new ProcessBuilder(python.toString(), "ref_import.py", OUT.toAbsolutePath().toString(),
                "tv_resnext50_32x4d:zip").directory(PY.toFile()).redirectErrorStream(true).start();
        String log = new String(p.getInputStream().readAllBytes());
        assertThat(p.waitFor(300, TimeUnit.SECONDS)).isTrue();
        assertThat(p.exitValue()).as(log).isZero();
    }

    static Recipe thirdPlace(String... more) {
        List<String> o = new ArrayList<>(List.of("data.tile_size=64", "data.reduce=4", "data.tiles_per_epoch=4",
                "data.sampling=balanced", "train.batch_size=2", "train.epochs=1", "infer.tile_size=64", "infer.reduce=4",
                "infer.expansion=32", "model.base_channels=4",
                "model.encoder=resnext50_32x4d")); // the recipe's first variant (its backbones are model.variants)
        o.addAll(List.of(more));
        return Recipes.withOverrides(Recipes.builtin("third-place"), o);
    }

    @Test
    void encoderWeightsEqualTheFileAndChangeTheFirstStepLoss(@TempDir Path tmp) throws Exception {
        Recipe pre = thirdPlace("model.encoder_weights=" + FILE);
        Recipe random = thirdPlace("model.pretrained=none");
        StateDict sd = WeightFiles.read(FILE);
        try (SegmentationModel m = ModelFactory.createForTraining(pre)) {
            assertThat(m.encoder()).isEqualTo("resnext50_32x4d");
            var g = m.graph();
            assertThat(g.getLayer("encoder.conv1").getParam("W")).isEqualTo(sd.tensors().get("conv1.weight"));
            INDArray grouped = g.getLayer("encoder.layer3.5.conv2").getParam("W"); // PyTorch's grouped layout
            INDArray file = sd.tensors().get("layer3.5.conv2.weight"); // [512, 16, 3, 3], 32 groups
            assertThat(grouped.length()).isEqualTo(file.length());
            assertThat(grouped.reshape(file.shape())).isEqualTo(file);
            assertThat(g.getLayer("encoder.layer4.2.bn3").getParam("mean").reshape(-1))
                    .isEqualTo(sd.tensors().get("layer4.2.bn3.running_mean"));
        }
        double[] first = new double[2];
        try (CompetitionDataset ds = CompetitionDataset.open(TinyData.dir())) {
            String a = ds.trainIds().get(0);
            String b = ds.trainIds().get(1);
            int i = 0;
            for (Recipe r : List.of(pre, random)) {
                int k = i++;
                first[k] = Double.NaN;
                Trainer.Result res = Trainer.builder(r, ds, List.of(a), List.of(b), tmp.resolve("run" + k)).threads(2)
                        .listener(new TrainListener() {
                            @Override
                            public void step(int epoch, int batch, int batches, double loss) {
                                if (Double.isNaN(first[k])) {
                                    first[k] = loss;
                                }
                            }
                        }).build().train();
                Checkpoint c = Checkpoint.load(res.last());
                // both use the recipe's data.normalize (the 3rd place's write-up: the data's mean and std)
                Normalization n = Trainer.normalization(r, ds, List.of(a));
                assertThat(c.normalization().mean()).containsExactly(n.mean());
            }
        }
        assertThat(first[0]).isFinite();
        assertThat(first[1]).isFinite();
        assertThat(Math.abs(first[0] - first[1])).as("first-step losses " + first[0] + " vs " + first[1])
                .isGreaterThan(1e-6);
    }

    @Test
    void pretrainingWithoutWeightsFailsAtStartNamingTheFile(@TempDir Path tmp) throws Exception {
        Recipe r = thirdPlace();
        try (CompetitionDataset ds = CompetitionDataset.open(TinyData.dir())) {
            assertThatThrownBy(() -> Trainer.builder(r, ds, ds.trainIds().subList(0, 1), ds.trainIds().subList(1, 2),
                    tmp.resolve("x")).build().train()).isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("recipe third-place: model.pretrained is 'swsl")
                    .hasMessageContaining("semi_weakly_supervised_resnext50_32x4-72679e44.pth")
                    .hasMessageContaining("model.encoder_weights=FILE");
        }
        assertThat(tmp.resolve("x").resolve("last.zip")).doesNotExist();
        assertThatThrownBy(() -> ModelFactory.checkPretraining(thirdPlace("model.encoder_weights=nope.pth")))
                .hasMessage("model.encoder_weights: no such file nope.pth (the recipe's pretraining: "
                        + Recipes.builtin("third-place").model().pretrained() + ")");
        assertThatThrownBy(() -> thirdPlace("model.encoder_weights=a.pth", "model.weights=b.pth"))
                .hasMessageContaining("both set");
        assertThatThrownBy(() -> thirdPlace("model.weights_layout=keras")).hasMessageContaining("model.weights_layout");
        Recipe wrong = thirdPlace("model.encoder=resnet34", "model.encoder_weights=" + FILE);
        assertThatThrownBy(() -> ModelFactory.createForTraining(wrong).close())
                .hasMessageContaining("model.encoder_weights " + FILE)
                .hasMessageContaining("resnext50_32x4d").hasMessageContaining("resnet34");
    }
}
