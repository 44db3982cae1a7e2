package io.github.hubmapseg.pipeline.infer;

import java.nio.file.Path;
import java.util.Objects;

/**
 * Where and how the combined probabilities of each slide are written as a pyramidal OME-TIFF, from the same pass
 * as the mask: {@code dir/<id>.ome.tif}.
 *
 * @param dir      the folder
 * @param format   uint8 ({@code round(255 p)}) or float32
 * @param tileSize TIFF tile side, a positive multiple of 16 up to 4096
 */
public record ProbabilityTiffOutput(Path dir, PyramidTiffSink.Format format, int tileSize) {
    /** Validates. */
    public ProbabilityTiffOutput {
        Objects.requireNonNull(dir, "dir");
        Objects.requireNonNull(format, "format");
        if (tileSize <= 0 || tileSize % 16 != 0 || tileSize > 4096) {
            throw new IllegalArgumentException("TIFF tile size must be a positive multiple of 16 up to 4096, got "
                    + tileSize);
        }
    }

    /** @return the file of a slide */
    public Path file(String id) {
        return dir.resolve(id + ".ome.tif");
    }
}
