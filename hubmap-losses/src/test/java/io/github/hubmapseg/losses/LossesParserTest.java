package io.github.hubmapseg.losses;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class LossesParserTest {

    @Test
    void parsesNamesSumsAndWeights() {
        assertThat(Losses.parse("dice")).isEqualTo(new SoftDice(1.0, false));
        assertThat(Losses.parse("soft_dice_per_image")).isEqualTo(new SoftDice(1.0, true));
        assertThat(Losses.parse("lovasz")).isEqualTo(new LovaszHinge(true));
        assertThat(Losses.parse("lovasz_hinge_batch")).isEqualTo(new LovaszHinge(false));
        assertThat(Losses.parse("focal_gamma2_alpha0.25")).isEqualTo(new Focal(2, 0.25));
        assertThat(Losses.parse("BCE_with_logits")).isEqualTo(BceWithLogits.plain());
        assertThat(Losses.parse("bce+lovasz")).isEqualTo(Losses.sum(Losses.bce(), Losses.lovasz()));
        assertThat(Losses.parse(" 0.5 * bce + 0.5*dice ")).isEqualTo(
                Losses.sum(new double[] {0.5, 0.5}, Losses.bce(), Losses.dice()));
        assertThat(Losses.parse("focal(gamma=1.5,alpha=0.25)+1e-1*dice(per_image=true,smooth=0)")).isEqualTo(
                Losses.sum(new double[] {1, 0.1}, new Focal(1.5, 0.25), new SoftDice(0, true)));
        assertThat(Losses.parse("2*bce")).isEqualTo(Losses.sum(new double[] {2}, Losses.bce()));
    }

    /** "ce" of the binary write-ups: a two-class softmax cross-entropy on (0, z), computed here, equals BCE on z. */
    @Test
    void crossEntropyOfTwoClassesIsBce() {
        BatchShape s = BatchShape.of(1, 2, 3);
        double[] z = {0.3, -1.7, 2.2, 0.0, -0.4, 5.0};
        double[] y = {1, 0, 1, 1, 0, 0};
        double ce = 0;
        for (int i = 0; i < z.length; i++) {
            double logSumExp = Math.log(Math.exp(0) + Math.exp(z[i]));
            ce += -(y[i] == 1 ? z[i] : 0) + logSumExp;
        }
        ce /= z.length;
        assertThat(Losses.parse("ce").value(s, z, y)).isCloseTo(ce, org.assertj.core.data.Offset.offset(1e-12));
        assertThat(Losses.parse("dice+cross_entropy")).isEqualTo(Losses.parse("dice+bce"));
    }

    @Test
    void namesRoundTrip() {
        for (String spec : new String[] {"bce", "bce(pos_weight=2,smoothing=0.1)", "dice", "dice_per_image",
                "dice(smooth=0.5)", "lovasz", "lovasz_batch", "focal", "focal(gamma=2,alpha=0.25)", "bce+lovasz",
                "0.5*bce+0.5*dice"}) {
            SegLoss l = Losses.parse(spec);
            assertThat(Losses.parse(l.name())).as(spec).isEqualTo(l);
        }
    }

    @Test
    void weightedSumIsTheSumOfItsTerms() {
        BatchShape s = BatchShape.of(2, 3, 3);
        double[] x = {0.3, -1, 2, 0.5, -0.2, 1.1, -2, 0.7, 0.1, 1, -1, 0.4, 0.9, -0.6, 0.2, 3, -3, 0.05};
        double[] y = {1, 0, 1, 0, 0, 1, 0, 1, 0, 1, 0, 0, 1, 0, 1, 1, 0, 0};
        double want = 0.5 * Losses.bce().value(s, x, y) + 0.5 * Losses.dice().value(s, x, y);
        assertThat(Losses.parse("0.5*bce+0.5*dice").value(s, x, y)).isCloseTo(want,
                org.assertj.core.data.Offset.offset(1e-15));
    }

    @Test
    void wrongNamesListTheValidOnes() {
        assertThatThrownBy(() -> Losses.parse("bce+lovaz"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("unknown loss 'lovaz' in 'bce+lovaz'; valid names: [")
                .hasMessageContaining("lovasz").hasMessageContaining("dice").hasMessageContaining("focal");
        assertThatThrownBy(() -> Losses.parse("focal(beta=2)"))
                .hasMessageContaining("unknown parameter 'beta' of loss 'focal'").hasMessageContaining("[gamma, alpha]");
        assertThatThrownBy(() -> Losses.parse("x*bce")).hasMessageContaining("bad weight 'x'");
        assertThatThrownBy(() -> Losses.parse("bce++dice")).hasMessageContaining("empty term");
        assertThatThrownBy(() -> Losses.parse("")).hasMessageContaining("valid names");
        assertThatThrownBy(() -> Losses.parse("dice(smooth=abc)")).hasMessageContaining("must be a number, got 'abc'");
        assertThatThrownBy(() -> Losses.parse("dice(smooth=1")).hasMessageContaining("unbalanced");
        assertThat(Losses.names()).contains("bce", "dice", "lovasz", "focal", "bce_with_logits", "soft_dice_batch",
                "soft_dice_per_image", "lovasz_hinge_per_image", "lovasz_hinge_batch", "focal_gamma2",
                "focal_gamma2_alpha0.25");
    }
}
