package io.github.hubmapseg.losses;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.Random;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/** Contract suite for every loss: analytic gradient = central finite differences on random unseen inputs. */
class GradientCheckTest {

    static Stream<String> specs() {
        return Stream.of("bce", "bce(pos_weight=3,smoothing=0.1)", "dice", "dice_per_image", "dice(smooth=0.5)",
                "lovasz", "lovasz_batch", "focal", "focal(gamma=2,alpha=0.25)", "focal(gamma=1.5,alpha=0.7)",
                "bce+lovasz", "0.5*bce+0.5*dice", "0.3*focal+dice_per_image+2*lovasz_batch");
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("specs")
    void gradientMatchesFiniteDifferences(String spec) {
        SegLoss loss = Losses.parse(spec);
        Random rnd = new Random(spec.hashCode());
        for (BatchShape shape : List.of(BatchShape.of(3, 5, 4), BatchShape.of(1, 9, 11), BatchShape.of(2, 12, 12))) {
            double[] x = new double[shape.size()];
            double[] y = new double[shape.size()];
            for (int i = 0; i < x.length; i++) {
                x[i] = rnd.nextGaussian() * 2;
                y[i] = rnd.nextDouble() < 0.35 ? 1 : 0;
            }
            double[] g = new double[x.length];
            double v = loss.valueAndGradient(shape, x, y, g);
            assertThat(v).isFinite();
            double h = 1e-6;
            for (int i = 0; i < x.length; i++) {
                double xi = x[i];
                x[i] = xi + h;
                double up = loss.value(shape, x, y);
                x[i] = xi - h;
                double down = loss.value(shape, x, y);
                x[i] = xi;
                double fd = (up - down) / (2 * h);
                assertThat(g[i]).as("%s %s d/dx[%d]", spec, shape, i).isCloseTo(fd,
                        org.assertj.core.data.Offset.offset(1e-6 + 1e-5 * Math.abs(fd)));
            }
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("specs")
    void float32PathMatchesDoubleAtFloatTolerance(String spec) {
        SegLoss loss = Losses.parse(spec);
        Random rnd = new Random(~spec.hashCode());
        BatchShape shape = BatchShape.of(2, 32, 24);
        float[] xf = new float[shape.size()];
        float[] yf = new float[shape.size()];
        double[] xd = new double[shape.size()];
        double[] yd = new double[shape.size()];
        for (int i = 0; i < xf.length; i++) {
            xd[i] = rnd.nextGaussian() * 3;
            xf[i] = (float) xd[i];
            yf[i] = rnd.nextDouble() < 0.3 ? 1f : 0f;
            yd[i] = yf[i];
        }
        float[] gf = new float[xf.length];
        double[] gd = new double[xd.length];
        double vf = loss.valueAndGradient(shape, xf, yf, gf);
        double vd = loss.valueAndGradient(shape, xd, yd, gd);
        assertThat(loss.value(shape, xf, yf)).isEqualTo(vf);
        assertThat(vf).isCloseTo(vd, org.assertj.core.data.Offset.offset(1e-5 * Math.max(1, Math.abs(vd))));
        double gmax = 0;
        for (double v : gd) {
            gmax = Math.max(gmax, Math.abs(v));
        }
        for (int i = 0; i < gf.length; i++) {
            assertThat((double) gf[i]).as("grad[%d]", i)
                    .isCloseTo(gd[i], org.assertj.core.data.Offset.offset(1e-5 * gmax + 1e-6 * Math.abs(gd[i])));
        }
    }
}
