package io.github.hubmapseg.pipeline;

import io.github.hubmapseg.core.io.ImageFiles;
import io.github.hubmapseg.core.io.AtomicFiles;
import io.github.hubmapseg.core.slide.ImageSource;
import io.github.hubmapseg.pipeline.config.Recipe;
import io.github.hubmapseg.pipeline.data.CompetitionDataset;
import io.github.hubmapseg.pipeline.data.Normalization;
import io.github.hubmapseg.pipeline.data.SlideTile;
import io.github.hubmapseg.pipeline.data.TrainingTiles;
import io.github.hubmapseg.pipeline.folds.FoldAssignment;
import java.awt.Color;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import net.imglib2.Interval;

/**
 * The tiles one training epoch of a recipe draws (what {@code hubmap tiles} prints), so that a sampler can be seen:
 * the fold's training slides ({@code cv}), the recipe's sampling with its shift, saturation filter, bins, retries
 * or pdf weights ({@link TrainingTiles#forTraining}), as regions in level-0 pixels before augmentation, with the
 * masked fraction of each tile at the recipe's reduce (what the model is shown before augmentation).
 */
public final class EpochTiles {

    /** CSV header of {@link #writeCsv}. */
    public static final String HEADER = "slide,x,y,width,height,reduce,masked_fraction";

    private EpochTiles() {
    }

    /**
     * One tile of an epoch.
     *
     * @param slide          slide id
     * @param x              left, level-0 pixels
     * @param y              top, level-0 pixels
     * @param width          width, level-0 pixels
     * @param height         height, level-0 pixels
     * @param reduce         the recipe's reduce factor
     * @param maskedFraction glomerulus share of the tile at that reduce
     */
    public record Row(String slide, long x, long y, long width, long height, int reduce, double maskedFraction) {
    }

    /**
     * The tiles of one epoch.
     *
     * @param dataset the competition folder
     * @param recipe  the recipe
     * @param fold    the fold whose training slides are sampled ({@code 0..k-1}; any value with {@code cv.split: none})
     * @param epoch   epoch number from 0
     * @return the rows, in the epoch's order
     * @throws IOException if a slide or mask cannot be read
     */
    public static List<Row> list(CompetitionDataset dataset, Recipe recipe, int fold, int epoch) throws IOException {
        if (epoch < 0) {
            throw new IllegalArgumentException("epoch must be >= 0, got " + epoch);
        }
        FoldAssignment folds = Reproduction.folds(recipe, dataset);
        if (folds.k() > 1 && (fold < 0 || fold >= folds.k())) {
            throw new IllegalArgumentException("fold must be in 0.." + (folds.k() - 1) + " for " + recipe.name()
                    + "'s " + folds.method() + " split, got " + fold);
        }
        TileFolds.Fold fo = TileFolds.fold(folds, dataset.trainIds(), Math.max(0, fold));
        List<String> ids = fo.trainIds();
        TrainingTiles tiles = TrainingTiles.forTraining(dataset, ids, recipe, Normalization.scale255(3),
                fo.trainTiles());
        List<Row> out = new ArrayList<>();
        for (SlideTile t : tiles.epoch(epoch)) {
            Interval r = t.region();
            byte[] m = dataset.maskWindow(t.slideId(), r, tiles.reduce());
            long fg = 0;
            for (byte v : m) {
                fg += v != 0 ? 1 : 0;
            }
            out.add(new Row(t.slideId(), r.min(0), r.min(1), r.dimension(0), r.dimension(1), tiles.reduce(),
                    m.length == 0 ? 0 : (double) fg / m.length));
        }
        return out;
    }

    /** Writes the rows as CSV ({@link #HEADER}), atomically. */
    public static void writeCsv(List<Row> rows, Path target) throws IOException {
        AtomicFiles.writeText(target, w -> {
            w.write(HEADER);
            w.write('\n');
            for (Row r : rows) {
                w.write(String.format(Locale.ROOT, "%s,%d,%d,%d,%d,%d,%.6f%n", r.slide(), r.x(), r.y(), r.width(),
                        r.height(), r.reduce(), r.maskedFraction()));
            }
        });
    }

    /**
     * A contact sheet of the first {@code count} rows: each tile as a {@code cell}-pixel thumbnail, its glomeruli
     * tinted green, 8 per row, written as PNG atomically.
     *
     * @param dataset the competition folder
     * @param rows    the tiles
     * @param count   tiles shown, {@code >= 1}
     * @param cell    thumbnail side, {@code 16..512}
     * @param target  the PNG
     * @throws IOException if a slide cannot be read or the file written
     */
    public static void writePreview(CompetitionDataset dataset, List<Row> rows, int count, int cell, Path target)
            throws IOException {
        if (count < 1) {
            throw new IllegalArgumentException("preview count must be >= 1, got " + count);
        }
        if (cell < 16 || cell > 512) {
            throw new IllegalArgumentException("preview cell must be in 16..512 pixels, got " + cell);
        }
        int n = Math.min(count, rows.size());
        int cols = Math.min(8, Math.max(1, n));
        int lines = Math.max(1, (n + cols - 1) / cols);
        BufferedImage sheet = new BufferedImage(cols * (cell + 2), lines * (cell + 2), BufferedImage.TYPE_INT_RGB);
        Graphics2D g = sheet.createGraphics();
        g.setColor(Color.DARK_GRAY);
        g.fillRect(0, 0, sheet.getWidth(), sheet.getHeight());
        g.setRenderingHint(RenderingHints.KEY_INTERPOLATION, RenderingHints.VALUE_INTERPOLATION_BILINEAR);
        for (int i = 0; i < n; i++) {
            Row r = rows.get(i);
            long side = Math.max(r.width(), r.height());
            int reduce = (int) Math.max(1, side / cell);
            Interval region = net.imglib2.FinalInterval.createMinSize(r.x(), r.y(), r.width(), r.height());
            ImageSource src = dataset.slide(r.slide());
            byte[] px = src.read(region, reduce).update(null).getCurrentStorageArray();
            byte[] m = dataset.maskWindow(r.slide(), region, reduce);
            int w = (int) ((r.width() + reduce - 1) / reduce);
            int h = (int) ((r.height() + reduce - 1) / reduce);
            int c = src.channels();
            BufferedImage t = new BufferedImage(w, h, BufferedImage.TYPE_INT_RGB);
            int plane = w * h;
            for (int y = 0; y < h; y++) {
                for (int x = 0; x < w; x++) {
                    int k = x + w * y;
                    int red = px[k] & 0xFF;
                    int grn = px[(c > 1 ? plane : 0) + k] & 0xFF;
                    int blu = px[(c > 2 ? 2 * plane : 0) + k] & 0xFF;
                    if (k < m.length && m[k] != 0) {
                        red = red / 2;
                        grn = (grn + 255) / 2;
                        blu = blu / 2;
                    }
                    t.setRGB(x, y, (red << 16) | (grn << 8) | blu);
                }
            }
            g.drawImage(t, 1 + (i % cols) * (cell + 2), 1 + (i / cols) * (cell + 2), cell, cell, null);
        }
        g.dispose();
        ImageFiles.writePng(target, sheet);
    }
}
