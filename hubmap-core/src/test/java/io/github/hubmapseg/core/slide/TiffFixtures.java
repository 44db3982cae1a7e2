package io.github.hubmapseg.core.slide;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URISyntaxException;
import java.net.URL;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The committed TIFF fixtures of src/test/resources/tiff, written by tifffile and libtiff's tiffcp
 * (src/test/python/make_tiff_fixtures.py), and the pixel formula they were written with.
 */
final class TiffFixtures {

    private TiffFixtures() {
    }

    /** Width x height of the "big" fixtures (301 x 233) and the "small" ones (173 x 99). */
    static final long[] BIG = {301, 233};
    static final long[] SMALL = {173, 99};

    /** The formula of make_tiff_fixtures.py: (3x + 7y + 85c + (x xor y) mod 13) mod 256. */
    static int value(long x, long y, int c) {
        return (int) ((3 * x + 7 * y + 85L * c + (x ^ y) % 13) % 256);
    }

    static Path path(String name) {
        URL url = TiffFixtures.class.getResource("/tiff/" + name);
        if (url == null) {
            throw new IllegalStateException("missing test fixture tiff/" + name);
        }
        try {
            return Path.of(url.toURI());
        } catch (URISyntaxException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Channel-planar bytes of libtiff's decoding of a JPEG fixture (the .libtiff.raw next to it). */
    static byte[] libtiffReference(String tifName) {
        try {
            return Files.readAllBytes(path(tifName.replace(".tif", ".libtiff.raw")));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
