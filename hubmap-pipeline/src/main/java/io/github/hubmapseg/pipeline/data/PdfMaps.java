package io.github.hubmapseg.pipeline.data;

import io.github.hubmapseg.core.geom.Polygons;
import io.github.hubmapseg.core.kaggle.AnatomicalStructure;
import io.github.hubmapseg.core.kaggle.Polygon;
import io.github.hubmapseg.core.rle.Rle;
import io.github.hubmapseg.core.rle.RleRuns;
import io.github.hubmapseg.tiling.sample.PdfSampler;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;

/**
 * Builds the reduced-resolution maps of pdf sampling ({@link PdfWeights}) without a whole-slide array: the
 * glomerulus map is max-pooled from the mask decoded one band of {@code cell} rows at a time (a cell is
 * foreground if any of its pixels is), then dilated with a disk of {@code ceil(dilation / cell)} cells; the
 * region map rasterises the anatomical polygons at cell centres ({@link Polygons#fill}, even-odd rule): code 1 for a
 * structure named {@code Cortex}, 2 for {@code Medulla} (painted after cortex, so medulla wins), 0 elsewhere.
 * Maps are row-major {@code ceil(height / cell) x ceil(width / cell)}, one byte per cell.
 */
public final class PdfMaps {
    private PdfMaps() {
    }

    /**
     * The max-pooled, dilated glomerulus map.
     *
     * @param mask     the slide's mask runs
     * @param cell     cell side, {@code >= 1}
     * @param dilation dilation radius in full-resolution pixels, {@code >= 0}
     * @return 0/1 per cell
     */
    public static byte[] foreground(RleRuns mask, int cell, int dilation) {
        int w = mask.width();
        int h = mask.height();
        int cw = (w + cell - 1) / cell;
        int ch = (h + cell - 1) / cell;
        byte[] out = new byte[cw * ch];
        for (int cy = 0; cy < ch; cy++) {
            int y0 = cy * cell;
            int rows = Math.min(cell, h - y0);
            byte[] band = Rle.decodeWindow(mask, 0, y0, w, rows);
            for (int r = 0; r < rows; r++) {
                int base = r * w;
                for (int x = 0; x < w; x++) {
                    if (band[base + x] != 0) {
                        out[cy * cw + x / cell] = 1;
                    }
                }
            }
        }
        int rad = (dilation + cell - 1) / cell;
        return rad == 0 ? out : dilate(out, cw, ch, rad);
    }

    /** Disk dilation of a 0/1 map by {@code rad} cells. */
    static byte[] dilate(byte[] m, int w, int h, int rad) {
        byte[] out = new byte[m.length];
        int[] half = new int[rad + 1];
        for (int dy = 0; dy <= rad; dy++) {
            half[dy] = (int) Math.floor(Math.sqrt((double) rad * rad - (double) dy * dy));
        }
        for (int y = 0; y < h; y++) {
            for (int x = 0; x < w; x++) {
                if (m[y * w + x] == 0) {
                    continue;
                }
                for (int dy = -rad; dy <= rad; dy++) {
                    int yy = y + dy;
                    if (yy < 0 || yy >= h) {
                        continue;
                    }
                    int hw = half[Math.abs(dy)];
                    int x0 = Math.max(0, x - hw);
                    int x1 = Math.min(w - 1, x + hw);
                    Arrays.fill(out, yy * w + x0, yy * w + x1 + 1, (byte) 1);
                }
            }
        }
        return out;
    }

    /**
     * The region map of a slide's anatomical structures.
     *
     * @param structures the structures (names compared case-insensitively; others ignored)
     * @param width      slide width in pixels
     * @param height     slide height in pixels
     * @param cell       cell side, {@code >= 1}
     * @return 0 (other), 1 (cortex), 2 (medulla) per cell
     */
    public static byte[] regions(List<AnatomicalStructure> structures, long width, long height, int cell) {
        int cw = (int) ((width + cell - 1) / cell);
        int ch = (int) ((height + cell - 1) / cell);
        byte[] out = new byte[cw * ch];
        for (String name : new String[] {"cortex", "medulla"}) {
            byte code = (byte) (name.equals("cortex") ? 1 : 2);
            for (AnatomicalStructure s : structures) {
                if (s.name().toLowerCase(Locale.ROOT).equals(name)) {
                    for (Polygon p : s.polygons()) {
                        Polygons.fill(List.of(p), cell, out, cw, ch, code);
                    }
                }
            }
        }
        return out;
    }

    /**
     * The glomeruli of a slide as a map whose 8-connected components are its glomeruli (the mask at
     * {@code cell}-pixel cells, not dilated, so neighbouring glomeruli stay apart): {@link PdfSampler#epoch}
     * on it centres one tile in every glomerulus (deepflash2's "every glomerulus once per epoch").
     *
     * @param mask the slide's mask runs
     * @param cell cell side, {@code >= 1}
     * @return the map's sampler, or {@code null} when the slide has no glomerulus
     */
    public static PdfSampler glomeruli(RleRuns mask, int cell) {
        byte[] fg = foreground(mask, cell, 0);
        boolean any = false;
        for (byte v : fg) {
            if (v != 0) {
                any = true;
                break;
            }
        }
        if (!any) {
            return null;
        }
        int cw = (mask.width() + cell - 1) / cell;
        int ch = (mask.height() + cell - 1) / cell;
        return new PdfSampler(fg, null, cw, ch, 1, new double[] {0, 0, 0}, cell);
    }

    /**
     * The sampler of one slide. A slide without anatomical structures counts as all cortex (so that its
     * tissue is sampled); if every cell would weigh 0, every cell weighs 1 (uniform).
     *
     * @param mask       the slide's mask runs
     * @param structures its anatomical structures (may be empty)
     * @param w          the weights
     * @return the sampler
     */
    public static PdfSampler sampler(RleRuns mask, List<AnatomicalStructure> structures, PdfWeights w) {
        int cell = w.cell();
        int cw = (mask.width() + cell - 1) / cell;
        int ch = (mask.height() + cell - 1) / cell;
        byte[] fg = foreground(mask, cell, w.dilation());
        byte[] reg;
        if (structures.isEmpty()) {
            reg = new byte[cw * ch];
            Arrays.fill(reg, (byte) 1);
        } else {
            reg = regions(structures, mask.width(), mask.height(), cell);
        }
        double[] rw = {w.other(), w.cortex(), w.medulla()};
        double total = 0;
        for (int k = 0; k < fg.length; k++) {
            total += fg[k] != 0 ? w.foreground() : rw[reg[k]];
        }
        if (total == 0) {
            return new PdfSampler(fg, null, cw, ch, 1, new double[] {1, 1, 1}, cell);
        }
        return new PdfSampler(fg, reg, cw, ch, w.foreground(), rw, cell);
    }
}
