package io.github.hubmapseg.pipeline.train;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import io.github.hubmapseg.models.SegmentationModel;
import io.github.hubmapseg.pipeline.TinyData;
import io.github.hubmapseg.pipeline.config.Recipe;
import io.github.hubmapseg.pipeline.data.CompetitionDataset;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

class TrainerTest {

    @Test
    void twoEpochsEqualOneEpochThenResumeThenOne(@TempDir Path tmp) throws Exception {
        Recipe r = TinyData.recipe("train.epochs=2");
        try (CompetitionDataset ds = CompetitionDataset.open(TinyData.dir())) {
            String a = ds.trainIds().get(0);
            String b = ds.trainIds().get(1);
            Trainer.Result straight = Trainer.builder(r, ds, List.of(a), List.of(b), tmp.resolve("straight")).threads(2)
                    .build().train();
            Trainer.Result first = Trainer.builder(r, ds, List.of(a), List.of(b), tmp.resolve("resumed")).threads(1)
                    .stopAfter(1).build().train();
            assertThat(first.history()).hasSize(1);
            Trainer.Result resumed = Trainer.builder(r, ds, List.of(a), List.of(b), tmp.resolve("resumed")).threads(2)
                    .build().train();
            assertThat(resumed.history()).hasSize(2);
            Checkpoint s = Checkpoint.load(straight.last());
            Checkpoint c = Checkpoint.load(resumed.last());
            assertThat(c.epochsDone()).isEqualTo(2);
            assertThat(c.iteration()).isEqualTo(s.iteration()).isEqualTo(4);
            double maxDiff = s.params().sub(c.params()).amaxNumber().doubleValue();
            assertThat(maxDiff).as("max |param difference|").isLessThan(1e-4);
            assertThat(c.updaterState().sub(s.updaterState()).amaxNumber().doubleValue()).isLessThan(1e-4);
            assertThat(resumed.history().get(1).trainLoss()).isCloseTo(straight.history().get(1).trainLoss(),
                    within(1e-4));
            // and the parameters did change during training
            try (SegmentationModel fresh = ModelFactory.create(r)) {
                assertThat(fresh.graph().params().sub(s.params()).amaxNumber().doubleValue()).isGreaterThan(1e-4);
            }
            for (String f : List.of("best.zip", "last.zip", "metrics.csv", "loss.png", "dice.png", "recipe.yaml")) {
                assertThat(tmp.resolve("straight").resolve(f)).exists();
            }
            assertThat(Files.readAllLines(tmp.resolve("straight/metrics.csv"))).hasSize(3)
                    .first().asString().startsWith("epoch,train_loss,val_loss,soft_dice,hard_dice");
        }
    }

    /**
     * The trainer learns: 3 epochs of 48 tiles (reduce 4, batch 4, one-cycle peak 1e-2) on one slide, validated on
     * that same slide, reach a soft Dice an untrained model cannot. Measured on the tiny set (soft Dice after epoch 3,
     * validation BCE in brackets): trained, seeds 42 / 1 / 2: 0.280 (0.043) / 0.139 (0.117) / 0.457 (0.039); the
     * same runs with peak rate 1e-12 (weights as initialised): 0.023 (0.636) / 0.034 (0.861) / 0.036 (0.504). The
     * bounds sit between the two groups. (Validating on another slide is not a test of learning here: one synthetic
     * slide's stain does not carry over to another in so few steps, and trained models scored 0.0-0.68 there.)
     */
    @Test
    void learnsWhatAnUntrainedModelCannotReach(@TempDir Path tmp) throws Exception {
        Recipe r = TinyData.recipe("train.epochs=3", "data.tiles_per_epoch=48", "train.batch_size=4",
                "train.lr.max_lr=1.0e-2");
        try (CompetitionDataset ds = CompetitionDataset.open(TinyData.dir())) {
            List<String> one = List.of(ds.trainIds().get(0));
            Trainer.Result res = Trainer.builder(r, ds, one, one, tmp).threads(2).build().train();
            EpochMetrics last = res.history().get(res.history().size() - 1);
            assertThat(last.softDice()).as("soft Dice after training").isGreaterThan(0.08);
            assertThat(last.valLoss()).as("validation BCE after training").isLessThan(0.3);
            assertThat(last.valLoss()).as("validation BCE fell").isLessThan(res.history().get(0).valLoss());
        }
    }

    @Test
    void checkpointRoundTripsParametersAndRecipe(@TempDir Path tmp) throws Exception {
        Recipe r = TinyData.recipe();
        try (SegmentationModel m = ModelFactory.create(r)) {
            m.graph().params().addi(0.25);
            Checkpoint c = Checkpoint.of(r, 3, 17, io.github.hubmapseg.pipeline.data.Normalization.scale255(3),
                    List.of(), Double.NaN, 0, m, false);
            c.save(tmp.resolve("c.zip"));
            Checkpoint back = Checkpoint.load(tmp.resolve("c.zip"));
            assertThat(back.recipe()).isEqualTo(r);
            assertThat(back.epochsDone()).isEqualTo(3);
            assertThat(back.iteration()).isEqualTo(17);
            try (SegmentationModel restored = back.restore()) {
                assertThat(restored.graph().params()).isEqualTo(m.graph().params());
            }
            // one format: the models library reads the same file, the training state is its metadata
            io.github.hubmapseg.models.Checkpoints.Contents mc =
                    io.github.hubmapseg.models.Checkpoints.read(tmp.resolve("c.zip"));
            assertThat(mc.metadata()).containsKey(Checkpoint.METADATA_KEY);
            try (SegmentationModel viaModels = io.github.hubmapseg.models.Checkpoints.load(tmp.resolve("c.zip"))) {
                assertThat(viaModels.graph().params()).isEqualTo(m.graph().params());
                assertThat(viaModels.encoder()).isEqualTo(m.encoder());
            }
            // a plain model checkpoint is not a training checkpoint
            io.github.hubmapseg.models.Checkpoints.save(m, tmp.resolve("plain.zip"));
            assertThatThrownBy(() -> Checkpoint.load(tmp.resolve("plain.zip"))).hasMessageContaining("plain.zip")
                    .hasMessageContaining("without training state");
        }
        assertThatThrownBy(() -> Checkpoint.load(tmp.resolve("missing.zip"))).hasMessageContaining("does not exist");
    }

    @Test
    void previousPipelineFormatStillLoadsAndResaves(@TempDir Path tmp) throws Exception {
        Recipe r = TinyData.recipe();
        try (SegmentationModel m = ModelFactory.create(r)) {
            m.graph().params().addi(0.125);
            Path old = tmp.resolve("old.zip");
            // format 1 as the pipeline wrote it: meta.json, recipe.yaml, params.bin (ND4J binary)
            try (java.util.zip.ZipOutputStream z = new java.util.zip.ZipOutputStream(Files.newOutputStream(old))) {
                z.putNextEntry(new java.util.zip.ZipEntry("meta.json"));
                z.write(("{\"format\":\"hubmap-checkpoint/1\",\"epochs_done\":2,\"iteration\":9,\"mean\":[0,0,0],"
                        + "\"std\":[255,255,255],\"best_score\":0.5,\"best_epoch\":1,\"history\":[]}").getBytes());
                z.putNextEntry(new java.util.zip.ZipEntry("recipe.yaml"));
                z.write(io.github.hubmapseg.pipeline.config.Recipes.toYaml(r).getBytes());
                z.putNextEntry(new java.util.zip.ZipEntry("params.bin"));
                java.io.ByteArrayOutputStream b = new java.io.ByteArrayOutputStream();
                org.nd4j.linalg.factory.Nd4j.write(b, m.graph().params());
                z.write(b.toByteArray());
            }
            Checkpoint c = Checkpoint.load(old);
            assertThat(c.epochsDone()).isEqualTo(2);
            assertThat(c.bestScore()).isEqualTo(0.5);
            assertThat(c.recipe()).isEqualTo(r);
            assertThat(c.params()).isEqualTo(m.graph().params());
            c.save(tmp.resolve("new.zip"));
            Checkpoint again = Checkpoint.load(tmp.resolve("new.zip"));
            assertThat(again.iteration()).isEqualTo(9);
            try (SegmentationModel restored = again.restore()) {
                assertThat(restored.graph().params()).isEqualTo(m.graph().params());
            }
        }
    }

    @Test
    void gradientClippingScalesTheGlobalNorm() {
        GradientClipping clip = new GradientClipping(1.0);
        Recipe r = TinyData.recipe();
        try (SegmentationModel m = ModelFactory.create(r)) {
            double[] seen = new double[1];
            // a second listener, called after the clipping one and before the optimizer update
            m.graph().setListeners(clip, new org.deeplearning4j.optimize.api.BaseTrainingListener() {
                @Override
                public void onGradientCalculation(org.deeplearning4j.nn.api.Model model) {
                    // the norm of the gradients proper (batch-norm running statistics are not clipped)
                    INDArray all = model.gradient().gradient().dup();
                    for (INDArray s : GradientClipping.runningStatistics(model)) {
                        s.assign(0);
                    }
                    seen[0] = model.gradient().gradient().norm2Number().doubleValue();
                    model.gradient().gradient().assign(all);
                }
            });
            INDArray x = Nd4j.rand(new int[] {2, 32, 32, 3}).muli(50);
            INDArray y = Nd4j.rand(new int[] {2, 32, 32, 1}).gt(0.5).castTo(x.dataType());
            m.fit(x, y);
            assertThat(clip.lastNorm()).as("norm before clipping").isGreaterThan(1.0);
            assertThat(seen[0]).as("norm after clipping").isCloseTo(1.0, within(1e-4));
        }
        assertThatThrownBy(() -> new GradientClipping(0)).hasMessageContaining("maxNorm must be > 0, got 0");
    }

    @Test
    void gradientClippingLeavesBatchNormRunningStatisticsAlone() {
        // regression: clipping scaled the running-statistic updates too (DL4J passes them through the gradient
        // view), so the running mean/var stayed near 0/1 and inference outputs were mostly foreground
        Recipe r = TinyData.recipe();
        org.nd4j.linalg.api.rng.Random rng = Nd4j.getRandomFactory().getNewRandomInstance(5);
        INDArray x = Nd4j.rand(rng, 2, 32, 32, 3).muli(4).addi(3);
        INDArray y = Nd4j.rand(rng, 2, 32, 32, 1).gt(0.5).castTo(x.dataType());
        INDArray[] stats = new INDArray[2];
        GradientClipping clip = new GradientClipping(1e-3);
        for (int run = 0; run < 2; run++) {
            try (SegmentationModel m = ModelFactory.create(r)) {
                org.deeplearning4j.nn.graph.ComputationGraph g = m.graph();
                if (run == 1) {
                    g.setListeners(clip);
                }
                for (int i = 0; i < 20; i++) {
                    g.setLearningRate(1e-9); // weights (nearly) fixed: only the running statistics move
                    m.fit(x, y);
                }
                INDArray mean = g.getLayer("encoder.stages.0.0.1").getParam("mean").dup();
                INDArray var = g.getLayer("encoder.stages.0.0.1").getParam("var").dup();
                stats[run] = Nd4j.concat(0, mean.reshape(-1), var.reshape(-1));
                assertThat(GradientClipping.runningStatistics(g)).isNotEmpty().hasSize(2 * g.getLayers().length - 2 * (int) java.util.Arrays.stream(g.getLayers()).filter(l -> !(l.conf().getLayer() instanceof org.deeplearning4j.nn.conf.layers.BatchNormalization)).count());
            }
        }
        assertThat(clip.lastNorm()).as("clipping was active").isGreaterThan(1e-3);
        // the running statistics moved far from their initial 0 / 1 and clipping did not change them
        assertThat(stats[0].get(org.nd4j.linalg.indexing.NDArrayIndex.interval(0, 8)).amaxNumber().doubleValue())
                .isGreaterThan(0.5);
        assertThat(stats[1].sub(stats[0]).amaxNumber().doubleValue()).as("max |clipped - unclipped running stat|")
                .isLessThan(1e-3);
    }
}
