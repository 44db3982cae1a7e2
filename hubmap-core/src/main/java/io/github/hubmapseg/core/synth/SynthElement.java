package io.github.hubmapseg.core.synth;

import java.util.Arrays;
import java.util.EnumSet;
import java.util.Locale;
import java.util.Set;

/**
 * The switchable elements of the {@link SynthProfile#HARD hard} profile. Each can be turned off alone
 * ({@link HardSyntheticSlide.Options#without}); with all off a hard slide still has tissue, tubules, interstitium
 * and full-section healthy glomeruli of 300-600 px at a fixed stain. Sources: the list, the 3rd/4th-place
 * write-ups (outlier slide d488c759a with sclerotic glomeruli labelled; 2-class healthy/sclerotic labels) and
 * the usual appearance of PAS-stained renal cortex.
 */
public enum SynthElement {
    /** Small partial glomeruli (tangential sections: tuft or capsule only, 100-280 px across). */
    TANGENTIAL_CUTS,
    /** Glomeruli cut by the tissue edge (label clipped to the tissue). */
    EDGE_CUTS,
    /** Bowman's space collapsed (tuft touching the capsule) in about a third of the glomeruli. */
    COLLAPSED_BOWMAN,
    /** Arterioles and small arteries in cross-section: round, walled (media with nuclei), lumen. Never labelled. */
    ARTERIES,
    /** Clusters of small, nucleus-dense tubules that look like a tuft at low magnification. Never labelled. */
    TUBULE_CLUSTERS,
    /** Globally sclerotic glomeruli (pale, glassy, few nuclei); labelled only on the outlier slide. */
    SCLEROTIC,
    /** Stain hue and strength, background tint, sharpness and section thickness vary between slides. */
    STAIN_VARIATION,
    /** Out-of-focus patches (soft nuclei, washed-out contrast). */
    OUT_OF_FOCUS,
    /** Tissue folds: bands where the section overlaps itself (darker). */
    FOLDS,
    /** Air bubbles under the coverslip: dark rim, brighter inside. */
    BUBBLES,
    /** Marker pen strokes (blue, green or black). */
    PEN_MARKS,
    /** Dust specks everywhere, glass included. */
    DUST,
    /** A smooth illumination gradient across the slide. */
    BRIGHTNESS_GRADIENT,
    /** Label outlines a few pixels off the drawn glomerulus (shifted, scaled, re-traced). */
    ANNOTATION_NOISE,
    /** An occasional glomerulus (about 3 %) left out of the labels. */
    MISSED_ANNOTATIONS;

    /** @return every element */
    public static Set<SynthElement> all() {
        return EnumSet.allOf(SynthElement.class);
    }

    /**
     * @param s an element name, case-insensitive, {@code -} or {@code _} between words
     * @return the element
     */
    public static SynthElement parse(String s) {
        String k = s == null ? "" : s.strip().toUpperCase(Locale.ROOT).replace('-', '_');
        for (SynthElement e : values()) {
            if (e.name().equals(k)) {
                return e;
            }
        }
        throw new IllegalArgumentException("unknown synthetic element '" + s + "', expected one of "
                + Arrays.stream(values()).map(e -> e.name().toLowerCase(Locale.ROOT).replace('_', '-')).toList());
    }
}
