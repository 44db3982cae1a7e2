package io.github.hubmapseg.tiling;

import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.NoSuchElementException;

/**
 * The "where" of sliding-window inference: the square output tiles covering a {@code width x height}
 * image, and the window each one reads.
 *
 * <p>Conventions (those of {@code stitch.json}): along an axis of length {@code L} the tile starts are
 * {@code 0, S, 2S, ...} while {@code start + T <= L}, then {@code L - T} is appended if the last start is
 * not already {@code L - T} (the edge tile is moved inward, never padded). Tiles are all {@code (y, x)}
 * pairs, in raster order (row by row). The model input for the tile at {@code (x, y)} is the window of
 * columns {@code x - E .. x + T + E - 1} and rows {@code y - E .. y + T + E - 1}; indices outside the
 * image are reflected without repeating the edge ({@code -1 -> 1}, {@code L -> L - 2}, OpenCV's
 * {@code BORDER_REFLECT_101}).
 *
 * @param width   image width in pixels
 * @param height  image height in pixels
 * @param tile    output tile side T in pixels
 * @param stride  distance S between tile starts, {@code 1 <= S <= T}
 * @param expand  expansion E of the window on every side, {@code >= 0}
 */
public record TileGrid(long width, long height, int tile, int stride, int expand) implements Iterable<Tile> {

    /** Validates the geometry and names what is wrong. */
    public TileGrid {
        if (width <= 0 || height <= 0) {
            throw new IllegalArgumentException("image size must be positive, got " + width + " x " + height);
        }
        if (tile <= 0) {
            throw new IllegalArgumentException("tileSize must be > 0, got " + tile);
        }
        if (stride <= 0 || stride > tile) {
            throw new IllegalArgumentException("stride must be in 1.." + tile + " (the tile size), got " + stride);
        }
        if (expand < 0) {
            throw new IllegalArgumentException("expand must be >= 0, got " + expand);
        }
        if (tile > width || tile > height) {
            throw new IllegalArgumentException("tileSize " + tile + " is larger than the image " + width + " x "
                    + height + "; use a tile size <= " + Math.min(width, height));
        }
        if (width / stride + 2 > Integer.MAX_VALUE || height / stride + 2 > Integer.MAX_VALUE) {
            throw new IllegalArgumentException("too many tiles for stride " + stride);
        }
    }

    /**
     * Tile starts along one axis: {@code 0, S, 2S, ...} while {@code start + T <= L}, then {@code L - T}.
     *
     * @throws IllegalArgumentException if {@code T > L}, {@code T <= 0} or {@code S} is not in {@code 1..T}
     */
    public static long[] starts(long length, int tile, int stride) {
        if (tile <= 0 || tile > length) {
            throw new IllegalArgumentException("tile must be in 1.." + length + " (the axis length), got " + tile);
        }
        if (stride <= 0 || stride > tile) {
            throw new IllegalArgumentException("stride must be in 1.." + tile + ", got " + stride);
        }
        long n = (length - tile) / stride + 1;
        long last = (n - 1) * stride;
        boolean extra = last != length - tile;
        long[] s = new long[Math.toIntExact(n + (extra ? 1 : 0))];
        for (int i = 0; i < n; i++) {
            s[i] = (long) i * stride;
        }
        if (extra) {
            s[s.length - 1] = length - tile;
        }
        return s;
    }

    /** Tile starts along y (rows). */
    public long[] startsY() {
        return starts(height, tile, stride);
    }

    /** Tile starts along x (columns). */
    public long[] startsX() {
        return starts(width, tile, stride);
    }

    /** Number of tile rows. */
    public int rows() {
        return startsY().length;
    }

    /** Number of tile columns. */
    public int cols() {
        return startsX().length;
    }

    /** Number of tiles. */
    public long size() {
        return (long) rows() * cols();
    }

    /** Side of the model input window, {@code T + 2E}. */
    public int windowSize() {
        return tile + 2 * expand;
    }

    /** The tile at tile row {@code r} and column {@code c}. */
    public Tile tile(int r, int c) {
        long[] ys = startsY();
        long[] xs = startsX();
        if (r < 0 || r >= ys.length || c < 0 || c >= xs.length) {
            throw new IndexOutOfBoundsException("tile (" + r + ", " + c + ") outside the " + ys.length + " x "
                    + xs.length + " grid");
        }
        return Tile.of(r, c, xs[c], ys[r], tile, expand);
    }

    /** The tiles in raster order, created lazily. */
    @Override
    public Iterator<Tile> iterator() {
        long[] ys = startsY();
        long[] xs = startsX();
        return new Iterator<>() {
            int i;

            @Override
            public boolean hasNext() {
                return i < (long) ys.length * xs.length;
            }

            @Override
            public Tile next() {
                if (!hasNext()) {
                    throw new NoSuchElementException();
                }
                int r = i / xs.length;
                int c = i % xs.length;
                i++;
                return Tile.of(r, c, xs[c], ys[r], tile, expand);
            }
        };
    }

    /** All tiles as a list (small grids only). */
    public List<Tile> toList() {
        List<Tile> out = new ArrayList<>();
        forEach(out::add);
        return out;
    }

    /**
     * Reflect-101 index: maps any integer to {@code [0, L)} by mirroring without repeating the edge
     * ({@code -1 -> 1}, {@code L -> L - 2}); periodic with period {@code 2(L - 1)} so that any distance works.
     */
    public static long reflect101(long i, long length) {
        if (length == 1) {
            return 0;
        }
        long period = 2 * (length - 1);
        long m = Math.floorMod(i, period);
        return m < length ? m : period - m;
    }
}
