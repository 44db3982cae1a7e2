package io.github.hubmapseg.core.geom;

import java.util.Objects;

/**
 * What a {@link GeoJsonWriter} writes into each feature's properties.
 *
 * @param objectType     QuPath object type
 * @param className      {@code classification.name}
 * @param rgb            {@code classification.color} as {@code 0xRRGGBB}
 * @param valueName      name of the mean-value measurement (e.g. {@code Mean probability})
 */
public record GeoJsonOptions(ObjectType objectType, String className, int rgb, String valueName) {

    /** Defaults: annotations of class {@code Glomerulus}, colour {@code #D01E5C}, measurement {@code Mean probability}. */
    public static final GeoJsonOptions DEFAULT = new GeoJsonOptions(ObjectType.ANNOTATION, "Glomerulus", 0xD01E5C,
            "Mean probability");

    /** Validates. */
    public GeoJsonOptions {
        Objects.requireNonNull(objectType, "objectType");
        if (className == null || className.isBlank()) {
            throw new IllegalArgumentException("className must not be blank");
        }
        if ((rgb & ~0xFFFFFF) != 0) {
            throw new IllegalArgumentException("rgb must be 0xRRGGBB, got 0x" + Integer.toHexString(rgb));
        }
        Objects.requireNonNull(valueName, "valueName");
    }

    /** The same options with another object type. */
    public GeoJsonOptions withObjectType(ObjectType t) {
        return new GeoJsonOptions(t, className, rgb, valueName);
    }
}
