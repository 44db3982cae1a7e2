package io.github.hubmapseg.core.synth;

import java.util.Objects;

/**
 * What defines one synthetic slide: everything else (tissue outline, cortex/medulla, glomeruli, stain) is
 * derived deterministically from the seed.
 *
 * @param id     slide id, used for file names ({@code <id>.tiff})
 * @param width  width in pixels, {@code >= 256}
 * @param height height in pixels, {@code >= 256}
 * @param seed   generator seed
 */
public record SlideSpec(String id, int width, int height, long seed) {

    /** Validates the spec. */
    public SlideSpec {
        Objects.requireNonNull(id, "id");
        if (id.isBlank() || !id.matches("[A-Za-z0-9_-]+")) {
            throw new IllegalArgumentException("id must be non-empty letters, digits, '_' or '-', got '" + id + "'");
        }
        if (width < 256 || height < 256) {
            throw new IllegalArgumentException("slide size must be at least 256 x 256, got " + width + " x " + height);
        }
    }
}
