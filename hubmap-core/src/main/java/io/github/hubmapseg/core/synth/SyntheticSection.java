package io.github.hubmapseg.core.synth;

import io.github.hubmapseg.core.kaggle.Polygon;
import io.github.hubmapseg.core.slide.ImageSource;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.List;

/**
 * A synthetic kidney section of either profile: an {@link ImageSource} generated on demand plus its ground truth
 * (glomerulus mask, polygons, cortex and medulla outlines), everything a pure function of the {@link SlideSpec}.
 */
public sealed interface SyntheticSection extends ImageSource permits SyntheticSlide, HardSyntheticSlide {

    /** @return the spec the section was generated from */
    SlideSpec spec();

    /** @return outline of the tissue */
    StarShape tissue();

    /** @return outline of the medulla */
    StarShape medulla();

    /** @return number of glomeruli in the mask (labelled ones) */
    int labelledCount();

    /** @return outlines of the labelled glomeruli as polygons of {@code n} vertices each */
    List<Polygon> glomerulusPolygons(int n);

    /** @return whether pixel {@code (x, y)} is in the glomerulus mask */
    boolean isGlomerulus(long x, long y);

    /** @return the mask of {@code [x, x + w) x [y, y + h)}, row-major, 1 = glomerulus */
    byte[] mask(long x, long y, int w, int h);

    /** Writes the Kaggle RLE of the whole mask, column by column (never rasterised). */
    void writeMaskRle(Appendable out) throws IOException;

    /**
     * @return {@code {cortex, medulla}} fractions of the tissue on a grid of every {@code step}-th pixel (both 0
     * without tissue)
     */
    default double[] regionFractions(int step) {
        long cortex = 0;
        long med = 0;
        for (long y = step / 2; y < spec().height(); y += step) {
            for (long x = step / 2; x < spec().width(); x += step) {
                if (tissue().contains(x + 0.5, y + 0.5)) {
                    if (medulla().contains(x + 0.5, y + 0.5)) {
                        med++;
                    } else {
                        cortex++;
                    }
                }
            }
        }
        long t = cortex + med;
        return t == 0 ? new double[] {0, 0} : new double[] {cortex / (double) t, med / (double) t};
    }

    /** @return the Kaggle RLE of the mask */
    default String maskRle() {
        StringBuilder sb = new StringBuilder();
        try {
            writeMaskRle(sb);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return sb.toString();
    }
}
