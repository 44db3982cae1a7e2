package io.github.hubmapseg.tiling;

import net.imglib2.FinalInterval;
import net.imglib2.Interval;

/**
 * One window of a {@link TileGrid}: where its prediction goes ({@link #core()}, the output region) and
 * which pixels the model reads ({@link #window()}, the core grown by the grid's expansion on every side,
 * like QuPath's {@code RegionRequest}). Both are 2-D ImgLib2 intervals {@code (x, y)} in image pixels with
 * inclusive max; the window may extend past the image (its outside pixels are reflected, see
 * {@link TileGrid}).
 *
 * @param row    tile row index (0 at the top)
 * @param col    tile column index (0 at the left)
 * @param core   the output region, {@code tile x tile} pixels, always inside the image
 * @param window the model input region, {@code (tile + 2 expand)} pixels square
 */
public record Tile(int row, int col, Interval core, Interval window) {

    /** Builds a tile from its top-left output corner. */
    static Tile of(int row, int col, long x, long y, int tile, int expand) {
        return new Tile(row, col,
                FinalInterval.createMinSize(x, y, tile, tile),
                FinalInterval.createMinSize(x - expand, y - expand, tile + 2L * expand, tile + 2L * expand));
    }

    /** Left column of the output region. */
    public long x() {
        return core.min(0);
    }

    /** Top row of the output region. */
    public long y() {
        return core.min(1);
    }
}
