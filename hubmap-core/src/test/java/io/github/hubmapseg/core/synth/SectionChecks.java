package io.github.hubmapseg.core.synth;

import static org.assertj.core.api.Assertions.assertThat;

import io.github.hubmapseg.core.rle.Rle;
import io.github.hubmapseg.core.slide.AbstractImageSource;
import java.io.IOException;

/** What the tests of both profiles check alike: the mask's three forms agree, reads are independent of tiling. */
final class SectionChecks {

    private SectionChecks() {
    }

    /**
     * Rasterises the mask with the per-pixel test over every pixel (independent of the bounding-box and column code
     * paths) and asserts that {@link SyntheticSection#mask} and {@link SyntheticSection#maskRle} give the same mask.
     *
     * @return the number of mask pixels
     */
    static long maskFormsAgree(SyntheticSection s) {
        int w = s.spec().width();
        int h = s.spec().height();
        byte[] mask = new byte[w * h];
        long on = 0;
        for (int y = 0; y < h; y++) {
            for (int x = 0; x < w; x++) {
                if (s.isGlomerulus(x, y)) {
                    mask[y * w + x] = 1;
                    on++;
                }
            }
        }
        assertThat(s.mask(0, 0, w, h)).isEqualTo(mask);
        assertThat(s.maskRle()).isEqualTo(Rle.encode(mask, h, w));
        return on;
    }

    /**
     * The planar RGB of {@code [x0, x0 + w) x [y0, y0 + h)} assembled from reads of {@code pw x ph} pieces (the last
     * ones smaller), for comparison with one read of the whole region.
     */
    static byte[] readInPieces(AbstractImageSource s, long x0, long y0, int w, int h, int pw, int ph)
            throws IOException {
        byte[] pieces = new byte[w * h * 3];
        for (int py = 0; py < h; py += ph) {
            for (int px = 0; px < w; px += pw) {
                int cw = Math.min(pw, w - px);
                int ch = Math.min(ph, h - py);
                byte[] p = new byte[cw * ch * 3];
                s.readInto(x0 + px, y0 + py, cw, ch, p);
                for (int c = 0; c < 3; c++) {
                    for (int j = 0; j < ch; j++) {
                        System.arraycopy(p, cw * (j + ch * c), pieces, px + w * (py + j + h * c), cw);
                    }
                }
            }
        }
        return pieces;
    }
}
