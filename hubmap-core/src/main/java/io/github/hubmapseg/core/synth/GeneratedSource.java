package io.github.hubmapseg.core.synth;

import io.github.hubmapseg.core.slide.AbstractImageSource;
import io.github.hubmapseg.core.slide.SlideInfo;

/**
 * What the synthetic profiles share as image sources: the size of their {@link SlideSpec}, planar RGB read in
 * {@link #BLOCK}-pixel blocks, nothing to close.
 */
abstract class GeneratedSource extends AbstractImageSource {

    /** Side of the blocks a read is generated in (and of the tiles {@link #info()} reports). */
    static final int BLOCK = 64;

    /** The spec the slide is generated from. */
    final SlideSpec spec;
    private final String format;

    GeneratedSource(SlideSpec spec, String format) {
        this.spec = spec;
        this.format = format;
    }

    /** @return the spec this slide was generated from */
    public SlideSpec spec() {
        return spec;
    }

    @Override
    public long width() {
        return spec.width();
    }

    @Override
    public long height() {
        return spec.height();
    }

    @Override
    public int channels() {
        return 3;
    }

    @Override
    public SlideInfo info() {
        return new SlideInfo(spec.width(), spec.height(), 3, 8, false, true, BLOCK, BLOCK, "none", false, format);
    }

    @Override
    public void close() {
    }
}
