package io.github.hubmapseg.tiling.sample;

import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.SplittableRandom;
import java.util.function.ToLongFunction;
import net.imglib2.Interval;

/**
 * Balanced sampling by masked area (1st place: "I binned the tile data with respect to the masked area (number of
 * bins = 4 for masked tiles)", "masked area is balanced"). The masked tiles are put into {@code bins} bins of
 * equal <em>width</em> over their masked area, {@code (0, max]}: bin {@code b} holds the tiles with
 * {@code b/bins < area/max <= (b+1)/bins}; the empty tiles form one more bin. Each epoch draws {@code epochSize}
 * tiles with every non-empty bin drawn equally often (slot {@code k} goes to bin {@code k mod nonEmptyBins}, the
 * slots are shuffled) and uniformly with replacement within a bin. So the rare tiles with a large masked area,
 * and the empty tiles, are seen as often as the common, slightly masked ones: the epoch's masked-area histogram
 * is flat over the bins where the grid's is dominated by the first bin and the empty tiles. (Equal-count bins
 * would give every masked tile the same probability and change nothing.) Deterministic for a seed; lazy.
 */
public final class BalancedSampler implements TileSource {

    private final Interval[][] binTiles;
    private final int maskedBins;
    private final boolean hasEmpty;
    private final int epochSize;

    /**
     * @param candidates candidate tiles (e.g. a grid plus a shifted grid)
     * @param maskedArea foreground pixels of a tile, {@code >= 0}
     * @param bins       number of equal-width area bins for masked tiles, {@code >= 1} (1st place: 4)
     * @param epochSize  tiles per epoch, {@code >= 1}
     */
    public BalancedSampler(List<? extends Interval> candidates, ToLongFunction<Interval> maskedArea, int bins,
                           int epochSize) {
        if (bins < 1) {
            throw new IllegalArgumentException("bins must be >= 1, got " + bins);
        }
        if (epochSize < 1) {
            throw new IllegalArgumentException("epochSize must be >= 1, got " + epochSize);
        }
        List<Interval> e = new ArrayList<>();
        List<Interval> masked = new ArrayList<>();
        List<Long> areas = new ArrayList<>();
        long max = 0;
        for (Interval t : candidates) {
            long a = maskedArea.applyAsLong(t);
            if (a < 0) {
                throw new IllegalArgumentException("maskedArea must be >= 0, got " + a + " for " + t);
            }
            if (a == 0) {
                e.add(t);
            } else {
                masked.add(t);
                areas.add(a);
                max = Math.max(max, a);
            }
        }
        if (masked.isEmpty() && e.isEmpty()) {
            throw new IllegalArgumentException("no candidate tiles");
        }
        List<List<Interval>> byBin = new ArrayList<>();
        for (int b = 0; b < bins; b++) {
            byBin.add(new ArrayList<>());
        }
        for (int i = 0; i < masked.size(); i++) {
            byBin.get(bin(areas.get(i), max, bins)).add(masked.get(i));
        }
        List<Interval[]> kept = new ArrayList<>();
        for (List<Interval> b : byBin) {
            if (!b.isEmpty()) {
                kept.add(b.toArray(new Interval[0]));
            }
        }
        this.maskedBins = kept.size();
        if (!e.isEmpty()) {
            kept.add(e.toArray(new Interval[0]));
        }
        this.binTiles = kept.toArray(new Interval[0][]);
        this.hasEmpty = !e.isEmpty();
        this.epochSize = epochSize;
    }

    /**
     * The equal-width bin of a masked area: {@code ceil(bins * area / max) - 1}, in {@code 0..bins-1}.
     *
     * @param area masked area, {@code 1..max}
     * @param max  largest masked area of the candidates
     * @param bins number of bins
     * @return the bin
     */
    public static int bin(long area, long max, int bins) {
        long b = (area * (long) bins + max - 1) / max - 1; // ceil(bins * area / max) - 1, exact in integers
        return (int) Math.max(0, Math.min(bins - 1, b));
    }

    /** Number of non-empty masked-area bins. */
    public int bins() {
        return maskedBins;
    }

    /** Whether the candidates had empty tiles (then they are the last bin, drawn like the others). */
    public boolean hasEmptyBin() {
        return hasEmpty;
    }

    /** The tiles of bin {@code b} ({@code 0..bins()-1} masked by increasing area, then the empty bin; a copy). */
    public Interval[] bin(int b) {
        return binTiles[b].clone();
    }

    @Override
    public Iterator<Interval> tiles(long seed) {
        SplittableRandom rng = new SplittableRandom(seed);
        // slot k goes to bin k % bins; the order of slots is shuffled
        int[] slots = new int[epochSize];
        for (int k = 0; k < epochSize; k++) {
            slots[k] = k % binTiles.length;
        }
        for (int k = epochSize - 1; k > 0; k--) {
            int j = rng.nextInt(k + 1);
            int t = slots[k];
            slots[k] = slots[j];
            slots[j] = t;
        }
        return Draws.of(epochSize, i -> {
            Interval[] from = binTiles[slots[(int) i]];
            return from[rng.nextInt(from.length)];
        });
    }
}
