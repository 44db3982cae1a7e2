package io.github.hubmapseg.tiling;

import io.github.hubmapseg.core.predict.Predictor;
import java.util.List;
import java.util.Objects;

/**
 * One member of an ensemble: a predictor (which declares its scale {@link Predictor#reduce()}, its halo
 * {@link Predictor#halo()} and its size divisor) plus how it is tiled: its tile size, overlap and blending at
 * its own scale, its test-time poses and its weight in the weighted mean. Members of one ensemble may differ in
 * every one of these (the 10th place averaged reduce 2, 3 and 4; team A tile sizes 512/640/768).
 *
 * @param predictor the predictor (not owned)
 * @param tile      output tile side at the member's scale, {@code > 0}
 * @param overlap   pixels shared by neighbouring tiles at the member's scale, {@code 0 <= overlap < tile}
 * @param weighting blending of overlaps
 * @param poses     test-time poses, distinct, identity alone for none
 * @param weight    weight in the weighted mean, {@code > 0}
 */
public record Member(Predictor predictor, int tile, int overlap, Weighting weighting, List<D4> poses, double weight) {

    /** Validates, naming the first value that is wrong. */
    public Member {
        Objects.requireNonNull(predictor, "predictor");
        Objects.requireNonNull(weighting, "weighting");
        if (tile <= 0) {
            throw new IllegalArgumentException("member tile size must be > 0, got " + tile);
        }
        if (overlap < 0 || overlap >= tile) {
            throw new IllegalArgumentException("member overlap must be in 0.." + (tile - 1) + " (below the tile size "
                    + tile + "), got " + overlap);
        }
        poses = List.copyOf(poses);
        Predictors.checkPoses(poses.toArray(new D4[0]), 1);
        if (!(weight > 0) || Double.isInfinite(weight)) {
            throw new IllegalArgumentException("member weight must be a finite number > 0, got " + weight);
        }
        if (predictor.reduce() < 1 || predictor.halo() < 0) {
            throw new IllegalArgumentException("predictor declares reduce " + predictor.reduce() + " and halo "
                    + predictor.halo() + "; expected reduce >= 1 and halo >= 0");
        }
    }

    /** A member with Gaussian blending, overlap of a quarter tile, no TTA and weight 1. */
    public static Member of(Predictor predictor, int tile) {
        return new Member(predictor, tile, tile / 4, Weighting.gaussian(), List.of(D4.IDENTITY), 1.0);
    }

    /** This member with another overlap. */
    public Member withOverlap(int pixels) {
        return new Member(predictor, tile, pixels, weighting, poses, weight);
    }

    /** This member with another blending. */
    public Member withWeighting(Weighting w) {
        return new Member(predictor, tile, overlap, w, poses, weight);
    }

    /** This member with other test-time poses. */
    public Member withPoses(D4... p) {
        return new Member(predictor, tile, overlap, weighting, List.of(p), weight);
    }

    /** This member with another weight. */
    public Member withWeight(double w) {
        return new Member(predictor, tile, overlap, weighting, poses, w);
    }

    /** The scale of the member (its predictor's). */
    public int reduce() {
        return predictor.reduce();
    }

    /** The expansion of the member's windows (its predictor's halo). */
    public int expansion() {
        return predictor.halo();
    }

    /** The predictor the engine calls: the member's predictor under its poses ({@link Predictors#tta}). */
    Predictor posed() {
        return Predictors.tta(predictor, poses.toArray(new D4[0]));
    }

    /** One line: {@code reduce 2, tile 256, overlap 64, expansion 32, gaussian, poses [IDENTITY, HFLIP], weight 1}. */
    public String describe() {
        return "reduce " + reduce() + ", tile " + tile + ", overlap " + overlap + ", expansion " + expansion() + ", "
                + (weighting instanceof Weighting.Mean ? "mean" : "gaussian") + " blending, poses " + poses
                + ", weight " + weight;
    }
}
