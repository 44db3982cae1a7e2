package io.github.hubmapseg.core.synth;

import java.util.Locale;

/** Hard negatives of a hard synthetic slide: structures that look like glomeruli and are not in the mask. */
public enum Lookalike {
    /** Globally sclerotic glomeruli that are not labelled (every slide but the outlier). */
    SCLEROTIC,
    /** Arterioles and small arteries. */
    ARTERY,
    /** Clusters of small tubules. */
    TUBULE_CLUSTER;

    /** @return the name used in {@code lookalikes.csv} ({@code sclerotic}, {@code artery}, {@code tubule-cluster}) */
    public String id() {
        return name().toLowerCase(Locale.ROOT).replace('_', '-');
    }

    /** @param s an {@link #id()} @return the kind */
    public static Lookalike parse(String s) {
        for (Lookalike l : values()) {
            if (l.id().equals(s)) {
                return l;
            }
        }
        throw new IllegalArgumentException("look-alike kind must be sclerotic, artery or tubule-cluster, got '" + s
                + "'");
    }
}
