package io.github.hubmapseg.tiling;

import io.github.hubmapseg.core.slide.ImageSource;
import io.github.hubmapseg.core.slide.SlideInfo;
import java.io.IOException;
import net.imglib2.FinalInterval;
import net.imglib2.Interval;
import net.imglib2.img.array.ArrayImg;
import net.imglib2.img.basictypeaccess.array.ByteArray;
import net.imglib2.type.numeric.integer.UnsignedByteType;

/**
 * A view of a slide at {@code 1 / reduce} resolution, without reading it whole: pixel {@code (i, j)} of the view
 * is the block mean ({@link ImageSource#read(Interval, int)}) of the full-resolution block starting at
 * {@code (i * reduce, j * reduce)}. Size {@code ceil(width / reduce) x ceil(height / reduce)}; a block cut by
 * the slide's right or bottom edge averages only the pixels inside the slide (never the fill value: a dark
 * edge stays dark), as OpenCV's {@code INTER_AREA} resize of the whole slide does. Reads of the view are reads of the underlying source, so it is as
 * thread-safe as the source. Closing the view does not close the source.
 */
public final class ReducedImageSource implements ImageSource {
    private final ImageSource source;
    private final int reduce;

    /**
     * @param source the full-resolution slide
     * @param reduce the factor, {@code >= 1}
     */
    public ReducedImageSource(ImageSource source, int reduce) {
        if (reduce < 1) {
            throw new IllegalArgumentException("reduce must be >= 1, got " + reduce);
        }
        this.source = source;
        this.reduce = reduce;
    }

    /** @return the factor */
    public int reduce() {
        return reduce;
    }

    @Override
    public long width() {
        return (source.width() + reduce - 1) / reduce;
    }

    @Override
    public long height() {
        return (source.height() + reduce - 1) / reduce;
    }

    @Override
    public int channels() {
        return source.channels();
    }

    @Override
    public int fillValue() {
        return source.fillValue();
    }

    @Override
    public SlideInfo info() {
        SlideInfo i = source.info();
        return new SlideInfo(width(), height(), i.channels(), i.bitsPerSample(), i.planar(), i.tiled(),
                i.blockWidth(), i.blockHeight(), i.compression(), i.bigTiff(), i.reader() + " reduced " + reduce + "x");
    }

    private Interval full(Interval region) {
        if (region.numDimensions() != 2) {
            throw new IllegalArgumentException("region must be 2-D, got " + region.numDimensions() + " dimensions");
        }
        // clipped to the slide: the source's reduced read averages a partial last block over what it covers
        return new FinalInterval(new long[] {region.min(0) * reduce, region.min(1) * reduce},
                new long[] {Math.min((region.max(0) + 1) * reduce, source.width()) - 1,
                        Math.min((region.max(1) + 1) * reduce, source.height()) - 1});
    }

    @Override
    public ArrayImg<UnsignedByteType, ByteArray> read(Interval region) throws IOException {
        return source.read(full(region), reduce);
    }

    @Override
    public ArrayImg<UnsignedByteType, ByteArray> read(Interval region, int r) throws IOException {
        if (r < 1) {
            throw new IllegalArgumentException("reduce must be >= 1, got " + r);
        }
        return source.read(full(region), Math.multiplyExact(reduce, r));
    }

    @Override
    public void close() {
    }
}
