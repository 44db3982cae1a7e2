package io.github.hubmapseg.tiling.sample;

import java.util.Iterator;
import net.imglib2.FinalInterval;
import net.imglib2.Interval;

/**
 * A regular grid of training tiles of {@code tile x tile} pixels at a {@code reduce} factor, i.e. regions
 * of {@code side = tile * reduce} full-resolution pixels starting at {@code offset + k * side}; edge tiles
 * extend past the image and are padded by the reader (3rd place: white padding to an integer number of
 * tiles). {@link #shifted} offsets the grid by half a tile in x and y (1st place's extra "+512, +512"
 * tiles), keeping only tiles that start inside the image. The order is raster order, whatever the seed.
 *
 * @param width   image width in full-resolution pixels
 * @param height  image height in full-resolution pixels
 * @param tile    tile side at the reduced resolution (the model's input size)
 * @param reduce  downsampling factor, {@code >= 1} (the seeds used 2, 3, 4)
 * @param offsetX x of the first tile column, {@code 0 <= offsetX < side}
 * @param offsetY y of the first tile row, {@code 0 <= offsetY < side}
 */
public record GridTiles(long width, long height, int tile, int reduce, long offsetX, long offsetY) implements TileSource {

    /** Validates and names what is wrong. */
    public GridTiles {
        if (width <= 0 || height <= 0) {
            throw new IllegalArgumentException("image size must be positive, got " + width + " x " + height);
        }
        if (tile <= 0) {
            throw new IllegalArgumentException("tileSize must be > 0, got " + tile);
        }
        if (reduce < 1) {
            throw new IllegalArgumentException("reduce must be >= 1, got " + reduce);
        }
        long side = (long) tile * reduce;
        if (offsetX < 0 || offsetX >= side || offsetY < 0 || offsetY >= side) {
            throw new IllegalArgumentException("grid offset must be in 0.." + (side - 1) + ", got (" + offsetX + ", "
                    + offsetY + ")");
        }
    }

    /** The regular grid from (0, 0). */
    public static GridTiles regular(long width, long height, int tile, int reduce) {
        return new GridTiles(width, height, tile, reduce, 0, 0);
    }

    /** The grid shifted by half a tile in x and y. */
    public static GridTiles shifted(long width, long height, int tile, int reduce) {
        long half = (long) tile * reduce / 2;
        return new GridTiles(width, height, tile, reduce, half, half);
    }

    /** Full-resolution side of one tile. */
    public long side() {
        return (long) tile * reduce;
    }

    /** Tile columns. */
    public long cols() {
        return offsetX >= width ? 0 : (width - offsetX + side() - 1) / side();
    }

    /** Tile rows. */
    public long rows() {
        return offsetY >= height ? 0 : (height - offsetY + side() - 1) / side();
    }

    /** Number of tiles. */
    public long size() {
        return cols() * rows();
    }

    @Override
    public Iterator<Interval> tiles(long seed) {
        long cols = cols();
        long n = size();
        long side = side();
        return Draws.of(n, i -> FinalInterval.createMinSize(offsetX + (i % cols) * side, offsetY + (i / cols) * side,
                side, side));
    }
}
