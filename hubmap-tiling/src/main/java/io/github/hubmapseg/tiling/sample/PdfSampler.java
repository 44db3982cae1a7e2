package io.github.hubmapseg.tiling.sample;

import java.util.Arrays;
import java.util.Iterator;
import java.util.NoSuchElementException;
import java.util.SplittableRandom;
import net.imglib2.FinalInterval;
import net.imglib2.Interval;

/**
 * deepflash2-style sampling of tile centres from a probability density over the slide: each cell of a
 * (usually downsampled) weight map gets {@code fgWeight} where the mask is foreground (glomeruli), else
 * the weight of its region (0 other, 1 cortex, 2 medulla; foreground wins), and centres are drawn i.i.d.
 * with probability {@code weight / total}; a cell of weight 0 is never drawn. Conventions of
 * {@code sampling.json}.
 *
 * <p>Memory: one {@code double} per non-zero cell (a cumulative table searched in O(log n) per draw); for a
 * real slide pass a map at a reduced resolution ({@code cellSize > 1}, e.g. 16: 2.9 M cells for a
 * 30000 x 25000 slide) and a drawn cell becomes a uniformly random full-resolution pixel inside it.
 */
public final class PdfSampler {

    private final int width;
    private final int height;
    private final int cellSize;
    private final double[] weights;
    private final int[] index;
    private final double[] cumulative;
    private final double total;

    /**
     * @param mask          foreground flags, row-major {@code height x width} (non-zero = foreground)
     * @param regions       region codes 0 (other), 1 (cortex), 2 (medulla), row-major, or {@code null} for all 0
     * @param width         map width in cells
     * @param height        map height in cells
     * @param fgWeight      weight of foreground cells, {@code >= 0}
     * @param regionWeights weights of regions 0, 1, 2, each {@code >= 0}
     * @param cellSize      full-resolution pixels per cell side, {@code >= 1}
     */
    public PdfSampler(byte[] mask, byte[] regions, int width, int height, double fgWeight, double[] regionWeights,
                      int cellSize) {
        if (width <= 0 || height <= 0) {
            throw new IllegalArgumentException("map size must be positive, got " + width + " x " + height);
        }
        long n = (long) width * height;
        if (mask == null || mask.length != n) {
            throw new IllegalArgumentException("mask must hold width*height = " + n + " cells, got "
                    + (mask == null ? "null" : mask.length));
        }
        if (regions != null && regions.length != n) {
            throw new IllegalArgumentException("regions must hold width*height = " + n + " cells, got " + regions.length);
        }
        if (!(fgWeight >= 0) || Double.isInfinite(fgWeight)) {
            throw new IllegalArgumentException("fgWeight must be a finite number >= 0, got " + fgWeight);
        }
        if (regionWeights == null || regionWeights.length != 3) {
            throw new IllegalArgumentException("regionWeights must hold 3 weights (other, cortex, medulla), got "
                    + (regionWeights == null ? "null" : Arrays.toString(regionWeights)));
        }
        for (double w : regionWeights) {
            if (!(w >= 0) || Double.isInfinite(w)) {
                throw new IllegalArgumentException("region weights must be finite and >= 0, got "
                        + Arrays.toString(regionWeights));
            }
        }
        if (cellSize < 1) {
            throw new IllegalArgumentException("cellSize must be >= 1, got " + cellSize);
        }
        this.width = width;
        this.height = height;
        this.cellSize = cellSize;
        this.weights = new double[(int) n];
        int nonZero = 0;
        for (int k = 0; k < n; k++) {
            double w;
            if (mask[k] != 0) {
                w = fgWeight;
            } else {
                int r = regions == null ? 0 : regions[k];
                if (r < 0 || r > 2) {
                    throw new IllegalArgumentException("region codes must be 0, 1 or 2, got " + r + " at cell " + k);
                }
                w = regionWeights[r];
            }
            weights[k] = w;
            if (w > 0) {
                nonZero++;
            }
        }
        if (nonZero == 0) {
            throw new IllegalArgumentException("every cell has weight 0: nothing can be sampled");
        }
        index = new int[nonZero];
        cumulative = new double[nonZero];
        double s = 0;
        int j = 0;
        for (int k = 0; k < n; k++) {
            if (weights[k] > 0) {
                s += weights[k];
                index[j] = k;
                cumulative[j] = s;
                j++;
            }
        }
        total = s;
    }

    /** The weight map, row-major (a copy). */
    public double[] weightMap() {
        return weights.clone();
    }

    /** Sum of all weights. */
    public double totalWeight() {
        return total;
    }

    /** Probability of drawing cell {@code (x, y)}. */
    public double probability(int x, int y) {
        return weights[y * width + x] / total;
    }

    /** Draws one cell index ({@code y * width + x}) of the map; never a zero-weight cell. */
    public int drawCell(SplittableRandom rng) {
        double u = rng.nextDouble() * total;
        int lo = 0;
        int hi = cumulative.length - 1;
        while (lo < hi) {
            int mid = (lo + hi) >>> 1;
            if (cumulative[mid] > u) {
                hi = mid;
            } else {
                lo = mid + 1;
            }
        }
        return index[lo];
    }

    /** Draws a full-resolution centre {@code {x, y}}: a uniform pixel in a drawn cell. */
    public long[] drawCentre(SplittableRandom rng) {
        int cell = drawCell(rng);
        long cx = (long) (cell % width) * cellSize + (cellSize == 1 ? 0 : rng.nextInt(cellSize));
        long cy = (long) (cell / width) * cellSize + (cellSize == 1 ? 0 : rng.nextInt(cellSize));
        return new long[] {cx, cy};
    }

    /**
     * A lazy, deterministic stream of {@code count} square tiles of side {@code tile} (full-resolution
     * pixels) centred on drawn centres ({@code min = centre - tile / 2}); the same seed gives the same tiles.
     */
    public Iterator<Interval> tiles(long seed, int count, int tile) {
        if (count < 0) {
            throw new IllegalArgumentException("count must be >= 0, got " + count);
        }
        if (tile <= 0) {
            throw new IllegalArgumentException("tile must be > 0, got " + tile);
        }
        SplittableRandom rng = new SplittableRandom(seed);
        return new Iterator<>() {
            int i;

            @Override
            public boolean hasNext() {
                return i < count;
            }

            @Override
            public Interval next() {
                if (!hasNext()) {
                    throw new NoSuchElementException();
                }
                i++;
                long[] c = drawCentre(rng);
                return FinalInterval.createMinSize(c[0] - tile / 2, c[1] - tile / 2, tile, tile);
            }
        };
    }

    /** Map width in cells. */
    public int width() {
        return width;
    }

    /** Map height in cells. */
    public int height() {
        return height;
    }

    /** Full-resolution pixels per cell side. */
    public int cellSize() {
        return cellSize;
    }
}
