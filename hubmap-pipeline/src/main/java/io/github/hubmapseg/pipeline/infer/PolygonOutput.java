package io.github.hubmapseg.pipeline.infer;

import io.github.hubmapseg.core.geom.GeoJsonOptions;
import java.nio.file.Path;
import java.util.Objects;

/**
 * Where and how the predicted glomeruli are written as polygons: {@code dir/<id>.geojson} per slide
 * ({@link io.github.hubmapseg.core.geom.GeoJsonWriter}), from the same inference pass as the RLE.
 *
 * @param dir      output folder
 * @param options  QuPath feature fields
 * @param simplify topology-preserving simplification tolerance in level-0 pixels (0 = exact outline)
 */
public record PolygonOutput(Path dir, GeoJsonOptions options, double simplify) {

    /** Default simplification tolerance: half a pixel (Dice >= 0.999 against the mask, see docs/viewing.md). */
    public static final double DEFAULT_SIMPLIFY = 0.5;

    /** Validates. */
    public PolygonOutput {
        Objects.requireNonNull(dir, "dir");
        Objects.requireNonNull(options, "options");
        if (!(simplify >= 0) || Double.isInfinite(simplify)) {
            throw new IllegalArgumentException("simplify must be >= 0 pixels, got " + simplify);
        }
    }

    /** The file of one slide. */
    public Path file(String id) {
        return dir.resolve(id + ".geojson");
    }
}
