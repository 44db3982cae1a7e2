package io.github.hubmapseg.pipeline.pseudo;

import io.github.hubmapseg.core.rle.RleRuns;
import java.util.Objects;

/**
 * One slide's pseudo-label, full resolution, as runs (Kaggle RLE convention: column-major, 1-based starts
 * when formatted): the mask at the ensemble threshold and the region of uncertain pixels (probability
 * strictly between the low and high thresholds, or a TTA standard deviation above the limit).
 *
 * @param id        slide id
 * @param mask      pseudo mask ({@code p >= threshold})
 * @param uncertain uncertain pixels, same shape
 */
public record PseudoLabel(String id, RleRuns mask, RleRuns uncertain) {
    /** Validates the shapes. */
    public PseudoLabel {
        Objects.requireNonNull(id, "id");
        Objects.requireNonNull(mask, "mask");
        Objects.requireNonNull(uncertain, "uncertain");
        if (mask.width() != uncertain.width() || mask.height() != uncertain.height()) {
            throw new IllegalArgumentException("mask " + mask.width() + "x" + mask.height() + " and uncertain region "
                    + uncertain.width() + "x" + uncertain.height() + " must have the same size");
        }
    }

    /** @return the share of the slide's pixels that are uncertain */
    public double uncertainFraction() {
        return uncertain.area() / ((double) mask.width() * mask.height());
    }
}
