package io.github.hubmapseg.pipeline.train;

import static org.assertj.core.api.Assertions.assertThat;

import io.github.hubmapseg.pipeline.config.Recipe;
import io.github.hubmapseg.pipeline.schedule.LrSchedule;
import org.junit.jupiter.api.Test;

/** {@link Trainer#schedule(Recipe.Lr, long)} for every schedule and run length, down to a single step. */
class TrainerScheduleTest {
    @Test
    void everyScheduleWorksForAnyNumberOfSteps() {
        for (String name : new String[] {"one-cycle", "cosine", "constant"}) {
            Recipe.Lr lr = new Recipe.Lr(name, 1e-3, 0.2, 100, 1e4, 1e-6);
            for (long steps = 1; steps <= 12; steps++) {
                LrSchedule s = Trainer.schedule(lr, steps);
                for (long i = 0; i < steps; i++) {
                    double v = s.lr(i);
                    assertThat(v).as("%s, %d steps, step %d", name, steps, i).isPositive().isLessThanOrEqualTo(1e-3);
                }
            }
            assertThat(Trainer.schedule(lr, 1).lr(0)).as(name + " with a single step").isEqualTo(1e-3);
        }
    }
}
