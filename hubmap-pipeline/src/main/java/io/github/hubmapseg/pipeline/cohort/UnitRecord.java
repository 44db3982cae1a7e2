package io.github.hubmapseg.pipeline.cohort;

import java.util.List;

/**
 * The record of a finished unit, {@code OUT/slides/<id>/unit.json}, written last (atomically) once every output
 * of the slide is in place.
 *
 * @param format    {@value SlideUnits#FORMAT}
 * @param id        the slide id
 * @param digest    the {@link CohortPredictor#digest()} it was predicted with
 * @param file      the slide file it was predicted from
 * @param size      that file's size in bytes at the start of the prediction
 * @param mtime     that file's last-modified time in milliseconds at the start of the prediction
 * @param width     slide width in pixels
 * @param height    slide height in pixels
 * @param rleSha256 SHA-256 of {@code mask.rle} (checked before the row is used)
 * @param outputs   the other files of the unit ({@code <id>.ome.tif}, {@code <id>.geojson}, {@code <id>.png})
 * @param seconds   wall time of the prediction
 * @param dice      Dice against the slide's mask when the cohort has one, else {@code null}
 */
public record UnitRecord(String format, String id, String digest, String file, long size, long mtime, long width,
                         long height, String rleSha256, List<String> outputs, double seconds, Double dice) {
    /** Validates. */
    public UnitRecord {
        outputs = outputs == null ? List.of() : List.copyOf(outputs);
    }

    /** @return the slide's pixel count */
    public long pixels() {
        return width * height;
    }
}
