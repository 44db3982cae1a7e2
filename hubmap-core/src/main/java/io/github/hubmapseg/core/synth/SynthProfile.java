package io.github.hubmapseg.core.synth;

import java.util.Locale;

/** Which synthetic kidney generator writes a dataset. */
public enum SynthProfile {
    /**
     * The original stylised H&amp;E slides ({@link SyntheticSlide}): small dense glomeruli that colour alone
     * separates from the tubules. Kept bit-identical for existing runs and tests.
     */
    EASY,
    /**
     * PAS-stained slides at the competition's scale with the difficulties the write-ups describe
     * ({@link HardSyntheticSlide}; every element switchable through {@link SynthElement}).
     */
    HARD;

    /**
     * @param s {@code easy} or {@code hard} (case-insensitive)
     * @return the profile
     */
    public static SynthProfile parse(String s) {
        for (SynthProfile p : values()) {
            if (p.name().equalsIgnoreCase(s == null ? "" : s.strip())) {
                return p;
            }
        }
        throw new IllegalArgumentException("profile must be easy or hard, got '" + s + "'");
    }

    /** @return the lower-case name used on the command line */
    public String id() {
        return name().toLowerCase(Locale.ROOT);
    }
}
