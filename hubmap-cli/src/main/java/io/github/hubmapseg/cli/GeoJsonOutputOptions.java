package io.github.hubmapseg.cli;

import io.github.hubmapseg.core.geom.GeoJsonOptions;
import io.github.hubmapseg.core.geom.ObjectType;
import picocli.CommandLine.Option;

/** The GeoJSON polygon options shared by {@code hubmap predict --geojson} and {@code hubmap polygons}. */
final class GeoJsonOutputOptions {

    @Option(names = "--object-type", paramLabel = "annotation|detection", defaultValue = "annotation",
            description = "QuPath object type of the GeoJSON features (default: ${DEFAULT-VALUE}).")
    String objectType;

    @Option(names = "--simplify", paramLabel = "PX", defaultValue = "0.5",
            description = "Topology-preserving simplification of the GeoJSON outlines in pixels; 0 keeps the exact "
                    + "pixel outline (default: ${DEFAULT-VALUE}).")
    double simplify;

    /** @return the feature options, the object type parsed (an unknown one is refused, naming it) */
    GeoJsonOptions options() {
        return GeoJsonOptions.DEFAULT.withObjectType(ObjectType.parse(objectType));
    }

    /** @return the simplification tolerance in pixels, checked */
    double simplify() {
        if (!(simplify >= 0) || Double.isInfinite(simplify)) {
            throw new IllegalArgumentException("--simplify must be >= 0 pixels, got " + simplify);
        }
        return simplify;
    }
}
