package io.github.hubmapseg.pipeline.threshold;

/** How a probability is compared with a threshold to call a pixel foreground. */
public enum Comparison {
    /** Foreground iff {@code p >= t} (the seeds' "average >= 0.5"; the library default). */
    GREATER_OR_EQUAL,
    /** Foreground iff {@code p > t} (many Kaggle notebooks: {@code preds > th}). */
    GREATER;

    /** Whether {@code p} is foreground at threshold {@code t}. */
    public boolean test(double p, double t) {
        return this == GREATER_OR_EQUAL ? p >= t : p > t;
    }
}
