package io.github.hubmapseg.core.synth;

import io.github.hubmapseg.core.kaggle.Polygon;
import io.github.hubmapseg.core.slide.AbstractImageSource;
import io.github.hubmapseg.core.slide.SlideInfo;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;

/**
 * What the synthetic profiles share as image sources: the size of their {@link SlideSpec}, planar RGB read in
 * {@link #BLOCK}-pixel blocks, nothing to close; and the ground truth of a {@link SyntheticSection}, the union of
 * their {@link #labels()}.
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

    /** @return the outlines the glomerulus mask is the union of */
    abstract LabelOutlines labels();

    /** @return number of glomeruli in the mask (labelled ones) */
    public int labelledCount() {
        return labels().shapes().length;
    }

    /** @return outlines of the labelled glomeruli as polygons of {@code n} vertices each, for the glomerulus JSON */
    public List<Polygon> glomerulusPolygons(int n) {
        List<Polygon> out = new ArrayList<>();
        for (StarShape s : labels().shapes()) {
            out.add(s.polygon(n));
        }
        return out;
    }

    /** @return whether pixel {@code (x, y)} belongs to the glomerulus mask */
    public boolean isGlomerulus(long x, long y) {
        LabelOutlines l = labels();
        return ShapeMasks.contains(l.shapes(), l.clips(), l.grid(), x, y);
    }

    /**
     * The glomerulus mask of the rectangle {@code [x, x + w) x [y, y + h)}, row-major
     * ({@code mask[j * w + i]} is pixel {@code (x + i, y + j)}), 1 = glomerulus.
     */
    public byte[] mask(long x, long y, int w, int h) {
        LabelOutlines l = labels();
        return ShapeMasks.mask(l.shapes(), l.clips(), l.grid(), x, y, w, h);
    }

    /**
     * Writes the Kaggle RLE (column-major, 1-based {@code start length} pairs) of the glomerulus mask, column by
     * column from the outlines ({@link ShapeMasks#writeRle}): memory proportional to the outlines crossing a column.
     */
    public void writeMaskRle(Appendable out) throws IOException {
        LabelOutlines l = labels();
        ShapeMasks.writeRle(l.shapes(), l.clips(), spec.width(), spec.height(), out);
    }
}
