package io.github.hubmapseg.core.kaggle;

import java.util.List;
import java.util.Objects;

/**
 * One feature of an {@code <id>-anatomical-structure.json} file: a named region ({@code "Cortex"},
 * {@code "Medulla"}, ...) and its polygons (outer rings), in full-resolution slide pixels.
 *
 * @param name     classification name as in the file
 * @param polygons the region's polygons
 */
public record AnatomicalStructure(String name, List<Polygon> polygons) {

    /** Validates and copies the list. */
    public AnatomicalStructure {
        Objects.requireNonNull(name, "name");
        polygons = List.copyOf(polygons);
    }
}
