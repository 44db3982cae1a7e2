package io.github.hubmapseg.core.slide;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;

/**
 * Every TIFF layout of the fixtures passes the {@link ImageSourceContract}, every pixel compared with the
 * formula the independent writer used; each nested class also checks the layout and the reader chosen.
 */
class TiffImageSourceContractTest {

    /** A fixture whose pixels follow {@link TiffFixtures#value} for channels {@code firstChannel..}. */
    abstract static class Fixture extends ImageSourceContract {
        final String name;
        final long[] size;
        final int channels;
        final int firstChannel;

        Fixture(String name, long[] size) {
            this(name, size, 3, 0);
        }

        Fixture(String name, long[] size, int channels, int firstChannel) {
            this.name = name;
            this.size = size;
            this.channels = channels;
            this.firstChannel = firstChannel;
        }

        @Override
        protected ImageSource open() throws IOException {
            return ImageSources.open(TiffFixtures.path(name));
        }

        @Override
        protected int expected(long x, long y, int c) {
            return TiffFixtures.value(x, y, c + firstChannel);
        }

        @Override
        protected long[] expectedShape() {
            return new long[] {size[0], size[1], channels};
        }

        /** Asserts planar, tiled, block size, compression, BigTIFF and the reader chosen. */
        void assertLayout(boolean planar, boolean tiled, long bw, long bh, String compression, boolean bigTiff,
                          String reader) {
            SlideInfo i = source.info();
            assertThat(i.planar()).as("planar").isEqualTo(planar);
            assertThat(i.tiled()).as("tiled").isEqualTo(tiled);
            assertThat(new long[] {i.blockWidth(), i.blockHeight()}).as("block").containsExactly(bw, bh);
            assertThat(i.compression()).isEqualTo(compression);
            assertThat(i.bigTiff()).as("bigTiff").isEqualTo(bigTiff);
            assertThat(i.reader()).isEqualTo(reader);
        }
    }

    /** A lossy (JPEG) fixture compared with libtiff's own decoding. */
    abstract static class JpegFixture extends Fixture {
        final byte[] reference;

        JpegFixture(String name) {
            super(name, TiffFixtures.SMALL);
            reference = TiffFixtures.libtiffReference(name);
        }

        @Override
        protected int expected(long x, long y, int c) {
            return reference[(int) (x + size[0] * (y + size[1] * c))] & 0xFF;
        }

        @Override
        protected int tolerance() {
            // two JPEG decoders (libjpeg in libtiff, the JDK's in algart-tiff) differ by IDCT rounding
            return 3;
        }
    }

    @Nested
    class RgbTiled128 extends Fixture {
        RgbTiled128() {
            super("rgb_tiled128.tif", TiffFixtures.BIG);
        }

        @Test
        void layout() {
            assertLayout(false, true, 128, 128, "none", false, "uncompressed");
        }
    }

    @Nested
    class RgbTiled256Deflate extends Fixture {
        RgbTiled256Deflate() {
            super("rgb_tiled256_deflate.tif", TiffFixtures.BIG);
        }

        @Test
        void layout() {
            assertLayout(false, true, 256, 256, "deflate", false, "algart-tiff");
        }
    }

    @Nested
    class RgbStrips16 extends Fixture {
        RgbStrips16() {
            super("rgb_strips16.tif", TiffFixtures.BIG);
        }

        @Test
        void layout() {
            assertLayout(false, false, 301, 16, "none", false, "uncompressed");
        }
    }

    @Nested
    class RgbOneStrip extends Fixture {
        RgbOneStrip() {
            super("rgb_onestrip.tif", TiffFixtures.BIG);
        }

        @Test
        void layout() {
            assertLayout(false, false, 301, 233, "none", false, "uncompressed");
        }
    }

    @Nested
    class RgbStrips16Deflate extends Fixture {
        RgbStrips16Deflate() {
            super("rgb_strips16_deflate.tif", TiffFixtures.SMALL);
        }

        @Test
        void layout() {
            assertLayout(false, false, 173, 16, "deflate", false, "algart-tiff");
        }
    }

    @Nested
    class RgbStrips16Lzw extends Fixture {
        RgbStrips16Lzw() {
            super("rgb_strips16_lzw.tif", TiffFixtures.BIG);
        }

        @Test
        void layout() {
            assertLayout(false, false, 301, 16, "lzw", false, "algart-tiff");
        }
    }

    @Nested
    class RgbTiled64LzwPredictor extends Fixture {
        RgbTiled64LzwPredictor() {
            super("rgb_tiled64_lzw_predictor.tif", TiffFixtures.BIG);
        }

        @Test
        void layout() {
            assertLayout(false, true, 64, 64, "lzw", false, "algart-tiff");
        }
    }

    @Nested
    class RgbStrips16PackBits extends Fixture {
        RgbStrips16PackBits() {
            super("rgb_strips16_packbits.tif", TiffFixtures.SMALL);
        }

        @Test
        void layout() {
            assertLayout(false, false, 173, 16, "packbits", false, "algart-tiff");
        }
    }

    @Nested
    class RgbBigTiffTiled64 extends Fixture {
        RgbBigTiffTiled64() {
            super("rgb_bigtiff_tiled64.tif", TiffFixtures.SMALL);
        }

        @Test
        void layout() {
            assertLayout(false, true, 64, 64, "none", true, "uncompressed");
        }
    }

    @Nested
    class RgbBigTiffStrips7 extends Fixture {
        RgbBigTiffStrips7() {
            super("rgb_bigtiff_strips7.tif", TiffFixtures.SMALL);
        }

        @Test
        void layout() {
            assertLayout(false, false, 173, 7, "none", true, "uncompressed");
        }
    }

    @Nested
    class RgbBigEndianStrips16 extends Fixture {
        RgbBigEndianStrips16() {
            super("rgb_bigendian_strips16.tif", TiffFixtures.SMALL);
        }

        @Test
        void layout() {
            assertLayout(false, false, 173, 16, "none", false, "uncompressed");
        }
    }

    @Nested
    class PlanarTiled64 extends Fixture {
        PlanarTiled64() {
            super("planar_tiled64.tif", TiffFixtures.SMALL);
        }

        @Test
        void layout() {
            assertLayout(true, true, 64, 64, "none", false, "uncompressed");
        }
    }

    @Nested
    class PlanarStrips16 extends Fixture {
        PlanarStrips16() {
            super("planar_strips16.tif", TiffFixtures.SMALL);
        }

        @Test
        void layout() {
            assertLayout(true, false, 173, 16, "none", false, "uncompressed");
        }
    }

    @Nested
    class PlanarTiled64Deflate extends Fixture {
        PlanarTiled64Deflate() {
            super("planar_tiled64_deflate.tif", TiffFixtures.SMALL);
        }

        @Test
        void layout() {
            assertLayout(true, true, 64, 64, "deflate", false, "algart-tiff");
        }
    }

    /** tifffile.imwrite of shape (1, 1, 3, H, W): one page, 3 planar samples, one strip per plane. */
    @Nested
    class Shape5d extends Fixture {
        Shape5d() {
            super("shape5d.tif", TiffFixtures.SMALL);
        }

        @Test
        void layout() {
            assertLayout(true, false, 173, 99, "none", false, "uncompressed");
        }
    }

    /** The same shape as OME-TIFF: three one-sample pages, which become the three channels. */
    @Nested
    class Shape5dOme extends Fixture {
        Shape5dOme() {
            super("shape5d_ome.tif", TiffFixtures.SMALL);
        }

        @Test
        void layout() {
            assertLayout(true, false, 173, 99, "none", false, "uncompressed (3 pages as channels)");
        }
    }

    @Nested
    class GrayStrips16 extends Fixture {
        GrayStrips16() {
            super("gray_strips16.tif", TiffFixtures.SMALL, 1, 1);
        }

        @Test
        void layout() {
            assertLayout(false, false, 173, 16, "none", false, "uncompressed");
        }
    }

    @Nested
    class RgbTiled64Jpeg extends JpegFixture {
        RgbTiled64Jpeg() {
            super("rgb_tiled64_jpeg.tif");
        }

        @Test
        void layout() {
            assertLayout(false, true, 64, 64, "jpeg", false, "algart-tiff");
        }
    }

    @Nested
    class RgbStrips16JpegYCbCr extends JpegFixture {
        RgbStrips16JpegYCbCr() {
            super("rgb_strips16_jpeg_ycbcr.tif");
        }

        @Test
        void layout() {
            assertLayout(false, false, 173, 16, "jpeg", false, "algart-tiff");
        }
    }
}
