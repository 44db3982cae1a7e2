package io.github.hubmapseg.core.slide;

import java.io.IOException;
import java.nio.file.Path;
import java.util.Objects;

/**
 * Static helpers for {@link ImageSource}s: opening slide files.
 *
 * <pre>{@code
 * try (ImageSource slide = ImageSources.open(Path.of("aaa6a05cc.tiff"))) {
 *     ArrayImg<UnsignedByteType, ByteArray> tile = slide.read(FinalInterval.createMinSize(x, y, 1024, 1024));
 *     ArrayImg<UnsignedByteType, ByteArray> quarter = slide.read(FinalInterval.createMinSize(x, y, 4096, 4096), 4);
 * }
 * }</pre>
 */
public final class ImageSources {

    /**
     * Default limit of pixels per slide, 2^32 (4.3 gigapixels; the competition's largest slide has 1.6): a
     * header declaring more is refused when opened, before anything is sized from it.
     */
    public static final long DEFAULT_MAX_PIXELS = 1L << 32;

    /** System property that overrides {@link #DEFAULT_MAX_PIXELS} for {@link #open(Path)}. */
    public static final String MAX_PIXELS_PROPERTY = "hubmap.slide.maxPixels";

    private ImageSources() {
    }

    /** The pixel limit {@link #open(Path)} applies: the system property {@value #MAX_PIXELS_PROPERTY}, or the default. */
    public static long maxPixels() {
        String v = System.getProperty(MAX_PIXELS_PROPERTY);
        if (v == null || v.isBlank()) {
            return DEFAULT_MAX_PIXELS;
        }
        try {
            long n = Long.parseLong(v.strip());
            if (n >= 1) {
                return n;
            }
        } catch (NumberFormatException ignored) {
            // reported below
        }
        throw new IllegalArgumentException("system property " + MAX_PIXELS_PROPERTY
                + " must be a positive integer (pixels per slide), got '" + v + "'");
    }

    /**
     * Opens a slide file for region reading, refusing one with more than {@code maxPixels} pixels.
     *
     * @see #open(Path)
     */
    public static ImageSource open(Path file, long maxPixels) throws IOException {
        Objects.requireNonNull(file, "file");
        return TiffImageSource.open(file, maxPixels);
    }

    /**
     * Opens a slide file for region reading. TIFF and BigTIFF in any layout the competition shipped
     * (see {@code TiffImageSource}); the reader behind it is chosen from the file, never by the caller. A slide
     * of more than {@link #maxPixels()} pixels is refused.
     *
     * @param file the slide
     * @return an open source (close it); thread-safe for reads
     * @throws java.nio.file.NoSuchFileException if the file does not exist
     * @throws IOException if the file is not a readable, supported TIFF (the message says why)
     */
    public static ImageSource open(Path file) throws IOException {
        Objects.requireNonNull(file, "file");
        return TiffImageSource.open(file);
    }
}
