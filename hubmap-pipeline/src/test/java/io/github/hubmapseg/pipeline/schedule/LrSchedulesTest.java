package io.github.hubmapseg.pipeline.schedule;

import io.github.hubmapseg.testkit.ExternalTools;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class LrSchedulesTest {

    private static final Path PYTHON = ExternalTools.PYTHON3;

    /** Configurations checked against torch: maxLr, total, pctStart, divFactor, finalDiv, cos, threePhase. */
    private static final List<OneCycleLr> CONFIGS = List.of(
            LrSchedules.thirdPlace(100),
            LrSchedules.thirdPlace(1237),
            OneCycleLr.of(3e-3, 57),
            new OneCycleLr(1e-2, 40, 0.25, 10, 100, false, false, 0.8, 0.9),
            new OneCycleLr(1e-3, 90, 0.3, 25, 1e4, true, true, 0.85, 0.95),
            new OneCycleLr(5e-4, 33, 0.45, 7.5, 3e3, false, true, 0.85, 0.95));

    @Test
    void oneCycleMatchesTorch(@TempDir Path dir) throws Exception {
        ExternalTools.python("python3-torch", "torch");
        StringBuilder py = new StringBuilder("""
                import json, sys
                try:
                    import torch
                except ImportError:
                    print('NO_TORCH'); sys.exit(0)
                out = []
                def run(max_lr, total, pct, div, fdiv, strat, three, bm, mm):
                    p = torch.nn.Parameter(torch.zeros(1))
                    opt = torch.optim.SGD([p], lr=0.1, momentum=0.9)
                    s = torch.optim.lr_scheduler.OneCycleLR(opt, max_lr=max_lr, total_steps=total, pct_start=pct,
                        div_factor=div, final_div_factor=fdiv, anneal_strategy=strat, three_phase=three,
                        base_momentum=bm, max_momentum=mm)
                    lrs, moms = [], []
                    for i in range(total):
                        lrs.append(opt.param_groups[0]['lr']); moms.append(opt.param_groups[0]['momentum'])
                        opt.step(); s.step() if i < total - 1 else None
                    out.append({'lr': lrs, 'momentum': moms})
                """);
        for (OneCycleLr c : CONFIGS) {
            py.append(String.format(java.util.Locale.ROOT, "run(%s, %d, %s, %s, %s, '%s', %s, %s, %s)%n",
                    Double.toString(c.maxLr()), c.totalSteps(), Double.toString(c.pctStart()),
                    Double.toString(c.divFactor()), Double.toString(c.finalDivFactor()), c.cosine() ? "cos" : "linear",
                    c.threePhase() ? "True" : "False", Double.toString(c.baseMomentum()),
                    Double.toString(c.maxMomentum())));
        }
        py.append("print(json.dumps(out))\n");
        Path script = dir.resolve("onecycle.py");
        Files.writeString(script, py.toString());
        Process p = new ProcessBuilder(PYTHON.toString(), script.toString()).redirectErrorStream(true).start();
        String text = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
        assertThat(p.waitFor(120, TimeUnit.SECONDS)).isTrue();
        assertThat(text).as("torch importable").doesNotStartWith("NO_TORCH");
        assertThat(p.exitValue()).as(text).isZero();
        JsonNode all = new ObjectMapper().readTree(text.substring(text.lastIndexOf('\n') + 1));
        assertThat(all.size()).isEqualTo(CONFIGS.size());
        for (int k = 0; k < CONFIGS.size(); k++) {
            OneCycleLr c = CONFIGS.get(k);
            JsonNode lr = all.get(k).get("lr");
            JsonNode mom = all.get(k).get("momentum");
            assertThat(lr.size()).isEqualTo((int) c.totalSteps());
            for (int i = 0; i < c.totalSteps(); i++) {
                double expected = lr.get(i).asDouble();
                assertThat(c.lr(i)).as("config %d step %d lr", k, i).isCloseTo(expected, within(1e-12 * c.maxLr()));
                assertThat(c.momentum(i)).as("config %d step %d momentum", k, i)
                        .isCloseTo(mom.get(i).asDouble(), within(1e-12));
            }
        }
    }

    @Test
    void oneCycleClosedFormLandmarks() {
        OneCycleLr s = LrSchedules.thirdPlace(1000);
        assertThat(s.lr(0)).isCloseTo(1e-6, within(1e-18));
        assertThat(s.lr(199)).isCloseTo(1e-4, within(1e-18)); // end of warm-up = pct*T - 1
        assertThat(s.lr(999)).isCloseTo(1e-6 / 1e4, within(1e-20));
        for (int i = 1; i < 1000; i++) {
            if (i <= 199) {
                assertThat(s.lr(i)).isGreaterThan(s.lr(i - 1));
                assertThat(s.momentum(i)).isLessThan(s.momentum(i - 1));
            } else {
                assertThat(s.lr(i)).isLessThan(s.lr(i - 1));
            }
        }
        assertThat(s.momentum(0)).isEqualTo(0.95);
        assertThat(s.momentum(199)).isCloseTo(0.85, within(1e-15));
    }

    @Test
    void cosineClosedForm() {
        CosineLr c = LrSchedules.cosine(1e-3, 1e-5, 11);
        for (int t = 0; t < 11; t++) {
            double expected = 1e-5 + (1e-3 - 1e-5) * (1 + Math.cos(Math.PI * t / 10)) / 2;
            assertThat(c.lr(t)).isCloseTo(expected, within(1e-18));
        }
        assertThat(c.lr(0)).isEqualTo(1e-3);
        assertThat(c.lr(10)).isCloseTo(1e-5, within(1e-18));
        CosineLr w = new CosineLr(1e-3, 0, 13, 3);
        assertThat(w.lr(0)).isCloseTo(0.25e-3, within(1e-18));
        assertThat(w.lr(2)).isCloseTo(0.75e-3, within(1e-18));
        assertThat(w.lr(3)).isEqualTo(1e-3);
        assertThat(w.lr(12)).isCloseTo(0, within(1e-18));
        assertThat(w.momentum(4)).isNaN();
    }

    @Test
    void constantAndTable() {
        assertThat(LrSchedules.table(LrSchedules.constant(0.5), 3)).containsExactly(0.5, 0.5, 0.5);
        assertThat(LrSchedules.table(LrSchedules.thirdPlace(10), 10)).hasSize(10);
    }

    @Test
    void badParametersAreNamed() {
        assertThatThrownBy(() -> OneCycleLr.of(-1, 10)).hasMessageContaining("maxLr").hasMessageContaining("-1");
        assertThatThrownBy(() -> LrSchedules.oneCycle(1e-3, 10, 1.5, 25)).hasMessageContaining("pctStart")
                .hasMessageContaining("1.5");
        assertThatThrownBy(() -> LrSchedules.oneCycle(1e-3, 3, 0.2, 25)).hasMessageContaining("pctStart");
        assertThatThrownBy(() -> LrSchedules.thirdPlace(100).lr(100)).hasMessageContaining("iteration")
                .hasMessageContaining("100");
        assertThatThrownBy(() -> LrSchedules.thirdPlace(100).lr(-1)).hasMessageContaining("-1");
        assertThatThrownBy(() -> LrSchedules.cosine(1e-3, 1e-2, 10)).hasMessageContaining("minLr");
        assertThatThrownBy(() -> LrSchedules.constant(0)).hasMessageContaining("lr must be");
    }
}
