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

    private ImageSources() {
    }

    /**
     * Opens a slide file for region reading. TIFF and BigTIFF in any layout the competition shipped
     * (see {@link TiffImageSource}); the reader behind it is chosen from the file, never by the caller.
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
