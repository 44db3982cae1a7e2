package io.github.hubmapseg.pipeline.cohort;

/** Where a slide's unit stands against the current settings and input ({@link SlideUnits#status}). */
public enum UnitStatus {
    /** Done with these settings and this input: skipped. */
    DONE("done"),
    /** Never predicted (no record). */
    MISSING("not predicted yet"),
    /** Predicted with other models or settings: redone. */
    SETTINGS_CHANGED("settings changed"),
    /** The slide file changed since (size or modification time): redone. */
    INPUT_CHANGED("input changed"),
    /** The record names a file that is missing or differs, or cannot be read: redone. */
    INCOMPLETE("outputs incomplete");

    private final String text;

    UnitStatus(String text) {
        this.text = text;
    }

    /** @return a few words for logs */
    public String text() {
        return text;
    }
}
