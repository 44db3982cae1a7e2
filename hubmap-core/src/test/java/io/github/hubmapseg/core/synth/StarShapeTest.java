package io.github.hubmapseg.core.synth;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class StarShapeTest {

    private static StarShape shape(SplittableRandom r) {
        double[] amp = {0.12 * (r.nextDouble() - 0.5), 0.1 * (r.nextDouble() - 0.5), 0.08 * (r.nextDouble() - 0.5),
            0.06 * (r.nextDouble() - 0.5), 0.05 * (r.nextDouble() - 0.5)};
        double[] ph = new double[amp.length];
        for (int i = 0; i < ph.length; i++) {
            ph[i] = 6.28 * r.nextDouble();
        }
        double ra = 40 + 1500 * r.nextDouble();
        return new StarShape(2000, 1800, ra, ra * (0.6 + 0.4 * r.nextDouble()), 3 * r.nextDouble(), amp, ph);
    }

    @Test
    void classifyDiscNeverContradictsContains() {
        SplittableRandom r = new SplittableRandom(3);
        int decided = 0;
        for (int t = 0; t < 300; t++) {
            StarShape s = shape(r);
            for (int k = 0; k < 40; k++) {
                double x = s.cx() + (2 * r.nextDouble() - 1) * s.extent() * 1.3;
                double y = s.cy() + (2 * r.nextDouble() - 1) * s.extent() * 1.3;
                double half = 5 + 60 * r.nextDouble();
                int state = s.classifyDisc(x, y, half);
                if (state == 0) {
                    continue;
                }
                decided++;
                for (int q = 0; q < 60; q++) {
                    double a = 6.283185307179586 * r.nextDouble();
                    double d = half * Math.sqrt(r.nextDouble());
                    assertThat(s.contains(x + d * Math.cos(a), y + d * Math.sin(a))).isEqualTo(state > 0);
                }
            }
        }
        assertThat(decided).isGreaterThan(3000);
    }

    @Test
    void containsAgreesWithLevelAndLevelBelow() {
        SplittableRandom r = new SplittableRandom(4);
        for (int t = 0; t < 50; t++) {
            StarShape s = shape(r);
            for (int k = 0; k < 400; k++) {
                double x = s.cx() + (2 * r.nextDouble() - 1) * s.extent() * 1.3;
                double y = s.cy() + (2 * r.nextDouble() - 1) * s.extent() * 1.3;
                double level = s.level(x, y);
                if (Math.abs(level - 1) > 1e-9) {
                    assertThat(s.contains(x, y)).isEqualTo(level < 1);
                }
                if (Math.abs(level - 1.1) > 1e-9) {
                    assertThat(s.levelBelow(x, y, 1.1)).isEqualTo(level < 1.1);
                }
            }
        }
    }

    @Test
    void polygonVerticesLieOnTheBoundary() {
        StarShape s = shape(new SplittableRandom(5));
        var p = s.polygon(32);
        for (int i = 0; i < p.size(); i++) {
            assertThat(s.level(p.xs()[i], p.ys()[i])).isCloseTo(1.0, org.assertj.core.data.Offset.offset(1e-9));
        }
    }

    @Test
    void probeGivesExactlyContainsLevelAndLevelBelow() {
        SplittableRandom rnd = new SplittableRandom(5);
        StarShape s = new StarShape(100.3, 80.7, 60, 45, 0.7, new double[] {0.07, -0.04, 0.03, 0.02},
                new double[] {0.3, 1.1, 2.0, 4.0});
        int inside = 0;
        int near = 0;
        for (int k = 0; k < 200_000; k++) {
            double x = 100.3 + (rnd.nextDouble() * 2 - 1) * 90;
            double y = 80.7 + (rnd.nextDouble() * 2 - 1) * 90;
            double limit = k % 2 == 0 ? 1.13 : 1.0;
            double p = s.probe(x, y, limit);
            if (s.contains(x, y)) {
                inside++;
                assertThat(Double.doubleToLongBits(p)).isEqualTo(Double.doubleToLongBits(s.level(x, y)));
            } else if (s.levelBelow(x, y, limit)) {
                near++;
                assertThat(p).isEqualTo(StarShape.NEAR);
            } else {
                assertThat(p).isEqualTo(StarShape.FAR);
            }
        }
        assertThat(s.probe(100.3, 80.7, 1.1)).isEqualTo(s.level(100.3, 80.7));
        assertThat(inside).isGreaterThan(1000);
        assertThat(near).isGreaterThan(1000);
    }
}
