package io.github.hubmapseg.losses;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * {@code bce+jaccard} (23rd place: segmentation_models' {@code bce_jaccard_loss} = mean BCE + 1 - IoU with smooth
 * 1e-5 over the whole batch) against a float64 formula written out here, value and gradient (the gradient by
 * central differences of that formula).
 */
class SoftJaccardTest {

    /** segmentation_models: mean(bce) + 1 - (sum(g p) + s) / (sum(g) + sum(p) - sum(g p) + s), p = sigmoid. */
    private static double reference(double[] x, double[] y, int b, int n, boolean perImage) {
        double bce = 0;
        for (int i = 0; i < x.length; i++) {
            double p = 1 / (1 + Math.exp(-x[i]));
            bce -= y[i] * Math.log(p) + (1 - y[i]) * Math.log(1 - p);
        }
        bce /= x.length;
        double jac = 0;
        int groups = perImage ? b : 1;
        int len = perImage ? n : b * n;
        for (int g = 0; g < groups; g++) {
            double inter = 0;
            double sp = 0;
            double sy = 0;
            for (int i = g * len; i < (g + 1) * len; i++) {
                double p = 1 / (1 + Math.exp(-x[i]));
                inter += y[i] * p;
                sp += p;
                sy += y[i];
            }
            jac += 1 - (inter + 1e-5) / (sy + sp - inter + 1e-5);
        }
        return bce + jac / groups;
    }

    @Test
    void valueAndGradientMatchTheFormula() {
        SplittableRandom r = new SplittableRandom(5);
        int b = 3;
        int h = 5;
        int w = 4;
        double[] x = new double[b * h * w];
        double[] y = new double[x.length];
        for (int i = 0; i < x.length; i++) {
            x[i] = r.nextDouble(-4, 4);
            y[i] = i < h * w ? 0 : r.nextInt(2); // the first image has no positives
        }
        for (String spec : new String[] {"bce+jaccard", "bce+jaccard_per_image"}) {
            boolean perImage = spec.endsWith("per_image");
            SegLoss loss = Losses.parse(spec);
            BatchShape shape = new BatchShape(b, h, w);
            double[] grad = new double[x.length];
            double v = loss.valueAndGradient(shape, x, y, grad);
            assertThat(v).as(spec).isCloseTo(reference(x, y, b, h * w, perImage), within(1e-13));
            double eps = 1e-6;
            for (int i = 0; i < x.length; i++) {
                double keep = x[i];
                x[i] = keep + eps;
                double up = reference(x, y, b, h * w, perImage);
                x[i] = keep - eps;
                double down = reference(x, y, b, h * w, perImage);
                x[i] = keep;
                assertThat(grad[i]).as("%s d/dx[%d]", spec, i).isCloseTo((up - down) / (2 * eps), within(1e-8));
            }
        }
    }

    @Test
    void jaccardAloneIsZeroForAPerfectConfidentPrediction() {
        double[] x = {30, -30, 30, -30};
        double[] y = {1, 0, 1, 0};
        assertThat(Losses.parse("jaccard").value(new BatchShape(1, 2, 2), x, y)).isCloseTo(0, within(1e-12));
        assertThat(Losses.parse("jaccard").name()).isEqualTo("jaccard");
        assertThat(Losses.parse("jaccard(smooth=1)").name()).isEqualTo("jaccard(smooth=1.0)");
    }
}
