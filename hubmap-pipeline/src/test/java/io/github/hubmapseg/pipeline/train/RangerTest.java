package io.github.hubmapseg.pipeline.train;

import io.github.hubmapseg.testkit.ExternalTools;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.github.hubmapseg.models.SegmentationModel;
import io.github.hubmapseg.pipeline.TinyData;
import io.github.hubmapseg.pipeline.config.Recipe;
import io.github.hubmapseg.pipeline.config.Recipes;
import io.github.hubmapseg.pipeline.data.CompetitionDataset;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.deeplearning4j.nn.conf.ComputationGraphConfiguration;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.layers.BaseLayer;
import org.deeplearning4j.nn.conf.layers.OutputLayer;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.learning.GradientUpdater;
import org.nd4j.linalg.lossfunctions.LossFunctions;

class RangerTest {
    private static final Path PYTHON = ExternalTools.PYTHON3;
    private static final int N = 12;
    private static final int D = 3;
    private static final int STEPS = 20;

    /** Two configurations: Ranger's defaults, and torch's RAdam defaults with another Lookahead k / alpha. */
    private static final List<Ranger> CONFIGS = List.of(new Ranger(0.05),
            new Ranger(0.05, 0.9, 0.999, 1e-8, 5, 0.8));

    private static double[][] x;
    private static double[] y;
    private static double[] w0;
    private static double[] lrs;

    @BeforeAll
    static void problem() {
        // a fixed least-squares problem: y = x a + c + noise-like terms; params start away from the optimum
        x = new double[N][D];
        y = new double[N];
        for (int i = 0; i < N; i++) {
            for (int j = 0; j < D; j++) {
                x[i][j] = Math.sin(1.3 * i + 0.7 * j + 0.1) * (1 + 0.5 * j);
            }
            y[i] = 0.8 * x[i][0] - 1.5 * x[i][1] + 0.3 * x[i][2] + 0.4 + 0.2 * Math.cos(2.1 * i);
        }
        w0 = new double[] {0.3, 0.2, -0.4, 0.1}; // w (D values) then the bias
        lrs = new double[STEPS];
        for (int s = 0; s < STEPS; s++) {
            lrs[s] = 0.05 * (1 + 0.5 * Math.sin(0.9 * s)); // a changing LR, as the Trainer's schedule sets it
        }
    }

    /** @return per configuration, the torch parameters (w then b) after each step; null if torch is missing */
    private static List<double[][]> torch(Path dir) throws Exception {
        ExternalTools.python("python3-torch", "torch");
        Path script = Path.of("src/test/python/ranger_ref.py");
        if (!Files.exists(script)) {
            script = Path.of("hubmap-pipeline/src/test/python/ranger_ref.py");
        }
        assertThat(script).exists();
        ObjectMapper json = new ObjectMapper();
        List<double[][]> out = new ArrayList<>();
        for (Ranger c : CONFIGS) {
            Map<String, Object> in = new LinkedHashMap<>();
            in.put("x", x);
            in.put("y", y);
            in.put("w0", w0);
            in.put("lr", lrs);
            in.put("beta1", c.beta1());
            in.put("beta2", c.beta2());
            in.put("eps", c.epsilon());
            in.put("k", c.k());
            in.put("alpha", c.alpha());
            Path input = dir.resolve("in-" + out.size() + ".json");
            json.writeValue(input.toFile(), in);
            Process p = new ProcessBuilder(PYTHON.toString(), script.toString(), input.toString())
                    .redirectErrorStream(true).start();
            String text = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
            assertThat(p.waitFor(120, TimeUnit.SECONDS)).isTrue();
            assertThat(text).as("torch importable").doesNotStartWith("NO_TORCH");
            assertThat(p.exitValue()).as(text).isZero();
            JsonNode w = json.readTree(text.substring(text.lastIndexOf('\n') + 1)).get("w");
            double[][] traj = new double[STEPS][D + 1];
            for (int s = 0; s < STEPS; s++) {
                for (int j = 0; j <= D; j++) {
                    traj[s][j] = w.get(s).get(j).asDouble();
                }
            }
            out.add(traj);
        }
        return out;
    }

    /** Gradient of mean((x w + b - y)^2) with respect to (w, b). */
    private static double[] gradient(double[] p) {
        double[] g = new double[D + 1];
        for (int i = 0; i < N; i++) {
            double r = p[D] - y[i];
            for (int j = 0; j < D; j++) {
                r += x[i][j] * p[j];
            }
            for (int j = 0; j < D; j++) {
                g[j] += 2 * r * x[i][j] / N;
            }
            g[D] += 2 * r / N;
        }
        return g;
    }

    @Test
    void updaterMatchesTorchRAdamInLookahead(@TempDir Path dir) throws Exception {
        List<double[][]> ref = torch(dir);
        for (int c = 0; c < CONFIGS.size(); c++) {
            Ranger r = CONFIGS.get(c).clone();
            INDArray state = Nd4j.zeros(DataType.DOUBLE, 1, r.stateSize(D + 1));
            GradientUpdater<?> u = r.instantiate(state, true);
            double[] p = w0.clone();
            double maxDiff = 0;
            for (int s = 0; s < STEPS; s++) {
                r.setLrAndSchedule(lrs[s], null);
                INDArray g = Nd4j.createFromArray(gradient(p));
                u.applyUpdater(g, s, 0);
                double[] upd = g.toDoubleVector();
                for (int j = 0; j <= D; j++) {
                    p[j] -= upd[j];
                    maxDiff = Math.max(maxDiff, Math.abs(p[j] - ref.get(c)[s][j]));
                    assertThat(p[j]).as("config %d step %d param %d", c, s + 1, j)
                            .isCloseTo(ref.get(c)[s][j], within(1e-9));
                }
            }
            // the trajectory moved (so agreement is not trivial) and the sums of updates are in the state
            assertThat(Math.abs(p[0] - w0[0])).isGreaterThan(0.1);
            assertThat(u.getState()).containsOnlyKeys("M", "V", "S");
        }
    }

    @Test
    void dl4jGraphWithRangerMatchesTorchUnderSetLearningRate(@TempDir Path dir) throws Exception {
        List<double[][]> ref = torch(dir);
        INDArray features = Nd4j.createFromArray(x);
        INDArray labels = Nd4j.createFromArray(y).reshape(N, 1);
        for (int c = 0; c < CONFIGS.size(); c++) {
            ComputationGraphConfiguration conf = new NeuralNetConfiguration.Builder().dataType(DataType.DOUBLE)
                    .updater(CONFIGS.get(c).clone()).seed(1).graphBuilder().addInputs("in")
                    .addLayer("out", new OutputLayer.Builder(LossFunctions.LossFunction.MSE).nIn(D).nOut(1)
                            .activation(Activation.IDENTITY).build(), "in")
                    .setOutputs("out").build();
            // the configuration (with the Ranger updater) survives DL4J's JSON round trip
            assertThat(ComputationGraphConfiguration.fromJson(conf.toJson())).isEqualTo(conf);
            ComputationGraph g = new ComputationGraph(conf);
            g.init();
            g.getLayer("out").setParam("W", Nd4j.createFromArray(new double[][] {{w0[0]}, {w0[1]}, {w0[2]}}));
            g.getLayer("out").setParam("b", Nd4j.createFromArray(new double[][] {{w0[3]}}));
            for (int s = 0; s < STEPS; s++) {
                g.setLearningRate(lrs[s]); // rebuilds the updater blocks: the state must survive it
                g.fit(new DataSet(features, labels));
                double[] w = g.getLayer("out").getParam("W").toDoubleVector();
                double b = g.getLayer("out").getParam("b").getDouble(0);
                for (int j = 0; j < D; j++) {
                    assertThat(w[j]).as("config %d step %d W[%d]", c, s + 1, j)
                            .isCloseTo(ref.get(c)[s][j], within(1e-6));
                }
                assertThat(b).as("config %d step %d b", c, s + 1).isCloseTo(ref.get(c)[s][D], within(1e-6));
            }
            assertThat(((BaseLayer) g.getLayer("out").conf().getLayer()).getIUpdater()).isInstanceOf(Ranger.class);
            assertThat(g.getUpdater().getStateViewArray().length()).isEqualTo(3L * (D + 1));
        }
    }

    @Test
    void modelFactoryBuildsRangerAndTheLossFalls() {
        Recipe r = TinyData.recipe("train.optimizer=ranger", "train.lr.max_lr=5e-2");
        org.nd4j.linalg.api.rng.Random rng = Nd4j.getRandomFactory().getNewRandomInstance(11);
        INDArray x = Nd4j.rand(rng, 2, 32, 32, 3);
        // learnable target: foreground where the first channel is bright
        INDArray y = x.get(org.nd4j.linalg.indexing.NDArrayIndex.all(), org.nd4j.linalg.indexing.NDArrayIndex.all(),
                org.nd4j.linalg.indexing.NDArrayIndex.all(), org.nd4j.linalg.indexing.NDArrayIndex.interval(0, 1))
                .gt(0.5).castTo(x.dataType());
        try (SegmentationModel m = ModelFactory.create(r)) {
            ComputationGraph g = m.graph();
            long rangerLayers = java.util.Arrays.stream(g.getLayers())
                    .filter(l -> l.conf().getLayer() instanceof BaseLayer b && b.getIUpdater() instanceof Ranger)
                    .count();
            assertThat(rangerLayers).isGreaterThan(0);
            double first = m.fit(x, y);
            double last = first;
            for (int i = 0; i < 24; i++) {
                last = m.fit(x, y);
            }
            assertThat(last).as("loss after 25 Ranger steps (first %s)", first).isLessThan(0.9 * first);
        }
    }

    @Test
    void unknownOptimizersAreRefusedWithTheValidNames() {
        assertThatThrownBy(() -> Recipes.withOverrides(Recipes.defaultRecipe(), List.of("train.optimizer=lamb")))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("\"lamb\"")
                .hasMessageContaining("adam").hasMessageContaining("adamw").hasMessageContaining("sgd")
                .hasMessageContaining("ranger");
    }

    @Test
    void deepflash2RecipeBuildsWithRanger() {
        // the recipe that asks for ranger (its efficientnet encoder and dice+ce loss may be unavailable here)
        Recipe r = Recipes.withOverrides(Recipes.builtin("deepflash2-style"), List.of("model.encoder=tiny",
                "train.loss=bce+dice",
                "model.base_channels=4"));
        assertThat(r.train().optimizer()).isEqualTo("ranger");
        try (SegmentationModel m = ModelFactory.create(r)) {
            BaseLayer any = java.util.Arrays.stream(m.graph().getLayers()).map(l -> l.conf().getLayer())
                    .filter(l -> l instanceof BaseLayer b && b.getIUpdater() instanceof Ranger).map(l -> (BaseLayer) l)
                    .findFirst().orElseThrow();
            assertThat(any.getIUpdater().getLearningRate(0, 0)).isEqualTo(r.train().lr().maxLr());
        }
    }

    @Test
    void aScheduleDrivesTheRateAndSurvivesCloning() {
        Ranger r = Ranger.withSchedule(new org.nd4j.linalg.schedule.StepSchedule(
                org.nd4j.linalg.schedule.ScheduleType.ITERATION, 0.1, 0.5, 10));
        Ranger c = r.clone();
        assertThat(c).isEqualTo(r).isNotSameAs(r);
        assertThat(c.getLearningRate(0, 0)).isEqualTo(0.1);
        assertThat(c.getLearningRate(25, 0)).isEqualTo(0.025);
        c.setLrAndSchedule(0.3, null);
        assertThat(c.getLearningRate(25, 0)).isEqualTo(0.3);
        assertThat(r.getLearningRate(25, 0)).as("the original is unchanged").isEqualTo(0.025);
        assertThat(c).isNotEqualTo(r);
    }

    @Test
    void invalidHyperParametersAreNamed() {
        assertThatThrownBy(() -> new Ranger(1e-3, 1.0, 0.999, 1e-5, 6, 0.5)).hasMessageContaining("beta1")
                .hasMessageContaining("1.0");
        assertThatThrownBy(() -> new Ranger(1e-3, 0.9, 0.999, 1e-5, 0, 0.5)).hasMessageContaining("k must be >= 1, got 0");
        assertThatThrownBy(() -> new Ranger(1e-3, 0.9, 0.999, 1e-5, 6, 0)).hasMessageContaining("alpha");
        assertThatThrownBy(() -> new Ranger(-1)).hasMessageContaining("learningRate must be >= 0, got -1.0");
    }

    @Test
    void resumingARangerRunEqualsTheUninterruptedRun(@TempDir Path tmp) throws Exception {
        // 4 epochs x 2 steps: the Lookahead synchronisation at step 6 happens after the resume
        Recipe r = TinyData.recipe("train.optimizer=ranger", "train.epochs=4");
        try (CompetitionDataset ds = CompetitionDataset.open(TinyData.dir())) {
            String a = ds.trainIds().get(0);
            String b = ds.trainIds().get(1);
            Trainer.Result straight = Trainer.builder(r, ds, List.of(a), List.of(b), tmp.resolve("straight")).threads(1)
                    .build().train();
            Trainer.builder(r, ds, List.of(a), List.of(b), tmp.resolve("resumed")).threads(1).stopAfter(2).build()
                    .train();
            Trainer.Result resumed = Trainer.builder(r, ds, List.of(a), List.of(b), tmp.resolve("resumed")).threads(1)
                    .build().train();
            Checkpoint s = Checkpoint.load(straight.last());
            Checkpoint c = Checkpoint.load(resumed.last());
            assertThat(c.iteration()).isEqualTo(s.iteration()).isEqualTo(8);
            assertThat(c.updaterState().length()).isEqualTo(s.updaterState().length());
            assertThat(s.params().sub(c.params()).amaxNumber().doubleValue()).as("max |param difference|")
                    .isLessThan(1e-4);
            assertThat(c.updaterState().sub(s.updaterState()).amaxNumber().doubleValue()).isLessThan(1e-4);
            try (SegmentationModel fresh = ModelFactory.create(r)) {
                assertThat(fresh.graph().params().sub(s.params()).amaxNumber().doubleValue()).isGreaterThan(1e-4);
            }
        }
    }
}
