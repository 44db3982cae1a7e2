package io.github.hubmapseg.core.slide;

import java.io.IOException;
import net.imglib2.Interval;
import net.imglib2.img.array.ArrayImg;
import net.imglib2.img.basictypeaccess.array.ByteArray;
import net.imglib2.type.numeric.integer.UnsignedByteType;

/**
 * A readable 8-bit multi-channel image, usually one whole-slide TIFF, read region by region so that a
 * 30000 x 25000 slide is never held in memory.
 *
 * <p>Axis order of every returned image is ImgLib2's {@code (x, y, c)}: x is the column (fastest),
 * y the row, c the channel. The backing array is therefore channel-planar, row-major
 * ({@code index = x + width * (y + height * c)}), which is the layout of one NCHW tensor sample.
 * Coordinates are pixels of the full-resolution image; intervals use ImgLib2's inclusive max.
 *
 * <p>A region that lies partly or wholly outside the image is padded with {@link #fillValue()}
 * (255, white, by default: the background of a bright-field slide, and the padding the 3rd-place
 * pipeline uses for edge tiles). Implementations are {@link AutoCloseable} because they hold open files.
 */
public interface ImageSource extends AutoCloseable {

    /** Image width in pixels (number of columns). */
    long width();

    /** Image height in pixels (number of rows). */
    long height();

    /** Number of channels (3 for RGB slides). */
    int channels();

    /** Pixel value used for the parts of a requested region that fall outside the image. */
    default int fillValue() {
        return 255;
    }

    /** How the file stores its pixels (layout, compression, BigTIFF, ...). */
    SlideInfo info();

    /**
     * Reads a 2-D region at full resolution.
     *
     * @param region a 2-D interval {@code (x, y)} in image pixels, inclusive max; may extend past the image
     * @return an image of dimensions {@code (region width, region height, channels)}
     * @throws IOException if the file cannot be read or is corrupt
     * @throws IllegalArgumentException if the interval is not 2-D or is empty
     */
    ArrayImg<UnsignedByteType, ByteArray> read(Interval region) throws IOException;

    /**
     * Reads a 2-D region downsampled by an integer factor: output pixel {@code (i, j)} is the mean (rounded
     * half up) of the {@code reduce x reduce} block of full-resolution pixels starting at
     * {@code (region.min(0) + i * reduce, region.min(1) + j * reduce)}, like OpenCV's {@code INTER_AREA}
     * for integer factors. Only the full-resolution pixels under the region are read.
     *
     * @param region a 2-D interval in full-resolution pixels; its size need not be a multiple of
     *               {@code reduce} (a partial last block averages the pixels it covers, padding included)
     * @param reduce the downsampling factor, {@code >= 1}
     * @return an image of dimensions {@code (ceil(w / reduce), ceil(h / reduce), channels)}
     */
    ArrayImg<UnsignedByteType, ByteArray> read(Interval region, int reduce) throws IOException;

    @Override
    void close() throws IOException;
}
