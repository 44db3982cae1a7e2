package io.github.hubmapseg.pipeline.data;

import io.github.hubmapseg.pipeline.config.Recipe;

/**
 * Weights and resolution of deepflash2-style pdf tile sampling (seed team A, 3rd place's notebook lineage):
 * the sampling density of a slide is built on a map of {@code cell x cell} full-resolution pixels, where a
 * cell is worth {@code foreground} if it is within {@code dilation} pixels of a glomerulus, else the weight
 * of its anatomical region ({@code cortex}, {@code medulla}, or {@code other}: the background floor).
 *
 * @param foreground weight of (dilated) glomerulus cells, {@code >= 0}
 * @param cortex     weight of cortex cells, {@code >= 0}
 * @param medulla    weight of medulla cells, {@code >= 0}
 * @param other      weight of every other cell (background floor), {@code >= 0}
 * @param cell       map cell side in full-resolution pixels, {@code >= 1}
 * @param dilation   glomerulus dilation radius in full-resolution pixels, {@code >= 0}
 */
public record PdfWeights(double foreground, double cortex, double medulla, double other, int cell, int dilation) {
    /** deepflash2-like defaults: glomeruli 1, cortex 0.5, medulla 0.25, other 0, 16-pixel cells, no dilation. */
    public static final PdfWeights DEFAULT = new PdfWeights(1, 0.5, 0.25, 0, 16, 0);

    /** Validates. */
    public PdfWeights {
        check("foreground", foreground);
        check("cortex", cortex);
        check("medulla", medulla);
        check("other", other);
        if (cell < 1) {
            throw new IllegalArgumentException("pdf cell must be >= 1 pixel, got " + cell);
        }
        if (dilation < 0) {
            throw new IllegalArgumentException("pdf dilation must be >= 0 pixels, got " + dilation);
        }
    }

    private static void check(String name, double w) {
        if (!(w >= 0) || Double.isInfinite(w)) {
            throw new IllegalArgumentException("pdf " + name + " weight must be a finite number >= 0, got " + w);
        }
    }

    /** @return the weights of a recipe's {@code data} section */
    public static PdfWeights of(Recipe.Data d) {
        return new PdfWeights(d.foregroundWeight(), d.cortexWeight(), d.medullaWeight(), d.otherWeight(), d.pdfCell(),
                d.pdfDilation());
    }
}
