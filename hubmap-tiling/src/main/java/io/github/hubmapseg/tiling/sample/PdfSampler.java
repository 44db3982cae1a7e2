package io.github.hubmapseg.tiling.sample;

import java.util.Arrays;
import java.util.Iterator;
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
    private final int[][] components;

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
        components = components(mask, width, height);
    }

    /** 8-connected foreground components of the map, each as its cell indices. */
    private static int[][] components(byte[] mask, int w, int h) {
        int[] label = new int[mask.length];
        java.util.List<int[]> out = new java.util.ArrayList<>();
        int[] stack = new int[16];
        for (int s0 = 0; s0 < mask.length; s0++) {
            if (mask[s0] == 0 || label[s0] != 0) {
                continue;
            }
            int id = out.size() + 1;
            int[] cells = new int[16];
            int n = 0;
            int sp = 0;
            stack[sp++] = s0;
            label[s0] = id;
            while (sp > 0) {
                int p = stack[--sp];
                if (n == cells.length) {
                    cells = Arrays.copyOf(cells, n * 2);
                }
                cells[n++] = p;
                int x = p % w;
                int y = p / w;
                for (int dy = -1; dy <= 1; dy++) {
                    for (int dx = -1; dx <= 1; dx++) {
                        int xx = x + dx;
                        int yy = y + dy;
                        if (xx >= 0 && yy >= 0 && xx < w && yy < h) {
                            int q = yy * w + xx;
                            if (mask[q] != 0 && label[q] == 0) {
                                label[q] = id;
                                if (sp == stack.length) {
                                    stack = Arrays.copyOf(stack, sp * 2);
                                }
                                stack[sp++] = q;
                            }
                        }
                    }
                }
            }
            out.add(Arrays.copyOf(cells, n));
        }
        return out.toArray(new int[0][]);
    }

    /** Number of 8-connected foreground components (glomeruli) in the map. */
    public int componentCount() {
        return components.length;
    }

    /**
     * One epoch of deepflash2-style training tiles: first one tile per glomerulus (centred on a uniformly
     * random pixel of each foreground component, in component order), so that every glomerulus is visited
     * each epoch, then {@code randomCount} tiles centred on PDF draws. Lazy and deterministic for the seed.
     */
    public Iterator<Interval> epoch(long seed, int randomCount, int tile) {
        if (randomCount < 0) {
            throw new IllegalArgumentException("randomCount must be >= 0, got " + randomCount);
        }
        if (tile <= 0) {
            throw new IllegalArgumentException("tile must be > 0, got " + tile);
        }
        SplittableRandom rng = new SplittableRandom(seed);
        Iterator<Interval> random = tiles(rng.nextLong(), randomCount, tile);
        return new Iterator<>() {
            int i;

            @Override
            public boolean hasNext() {
                return i < components.length || random.hasNext();
            }

            @Override
            public Interval next() {
                if (i < components.length) {
                    int[] comp = components[i++];
                    int cell = comp[rng.nextInt(comp.length)];
                    long cx = (long) (cell % width) * cellSize + (cellSize == 1 ? 0 : rng.nextInt(cellSize));
                    long cy = (long) (cell / width) * cellSize + (cellSize == 1 ? 0 : rng.nextInt(cellSize));
                    return FinalInterval.createMinSize(cx - tile / 2, cy - tile / 2, tile, tile);
                }
                return random.next();
            }
        };
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
        return Draws.of(count, i -> {
            long[] c = drawCentre(rng);
            return FinalInterval.createMinSize(c[0] - tile / 2, c[1] - tile / 2, tile, tile);
        });
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
