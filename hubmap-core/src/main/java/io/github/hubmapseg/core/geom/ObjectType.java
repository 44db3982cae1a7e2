package io.github.hubmapseg.core.geom;

import java.util.Locale;

/** QuPath's object types for imported GeoJSON features ({@code properties.objectType}). */
public enum ObjectType {
    /** Editable annotation objects (QuPath's default for imports; one per glomerulus). */
    ANNOTATION,
    /** Lightweight detection objects (better for many thousands of objects). */
    DETECTION;

    /** The name QuPath writes and reads: {@code annotation} or {@code detection}. */
    public String jsonName() {
        return name().toLowerCase(Locale.ROOT);
    }

    /**
     * Parses {@code annotation} or {@code detection} (any case).
     *
     * @throws IllegalArgumentException naming the value and the valid ones
     */
    public static ObjectType parse(String s) {
        for (ObjectType t : values()) {
            if (t.jsonName().equalsIgnoreCase(s == null ? "" : s.trim())) {
                return t;
            }
        }
        throw new IllegalArgumentException("object type must be annotation or detection, got '" + s + "'");
    }
}
