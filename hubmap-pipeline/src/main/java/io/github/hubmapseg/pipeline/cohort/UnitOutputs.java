package io.github.hubmapseg.pipeline.cohort;

import io.github.hubmapseg.core.geom.GeoJsonOptions;
import io.github.hubmapseg.core.geom.ObjectType;
import io.github.hubmapseg.pipeline.infer.PolygonOutput;
import io.github.hubmapseg.pipeline.infer.ProbabilityTiffOutput;
import io.github.hubmapseg.pipeline.infer.PyramidTiffSink;
import java.io.Serializable;
import java.nio.file.Path;
import java.util.Locale;

/**
 * What a unit writes besides its RLE row, all from the same inference pass, into its folder
 * {@code OUT/slides/<id>/}: the probability OME-TIFF {@code <id>.ome.tif}, the GeoJSON {@code <id>.geojson}, the
 * overlay {@code <id>.png}. Part of the settings digest: asking for another output redoes the slides.
 *
 * @param tiffFormat    {@code uint8} or {@code float32}, or {@code null} for no probability TIFF
 * @param tiffTile      the TIFF's tile side (a positive multiple of 16 up to 4096)
 * @param geojson       whether to write the polygons
 * @param objectType    the GeoJSON features' QuPath object type ({@code annotation} or {@code detection})
 * @param simplify      the polygons' simplification tolerance in level-0 pixels
 * @param overlaySide   the overlay PNG's longest side in pixels ({@code >= 16}), or 0 for no overlay
 */
public record UnitOutputs(String tiffFormat, int tiffTile, boolean geojson, String objectType, double simplify,
                          int overlaySide) implements Serializable {
    private static final long serialVersionUID = 1L;

    /** The RLE row only. */
    public static final UnitOutputs NONE = new UnitOutputs(null, 256, false, "annotation",
            PolygonOutput.DEFAULT_SIMPLIFY, 0);

    /** Validates, naming the value that is wrong. */
    public UnitOutputs {
        if (tiffFormat != null) {
            tiffFormat = tiffFormat.toLowerCase(Locale.ROOT);
            if (!tiffFormat.equals("uint8") && !tiffFormat.equals("float32")) {
                throw new IllegalArgumentException("probability TIFF format must be uint8 or float32, got '"
                        + tiffFormat + "'");
            }
        }
        if (tiffTile <= 0 || tiffTile % 16 != 0 || tiffTile > 4096) {
            throw new IllegalArgumentException("TIFF tile size must be a positive multiple of 16 up to 4096, got "
                    + tiffTile);
        }
        ObjectType.parse(objectType);
        if (!(simplify >= 0) || Double.isInfinite(simplify)) {
            throw new IllegalArgumentException("simplify must be >= 0 pixels, got " + simplify);
        }
        if (overlaySide != 0 && overlaySide < 16) {
            throw new IllegalArgumentException("overlay side must be 0 (none) or >= 16 pixels, got " + overlaySide);
        }
    }

    /** @return the probability TIFF output into {@code dir}, or {@code null} */
    public ProbabilityTiffOutput tiff(Path dir) {
        return tiffFormat == null ? null : new ProbabilityTiffOutput(dir, tiffFormat.equals("uint8")
                ? PyramidTiffSink.Format.UINT8 : PyramidTiffSink.Format.FLOAT32, tiffTile);
    }

    /** @return the polygon output into {@code dir}, or {@code null} */
    public PolygonOutput polygons(Path dir) {
        return geojson ? new PolygonOutput(dir, GeoJsonOptions.DEFAULT.withObjectType(ObjectType.parse(objectType)),
                simplify) : null;
    }
}
