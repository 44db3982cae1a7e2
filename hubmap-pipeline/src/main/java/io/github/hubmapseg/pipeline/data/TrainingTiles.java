package io.github.hubmapseg.pipeline.data;

import io.github.hubmapseg.core.rle.Rle;
import io.github.hubmapseg.core.rle.RleRuns;
import io.github.hubmapseg.core.slide.ImageSource;
import io.github.hubmapseg.pipeline.augment.Augmentation;
import io.github.hubmapseg.pipeline.augment.Augmentations;
import io.github.hubmapseg.pipeline.augment.Tile;
import io.github.hubmapseg.pipeline.config.Recipe;
import io.github.hubmapseg.tiling.sample.BalancedSampler;
import io.github.hubmapseg.tiling.sample.ForegroundCrops;
import io.github.hubmapseg.tiling.sample.GridTiles;
import io.github.hubmapseg.tiling.sample.PdfSampler;
import io.github.hubmapseg.tiling.sample.SaturationFilter;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.SplittableRandom;
import net.imglib2.FinalInterval;
import net.imglib2.Interval;

/**
 * The training tiles of a set of slides and how to turn them into batches: each epoch draws
 * {@code tile * reduce}-pixel regions with a sampling strategy, reads them at the reduce factor, decodes the
 * mask window, augments image and mask together (seeded per sample, so an epoch is reproducible) and
 * normalises. {@link #batches} does this in background threads ahead of the consumer.
 * <p>Sampling strategies (recipe {@code data.sampling}): {@code grid} (a regular grid, shuffled per epoch),
 * {@code balanced} (the grid's tiles drawn so that every equal-width masked-area bin and the empty tiles are seen
 * equally often; 1st place, {@link BalancedSampler}), {@code random-positive} (23rd place: a random slide, then a
 * random crop inside it that contains glomerulus pixels, redrawn up to {@code retries} times, then any crop;
 * {@link ForegroundCrops}), {@code pdf} (deepflash2: tile centres drawn from a density over a reduced-resolution
 * map weighing dilated glomeruli, cortex and medulla from the anatomical-structure polygons, and a background
 * floor, see {@link PdfWeights}, {@link PdfMaps}; with {@code everyGlomerulus} each epoch first centres one tile
 * in every glomerulus), {@code random} (uniform positions).
 * <p>The grid of {@code grid} and {@code balanced} is the regular grid plus, with {@code shift > 0}, the grid
 * offset by {@code (shift, shift)} working-resolution pixels (1st place: 1024 tiles shifted by (512, 512)); with a
 * saturation threshold, grid tiles failing iafoss's rule ({@link SaturationFilter}) are dropped (3rd place).
 * <p>An augmentation ending in a {@code RandomCrop} (23rd place: 768 from 1024) gives training tiles of the crop's
 * side ({@link #outputTile()}); validation tiles keep the full side.
 * <p>Slides with an ignored region ({@link CompetitionDataset#withPseudoLabels}, the uncertain pixels of
 * pseudo-labels) only give tiles whose ignored share is at most {@link CompetitionDataset#maxIgnoredFraction()}:
 * grid candidates are filtered, random draws are redrawn (up to 50 times). An epoch has {@code epochSize} tiles ({@code 0}: one per grid tile).
 */
public final class TrainingTiles {
    /** Sampling strategy names. */
    public static final Set<String> SAMPLINGS = Set.of("grid", "balanced", "random-positive", "pdf", "random");

    private final CompetitionDataset dataset;
    private final List<String> ids;
    private final int tile;
    private final int reduce;
    private final String sampling;
    private final int epochSize;
    private final int bins;
    private final double emptyFraction;
    private final int shift;
    private final int saturationThreshold;
    private final int retries;
    private final boolean everyGlomerulus;
    private final int outputTile;
    private int filtered;
    private final Augmentation augmentation;
    private final Normalization normalization;
    private final long seed;
    private final List<SlideInterval> grid = new ArrayList<>();
    private BalancedSampler balanced;
    private final List<PdfSampler> pdf = new ArrayList<>();
    /** Per slide, the undilated glomerulus map whose components are visited once per epoch (or null: none). */
    private final List<PdfSampler> glomeruli = new ArrayList<>();
    private final PdfWeights pdfWeights;
    /** Tile-level folds: the ids ({@link #tileId}) of the grid tiles this set may use, or null for all. */
    private final Set<String> only;
    /** Draws of a random sampler before a tile in an ignored region is accepted anyway. */
    private static final int MAX_REDRAWS = 50;

    private TrainingTiles(Builder b) throws IOException {
        this.dataset = b.dataset;
        this.ids = List.copyOf(b.ids);
        this.tile = b.tile;
        this.reduce = b.reduce;
        this.sampling = b.sampling;
        this.bins = b.bins;
        this.emptyFraction = b.emptyFraction;
        this.shift = b.shift;
        this.saturationThreshold = b.saturationThreshold;
        this.retries = b.retries;
        this.everyGlomerulus = b.everyGlomerulus;
        this.outputTile = Augmentations.outputSide(b.augmentation, tile);
        this.augmentation = b.augmentation;
        this.normalization = b.normalization;
        this.seed = b.seed;
        this.pdfWeights = b.pdfWeights;
        this.only = b.only;
        for (int i = 0; i < ids.size(); i++) {
            ImageSource s = dataset.slide(ids.get(i));
            SaturationFilter sat = saturationThreshold > 0 ? new SaturationFilter(saturationThreshold, s, reduce) : null;
            addGrid(i, GridTiles.regular(s.width(), s.height(), tile, reduce), sat);
            if (shift > 0) {
                long off = (long) shift * reduce;
                addGrid(i, new GridTiles(s.width(), s.height(), tile, reduce, off, off), sat);
            }
        }
        if (grid.isEmpty()) {
            throw new IllegalArgumentException("no training tile of " + tile + " x " + reduce + " pixels is left in "
                    + ids + (saturationThreshold > 0 ? " after the saturation filter (threshold " + saturationThreshold
                    + ", " + filtered + " tiles dropped) and" : " after") + " excluding tiles with more than "
                    + dataset.maxIgnoredFraction() + " of their pixels in the pseudo-label uncertain region");
        }
        int pdfGlomeruli = 0;
        if (sampling.equals("pdf")) {
            for (String id : ids) {
                RleRuns runs = dataset.mask(id);
                pdf.add(PdfMaps.sampler(runs, dataset.structures(id), pdfWeights));
                PdfSampler g = everyGlomerulus ? PdfMaps.glomeruli(runs, pdfWeights.cell()) : null;
                glomeruli.add(g);
                pdfGlomeruli += g == null ? 0 : g.componentCount();
            }
        }
        this.epochSize = (b.epochSize > 0 ? b.epochSize : grid.size()) + pdfGlomeruli;
        if (sampling.equals("balanced")) {
            List<RleRuns> runs = new ArrayList<>();
            for (String id : ids) {
                runs.add(dataset.mask(id));
            }
            balanced = new BalancedSampler(grid, t -> area(runs.get(((SlideInterval) t).slide), t), bins, epochSize);
        }
    }

    private void addGrid(int slide, GridTiles g, SaturationFilter sat) throws IOException {
        Iterator<Interval> it = g.tiles(0);
        String id = ids.get(slide);
        boolean filter = dataset.hasIgnoredRegion(id);
        while (it.hasNext()) {
            Interval t = it.next();
            if (filter && dataset.ignoredFraction(id, t) > dataset.maxIgnoredFraction()) {
                continue;
            }
            if (only != null && !only.contains(tileId(id, t))) {
                continue;
            }
            if (sat != null && !sat.test(t)) {
                filtered++;
                continue;
            }
            grid.add(new SlideInterval(slide, t));
        }
    }

    /** Whether a drawn tile may be used: not too much of it in the slide's ignored (uncertain) region. */
    private boolean usable(String id, Interval t) {
        if (!dataset.hasIgnoredRegion(id)) {
            return true;
        }
        try {
            return dataset.ignoredFraction(id, t) <= dataset.maxIgnoredFraction();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static long area(RleRuns runs, Interval t) {
        byte[] m = Rle.decodeWindow(runs, t);
        long a = 0;
        for (byte v : m) {
            a += v;
        }
        return a;
    }

    /**
     * Starts the options.
     *
     * @param dataset the competition folder
     * @param ids     training slides (with masks)
     * @param tile    tile side at the reduced resolution (the model input), {@code >= 1}
     * @param reduce  reduce factor, {@code >= 1}
     * @return a builder
     */
    public static Builder builder(CompetitionDataset dataset, List<String> ids, int tile, int reduce) {
        return new Builder(dataset, ids, tile, reduce);
    }

    /** @return tiles per epoch */
    public int epochSize() {
        return epochSize;
    }

    /** @return tile side read from the slide (after reduction); validation batches have this side */
    public int tile() {
        return tile;
    }

    /** @return side of the augmented training tiles (the augmentation's random crop, else {@link #tile()}) */
    public int outputTile() {
        return outputTile;
    }

    /** @return grid tiles dropped by the saturation filter */
    public int saturationFiltered() {
        return filtered;
    }

    /**
     * The training tiles a recipe describes. Only the keys the chosen sampling uses are read (so a key set for
     * another sampling stays unconsumed and is reported): {@code data.tile_size, reduce, sampling,
     * tiles_per_epoch}, {@code train.augment, seed} always; {@code data.shift, saturation_threshold} for grid and
     * balanced; {@code data.balanced_bins} for balanced; {@code data.positive_retries} for random-positive;
     * {@code data.random_tile_fraction, every_glomerulus} and the pdf weights for pdf.
     *
     * @param dataset       the competition folder
     * @param ids           training slides
     * @param recipe        the recipe
     * @param normalization image normalisation
     * @return the tiles
     * @throws IOException if a slide or mask cannot be read
     */
    public static TrainingTiles forTraining(CompetitionDataset dataset, List<String> ids, Recipe recipe,
                                            Normalization normalization) throws IOException {
        return forTraining(dataset, ids, recipe, normalization, null);
    }

    /**
     * {@link #forTraining(CompetitionDataset, List, Recipe, Normalization)} restricted to a tile-level fold's
     * training tiles ({@link Builder#only}).
     *
     * @param only the grid tiles that may be used ({@link #tileId}), or null for all
     * @return the tiles
     * @throws IOException if a slide or mask cannot be read
     */
    public static TrainingTiles forTraining(CompetitionDataset dataset, List<String> ids, Recipe recipe,
                                            Normalization normalization, Set<String> only) throws IOException {
        Recipe.Data d = recipe.data();
        return settings(recipe).apply(builder(dataset, ids, d.tileSize(), d.reduce())).normalization(normalization)
                .only(only).build();
    }

    /**
     * Reads the sampling keys of {@link #forTraining} (the same ones, see there) and checks the augmentation
     * preset, without a dataset: what a dry pass over a recipe ({@code RecipeCheck}) calls before training.
     *
     * @param recipe the recipe
     * @return the settings, to apply to a builder
     * @throws IllegalArgumentException for an unknown augmentation preset
     */
    public static java.util.function.UnaryOperator<Builder> settings(Recipe recipe) {
        Recipe.Data d = recipe.data();
        Recipe.Train t = recipe.train();
        String sampling = d.sampling();
        int epochSize = d.tilesPerEpoch();
        Augmentation augmentation = Augmentations.preset(t.augment());
        long seed = t.seed();
        java.util.function.UnaryOperator<Builder> extra = switch (sampling) {
            case "grid" -> {
                int shift = d.shift();
                int sat = d.saturationThreshold();
                yield b -> b.shift(shift).saturationThreshold(sat);
            }
            case "balanced" -> {
                int shift = d.shift();
                int sat = d.saturationThreshold();
                int bins = d.balancedBins();
                yield b -> b.shift(shift).saturationThreshold(sat).bins(bins);
            }
            case "random-positive" -> {
                int retries = d.positiveRetries();
                yield b -> b.retries(retries);
            }
            case "pdf" -> {
                PdfWeights w = PdfWeights.of(d);
                double empty = d.randomTileFraction();
                boolean every = d.everyGlomerulus();
                yield b -> b.pdf(w).emptyFraction(empty).everyGlomerulus(every);
            }
            default -> b -> b;
        };
        return b -> extra.apply(b.sampling(sampling).epochSize(epochSize).augmentation(augmentation).seed(seed));
    }

    /** @return reduce factor */
    public int reduce() {
        return reduce;
    }

    /** @return the normalisation applied to images */
    public Normalization normalization() {
        return normalization;
    }

    /** @return the candidate grid tiles of all slides (validation uses them in order) */
    public List<SlideTile> gridTiles() {
        List<SlideTile> out = new ArrayList<>();
        for (SlideInterval s : grid) {
            out.add(new SlideTile(ids.get(s.slide), s));
        }
        return out;
    }

    /**
     * The tiles of an epoch, deterministic for (seed, epoch).
     *
     * @param epoch epoch number from 0
     * @return {@link #epochSize()} tiles
     */
    public List<SlideTile> epoch(int epoch) {
        long s = Augmentations.sampleSeed(seed, epoch, -1);
        List<SlideTile> out = new ArrayList<>(epochSize);
        switch (sampling) {
            case "balanced" -> {
                Iterator<Interval> it = balanced.tiles(s);
                while (it.hasNext() && out.size() < epochSize) {
                    SlideInterval t = (SlideInterval) it.next();
                    out.add(new SlideTile(ids.get(t.slide), t));
                }
            }
            case "random-positive" -> {
                SplittableRandom r = new SplittableRandom(s);
                long side = (long) tile * reduce;
                for (int i = 0; i < epochSize; i++) {
                    int k = r.nextInt(ids.size());
                    String id = ids.get(k);
                    ImageSource src = slide(id);
                    if (side > src.width() || side > src.height()) {
                        throw new IllegalArgumentException("random-positive crops of " + side + " px do not fit in "
                                + id + " (" + src.width() + " x " + src.height() + ")");
                    }
                    RleRuns runs = mask(id);
                    ForegroundCrops crops = new ForegroundCrops(src.width(), src.height(), (int) side, 1, retries,
                            t -> usable(id, t) && hasForeground(runs, t));
                    out.add(new SlideTile(id, crops.tiles(r.nextLong()).next()));
                }
            }
            case "pdf" -> {
                SplittableRandom r = new SplittableRandom(s);
                if (everyGlomerulus) {
                    for (int k = 0; k < ids.size(); k++) {
                        long gs = r.nextLong();
                        if (glomeruli.get(k) == null) {
                            continue;
                        }
                        Iterator<Interval> it = glomeruli.get(k).epoch(gs, 0, (int) ((long) tile * reduce));
                        while (it.hasNext()) {
                            out.add(new SlideTile(ids.get(k), it.next()));
                        }
                    }
                }
                while (out.size() < epochSize) {
                    SlideTile st = null;
                    for (int tries = 0; tries < MAX_REDRAWS && (st == null || !usable(st.slideId(), st.region()));
                         tries++) {
                        int k = r.nextInt(ids.size());
                        if (emptyFraction > 0 && r.nextDouble() < emptyFraction) {
                            ImageSource src = slide(ids.get(k));
                            st = new SlideTile(ids.get(k), centred(r.nextLong(src.width()), r.nextLong(src.height())));
                        } else {
                            long[] c = pdf.get(k).drawCentre(r);
                            st = new SlideTile(ids.get(k), centred(c[0], c[1]));
                        }
                    }
                    out.add(st);
                }
            }
            case "random" -> {
                SplittableRandom r = new SplittableRandom(s);
                for (int i = 0; i < epochSize; i++) {
                    SlideTile st = null;
                    for (int tries = 0; tries < MAX_REDRAWS && (st == null || !usable(st.slideId(), st.region()));
                         tries++) {
                        int k = r.nextInt(ids.size());
                        ImageSource src = slide(ids.get(k));
                        st = new SlideTile(ids.get(k), centred(r.nextLong(src.width()), r.nextLong(src.height())));
                    }
                    out.add(st);
                }
            }
            default -> {
                List<SlideInterval> all = new ArrayList<>(grid);
                java.util.Collections.shuffle(all, new java.util.Random(s));
                for (int i = 0; i < epochSize; i++) {
                    SlideInterval t = all.get(i % all.size());
                    out.add(new SlideTile(ids.get(t.slide), t));
                }
            }
        }
        return out;
    }

    private ImageSource slide(String id) {
        try {
            return dataset.slide(id);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private RleRuns mask(String id) {
        try {
            return dataset.mask(id);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static boolean hasForeground(RleRuns runs, Interval t) {
        byte[] m = Rle.decodeWindow(runs, t);
        for (byte v : m) {
            if (v != 0) {
                return true;
            }
        }
        return false;
    }

    private Interval centred(long cx, long cy) {
        long side = (long) tile * reduce;
        long x0 = cx - side / 2;
        long y0 = cy - side / 2;
        return new FinalInterval(new long[] {x0, y0}, new long[] {x0 + side - 1, y0 + side - 1});
    }

    /**
     * Reads, augments and normalises one tile into a batch.
     *
     * @param t      the tile
     * @param sample sample seed (augmentation), or {@code null} for no augmentation
     * @param images NHWC destination
     * @param masks  NHW destination
     * @param n      index in the batch
     * @throws IOException if the slide cannot be read
     */
    public void load(SlideTile t, Long sample, float[] images, float[] masks, int n) throws IOException {
        ImageSource s = dataset.slide(t.slideId());
        byte[] px = s.read(t.region(), reduce).update(null).getCurrentStorageArray();
        int c = s.channels();
        int plane = tile * tile;
        int side = sample != null && augmentation != null ? outputTile : tile;
        if (px.length != plane * c) {
            throw new IllegalStateException("region " + t.region() + " read at reduce " + reduce + " gave "
                    + px.length + " values, expected " + plane * c);
        }
        float[] img = new float[px.length];
        for (int i = 0; i < px.length; i++) {
            img[i] = px[i] & 0xFF;
        }
        byte[] m = dataset.hasMask(t.slideId()) ? dataset.maskWindow(t.slideId(), t.region(), reduce)
                : new byte[plane];
        if (sample != null && augmentation != null) {
            Tile a = Tile.of(img, m, c, tile, tile);
            Augmentations.apply(augmentation, a, sample);
            if (a.height() != side || a.width() != side) {
                throw new IllegalStateException("augmentation gave a " + a.width() + "x" + a.height() + " tile, expected "
                        + side + "x" + side);
            }
            img = a.image();
            m = a.mask();
        }
        int out = side * side;
        normalization.planarToInterleaved(img, 0, out, images, n * out * c);
        for (int i = 0; i < out; i++) {
            masks[n * out + i] = m[i];
        }
    }

    /**
     * The batches of an epoch, loaded by {@code threads} background threads at most {@code prefetch} batches
     * ahead, in order. Close the loader when done.
     *
     * @param epoch     epoch number from 0
     * @param batchSize samples per batch (the last batch may be smaller)
     * @param threads   loader threads, {@code >= 1}
     * @param prefetch  batches loaded ahead, {@code >= 1}
     * @return the loader
     */
    public BatchLoader batches(int epoch, int batchSize, int threads, int prefetch) {
        List<SlideTile> tiles = epoch(epoch);
        return new BatchLoader(this, tiles, batchSize, threads, prefetch,
                i -> Augmentations.sampleSeed(seed, epoch, i));
    }

    /**
     * Batches of given tiles without augmentation (validation), loaded like {@link #batches}.
     *
     * @param tiles     the tiles
     * @param batchSize samples per batch
     * @param threads   loader threads
     * @param prefetch  batches loaded ahead
     * @return the loader
     */
    public BatchLoader plainBatches(List<SlideTile> tiles, int batchSize, int threads, int prefetch) {
        return new BatchLoader(this, tiles, batchSize, threads, prefetch, null);
    }

    /** A grid tile remembering its slide (BalancedSampler hands back the candidates it was given). */
    private static final class SlideInterval extends net.imglib2.AbstractInterval {
        final int slide;

        SlideInterval(int slide, Interval t) {
            super(t);
            this.slide = slide;
        }

        @Override
        public String toString() {
            return "slide " + slide + " [" + min[0] + ", " + min[1] + "] -> [" + max[0] + ", " + max[1] + "]";
        }
    }

    /**
     * The id of a tile in tile-level folds ({@code cv.split: stratified-tiles}): {@code slide:x:y:width:height},
     * the region in level-0 pixels.
     *
     * @param slide the slide id
     * @param t     the region
     * @return the id
     */
    public static String tileId(String slide, Interval t) {
        return slide + ":" + t.min(0) + ":" + t.min(1) + ":" + t.dimension(0) + ":" + t.dimension(1);
    }

    /** Options of {@link TrainingTiles}. */
    public static final class Builder {
        private final CompetitionDataset dataset;
        private final List<String> ids;
        private final int tile;
        private final int reduce;
        private String sampling = "grid";
        private int epochSize;
        private int bins = 4;
        private double emptyFraction;
        private int shift;
        private int saturationThreshold;
        private int retries = 25;
        private boolean everyGlomerulus;
        private Augmentation augmentation;
        private Normalization normalization;
        private long seed = 42;
        private PdfWeights pdfWeights = PdfWeights.DEFAULT;
        private Set<String> only;

        private Builder(CompetitionDataset dataset, List<String> ids, int tile, int reduce) {
            this.dataset = Objects.requireNonNull(dataset, "dataset");
            this.ids = List.copyOf(ids);
            this.tile = tile;
            this.reduce = reduce;
        }

        /** @param s sampling strategy, one of {@link #SAMPLINGS} (default grid) @return this */
        public Builder sampling(String s) {
            this.sampling = s;
            return this;
        }

        /** @param n tiles per epoch, 0 for one per grid tile (default 0) @return this */
        public Builder epochSize(int n) {
            this.epochSize = n;
            return this;
        }

        /**
         * @param s offset in working-resolution pixels of an extra grid added to the regular one, in
         *          {@code 0..tile-1} (default 0: none; 1st place 512 with 1024 tiles)
         * @return this
         */
        public Builder shift(int s) {
            this.shift = s;
            return this;
        }

        /**
         * @param t saturation threshold of {@link SaturationFilter} on the grid tiles, 0 for none (default; 3rd
         *          place 40)
         * @return this
         */
        public Builder saturationThreshold(int t) {
            this.saturationThreshold = t;
            return this;
        }

        /** @param r redraws of random-positive crops without foreground (default 25, 23rd place) @return this */
        public Builder retries(int r) {
            this.retries = r;
            return this;
        }

        /** @param e pdf sampling: one tile centred in every glomerulus first, each epoch (default false) @return this */
        public Builder everyGlomerulus(boolean e) {
            this.everyGlomerulus = e;
            return this;
        }

        /** @param b masked-area bins of balanced sampling (default 4) @return this */
        public Builder bins(int b) {
            this.bins = b;
            return this;
        }

        /** @param f pdf sampling: share of uniformly random tiles (default 0) @return this */
        public Builder emptyFraction(double f) {
            this.emptyFraction = f;
            return this;
        }

        /** @param a augmentation (default none) @return this */
        public Builder augmentation(Augmentation a) {
            this.augmentation = a;
            return this;
        }

        /** @param n normalisation (default: /255) @return this */
        public Builder normalization(Normalization n) {
            this.normalization = n;
            return this;
        }

        /**
         * Weights and map resolution of {@code pdf} sampling (default {@link PdfWeights#DEFAULT}); with pdf
         * sampling, {@link #emptyFraction} is the share of uniformly random tiles mixed in.
         *
         * @param w the weights
         * @return this
         */
        public Builder pdf(PdfWeights w) {
            this.pdfWeights = Objects.requireNonNull(w, "pdf weights");
            return this;
        }

        /**
         * Keeps only the grid tiles with these ids ({@link #tileId}; tile-level folds: a fold's training or
         * validation tiles). Grid and balanced sampling only: the random samplers draw anywhere on a slide.
         *
         * @param tileIds the ids, or null for every tile (default)
         * @return this
         */
        public Builder only(Set<String> tileIds) {
            this.only = tileIds == null ? null : Set.copyOf(tileIds);
            return this;
        }

        /** @param s seed of sampling and augmentation (default 42) @return this */
        public Builder seed(long s) {
            this.seed = s;
            return this;
        }

        /**
         * Validates, then lists the candidate tiles (and, for balanced sampling, their masked areas).
         *
         * @return the tiles
         * @throws IOException if a slide or mask cannot be read
         */
        public TrainingTiles build() throws IOException {
            if (ids.isEmpty()) {
                throw new IllegalArgumentException("ids must not be empty");
            }
            if (tile < 1) {
                throw new IllegalArgumentException("tile must be >= 1, got " + tile);
            }
            if (reduce < 1) {
                throw new IllegalArgumentException("reduce must be >= 1, got " + reduce);
            }
            if (!SAMPLINGS.contains(sampling)) {
                throw new IllegalArgumentException("sampling must be one of " + new java.util.TreeSet<>(SAMPLINGS)
                        + ", got '" + sampling + "'");
            }
            if (epochSize < 0) {
                throw new IllegalArgumentException("epochSize must be >= 0, got " + epochSize);
            }
            if (shift < 0 || shift >= tile) {
                throw new IllegalArgumentException("shift must be in 0.." + (tile - 1) + ", got " + shift);
            }
            if (saturationThreshold < 0 || saturationThreshold > 255) {
                throw new IllegalArgumentException("saturation threshold must be in 0..255, got " + saturationThreshold);
            }
            if (retries < 0) {
                throw new IllegalArgumentException("retries must be >= 0, got " + retries);
            }
            if (!(emptyFraction >= 0 && emptyFraction <= 1)) {
                throw new IllegalArgumentException("emptyFraction must be in [0, 1], got " + emptyFraction);
            }
            if (only != null && !sampling.equals("grid") && !sampling.equals("balanced")) {
                throw new IllegalArgumentException("tile-level folds restrict the grid's tiles, so they need grid or"
                        + " balanced sampling, got '" + sampling + "' (it draws anywhere on a slide)");
            }
            if (normalization == null) {
                normalization = Normalization.scale255(dataset.slide(ids.get(0)).channels());
            }
            return new TrainingTiles(this);
        }
    }
}
