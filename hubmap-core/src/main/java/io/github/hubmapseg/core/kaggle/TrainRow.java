package io.github.hubmapseg.core.kaggle;

import java.util.Objects;

/**
 * One row of {@code train.csv} ({@code id,encoding}) or of a submission ({@code id,predicted}): a slide id and
 * the Kaggle RLE of its glomerulus mask (column-major, 1-based {@code start length} pairs; {@code ""} = empty).
 *
 * @param id       slide id (the TIFF file name without {@code .tiff})
 * @param encoding RLE string, never {@code null}
 */
public record TrainRow(String id, String encoding) {

    /** Validates the row. */
    public TrainRow {
        Objects.requireNonNull(id, "id");
        Objects.requireNonNull(encoding, "encoding");
        if (id.isEmpty()) {
            throw new IllegalArgumentException("id must not be empty");
        }
    }
}
