package io.github.hubmapseg.pipeline.train;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.github.hubmapseg.pipeline.config.Recipe;
import io.github.hubmapseg.pipeline.schedule.LrSchedule;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.concurrent.TimeUnit;
import org.deeplearning4j.nn.conf.ComputationGraphConfiguration;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.layers.OutputLayer;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.learning.config.Adam;
import org.nd4j.linalg.lossfunctions.LossFunctions;

/**
 * The trainer's one-cycle step (rate and Adam's beta1 set before every step, {@link Trainer#setMomentum} then
 * {@code setLearningRate}) against PyTorch 1.13: {@code Adam} + {@code OneCycleLR(cycle_momentum=True)} on the
 * same least-squares problem, parameters compared after every step. Without the momentum cycling the DL4J
 * trajectory leaves torch's (the control), so the test fails if beta1 is not cycled.
 */
class OneCycleMomentumTest {
    private static final Path PYTHON = Path.of("/usr/bin/python3");
    private static final int N = 12;
    private static final int D = 3;
    private static final int STEPS = 40;

    private static final double[][] X = new double[N][D];
    private static final double[] Y = new double[N];
    private static final double[] W0 = {0.3, 0.2, -0.4, 0.1};

    static {
        for (int i = 0; i < N; i++) {
            for (int j = 0; j < D; j++) {
                X[i][j] = Math.sin(1.3 * i + 0.7 * j + 0.1) * (1 + 0.5 * j);
            }
            Y[i] = 0.8 * X[i][0] - 1.5 * X[i][1] + 0.3 * X[i][2] + 0.4 + 0.2 * Math.cos(2.1 * i);
        }
    }

    private static Recipe.Lr lr() {
        return new Recipe.Lr("one-cycle", 0.05, 0.3, 10, 100, 0);
    }

    private static double[][] torch(Path dir) throws Exception {
        assumeTrue(Files.isExecutable(PYTHON), "skipped: /usr/bin/python3 not found (install python3-torch)");
        Recipe.Lr lr = lr();
        String script = String.format(Locale.ROOT, """
                import json, sys
                try:
                    import torch
                except ImportError:
                    print('NO_TORCH'); sys.exit(0)
                torch.set_default_dtype(torch.float64)
                x = torch.tensor(%s); y = torch.tensor(%s).reshape(-1, 1)
                lin = torch.nn.Linear(%d, 1)
                with torch.no_grad():
                    lin.weight.copy_(torch.tensor([%s])); lin.bias.copy_(torch.tensor([%s]))
                opt = torch.optim.Adam(lin.parameters(), lr=0.1, betas=(0.9, 0.999), eps=1e-8)
                s = torch.optim.lr_scheduler.OneCycleLR(opt, max_lr=%s, total_steps=%d, pct_start=%s, div_factor=%s,
                    final_div_factor=%s)
                out = []
                for i in range(%d):
                    opt.zero_grad(); loss = torch.nn.functional.mse_loss(lin(x), y); loss.backward(); opt.step()
                    if i < %d - 1: s.step()
                    out.append(lin.weight.detach().flatten().tolist() + lin.bias.detach().tolist())
                print(json.dumps(out))
                """, json(X), json(Y), D, W0[0] + ", " + W0[1] + ", " + W0[2], W0[3], lr.maxLr(), STEPS,
                lr.pctStart(), lr.divFactor(), lr.finalDivFactor(), STEPS, STEPS);
        Path file = dir.resolve("onecycle_adam.py");
        Files.writeString(file, script);
        Process p = new ProcessBuilder(PYTHON.toString(), file.toString()).redirectErrorStream(true).start();
        String text = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
        assertThat(p.waitFor(120, TimeUnit.SECONDS)).isTrue();
        assumeTrue(!text.startsWith("NO_TORCH"), "skipped: torch not importable by /usr/bin/python3 (install python3-torch)");
        assertThat(p.exitValue()).as(text).isZero();
        JsonNode all = new ObjectMapper().readTree(text.substring(text.lastIndexOf('\n') + 1));
        double[][] out = new double[STEPS][D + 1];
        for (int s = 0; s < STEPS; s++) {
            for (int j = 0; j <= D; j++) {
                out[s][j] = all.get(s).get(j).asDouble();
            }
        }
        return out;
    }

    private static String json(Object o) throws Exception {
        return new ObjectMapper().writeValueAsString(o);
    }

    /** DL4J with the trainer's per-step settings; {@code cycleMomentum=false} is the control. */
    private static double[][] dl4j(boolean cycleMomentum) {
        ComputationGraphConfiguration conf = new NeuralNetConfiguration.Builder().dataType(DataType.DOUBLE)
                .updater(new Adam(0.1, 0.9, 0.999, 1e-8)).seed(1).graphBuilder().addInputs("in")
                .addLayer("out", new OutputLayer.Builder(LossFunctions.LossFunction.MSE).nIn(D).nOut(1)
                        .activation(Activation.IDENTITY).build(), "in")
                .setOutputs("out").build();
        ComputationGraph g = new ComputationGraph(conf);
        g.init();
        g.getLayer("out").setParam("W", Nd4j.createFromArray(new double[][] {{W0[0]}, {W0[1]}, {W0[2]}}));
        g.getLayer("out").setParam("b", Nd4j.createFromArray(new double[][] {{W0[3]}}));
        LrSchedule schedule = Trainer.schedule(lr(), STEPS);
        DataSet data = new DataSet(Nd4j.createFromArray(X), Nd4j.createFromArray(Y).reshape(N, 1));
        double[][] out = new double[STEPS][D + 1];
        for (int s = 0; s < STEPS; s++) {
            if (cycleMomentum) {
                Trainer.setMomentum(g, schedule.momentum(s));
            }
            g.setLearningRate(schedule.lr(s));
            g.fit(data);
            double[] w = g.getLayer("out").getParam("W").toDoubleVector();
            System.arraycopy(w, 0, out[s], 0, D);
            out[s][D] = g.getLayer("out").getParam("b").getDouble(0);
        }
        return out;
    }

    @Test
    void adamWithCycledBeta1FollowsTorchOneCycle(@TempDir Path dir) throws Exception {
        double[][] ref = torch(dir);
        double[][] ours = dl4j(true);
        double[][] control = dl4j(false);
        double controlGap = 0;
        for (int s = 0; s < STEPS; s++) {
            for (int j = 0; j <= D; j++) {
                assertThat(ours[s][j]).as("step %d param %d", s + 1, j).isCloseTo(ref[s][j], within(1e-6));
                controlGap = Math.max(controlGap, Math.abs(control[s][j] - ref[s][j]));
            }
        }
        assertThat(Math.abs(ours[STEPS - 1][0] - W0[0])).as("the parameters moved").isGreaterThan(0.1);
        assertThat(controlGap).as("a fixed beta1 must leave torch's trajectory").isGreaterThan(1e-4);
    }

    @Test
    void momentumReachesEveryLayerOfARecipeModelAndNaNLeavesItAlone() {
        try (var m = ModelFactory.create(io.github.hubmapseg.pipeline.TinyData.recipe())) {
            ComputationGraph g = m.graph();
            Trainer.setMomentum(g, 0.87);
            long adam = 0;
            for (var l : g.getLayers()) {
                if (l.conf().getLayer() instanceof org.deeplearning4j.nn.conf.layers.BaseLayer b
                        && b.getIUpdater() instanceof Adam a) {
                    assertThat(a.getBeta1()).isEqualTo(0.87);
                    adam++;
                }
            }
            assertThat(adam).isGreaterThan(5);
            Trainer.setMomentum(g, Double.NaN);
            assertThat(((Adam) ((org.deeplearning4j.nn.conf.layers.BaseLayer) g.getLayers()[0].conf().getLayer())
                    .getIUpdater()).getBeta1()).isEqualTo(0.87);
        }
    }
}
