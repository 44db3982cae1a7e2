package io.github.hubmapseg.pipeline;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.github.hubmapseg.core.kaggle.KaggleFiles;
import io.github.hubmapseg.core.kaggle.TrainRow;
import io.github.hubmapseg.core.rle.Rle;
import io.github.hubmapseg.core.synth.SyntheticDataset;
import io.github.hubmapseg.pipeline.config.Recipe;
import io.github.hubmapseg.pipeline.config.Recipes;
import io.github.hubmapseg.pipeline.data.CompetitionDataset;
import io.github.hubmapseg.pipeline.data.Normalization;
import io.github.hubmapseg.pipeline.data.SlideTile;
import io.github.hubmapseg.pipeline.data.TrainingTiles;
import io.github.hubmapseg.pipeline.folds.FoldAssignment;
import io.github.hubmapseg.pipeline.folds.Folds;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Tile-level stratified folds ({@code cv.split: stratified-tiles}, {@link TileFolds}): every grid tile is validated
 * exactly once; per stratum (slide x masked-area bin, recomputed here from the decoded train.csv masks) the folds
 * hold the same number of tiles to within one; a fold's training draws only its training tiles and validates only
 * on its validation tiles; the trainer trains such folds. With {@code cv.groups} slide or patient no group has tiles
 * in two folds, the deal equals scikit-learn's StratifiedGroupKFold (its documented example, and a numpy run of our
 * transcription of its source on a hand-made case) and balances the strata no worse than a round-robin of groups.
 */
class TileFoldsTest {
    @TempDir
    static Path dir;
    static Path data;
    static final int SIZE = 1024;
    static final int TILE = 128;
    static final Map<String, byte[]> MASKS = new HashMap<>();

    @BeforeAll
    static void synth() throws Exception {
        data = dir.resolve("data");
        SyntheticDataset.builder(data).slides(4).size(SIZE, SIZE).patients(2).seed(21).threads(1).build()
                .write(new SyntheticDataset.Listener() {
                });
        for (TrainRow r : KaggleFiles.readTrain(data.resolve("train.csv"))) {
            MASKS.put(r.id(), Rle.decode(r.encoding(), SIZE, SIZE));
        }
    }

    /** Masked pixels of a tile id {@code slide:x:y:w:h}, counted on the decoded mask. */
    private static long area(String tileId) {
        String[] p = tileId.split(":");
        byte[] m = MASKS.get(p[0]);
        int x0 = Integer.parseInt(p[1]);
        int y0 = Integer.parseInt(p[2]);
        long a = 0;
        for (int y = y0; y < y0 + Integer.parseInt(p[4]); y++) {
            for (int x = x0; x < x0 + Integer.parseInt(p[3]); x++) {
                if (x < SIZE && y < SIZE && m[y * SIZE + x] != 0) {
                    a++;
                }
            }
        }
        return a;
    }

    @Test
    void everyStratumIsSpreadOverTheFoldsToWithinOneTile() throws Exception {
        int k = 3;
        try (CompetitionDataset ds = CompetitionDataset.open(data)) {
            FoldAssignment a = TileFolds.stratified(ds, ds.trainIds(), TILE, 1, 4, k, 7);
            assertThat(TileFolds.isTileLevel(a)).isTrue();
            int perSlide = (SIZE / TILE) * (SIZE / TILE);
            assertThat(a.items()).hasSize(ds.trainIds().size() * perSlide);
            assertThat(new HashSet<>(a.asMap().keySet())).hasSize(a.items().size());
            // strata recomputed independently: slide x (empty, or equal-width bin of (0, max] in 4)
            long max = 0;
            for (FoldAssignment.Entry e : a.items()) {
                max = Math.max(max, area(e.id()));
            }
            Map<String, int[]> counts = new TreeMap<>();
            for (FoldAssignment.Entry e : a.items()) {
                long ar = area(e.id());
                int bin = ar == 0 ? -1 : (int) Math.min(3, Math.max(0, Math.ceil(4.0 * ar / max) - 1));
                String stratum = e.group() + "/" + bin;
                assertThat(e.label()).as(e.id()).isEqualTo(e.group() + "/" + (bin < 0 ? "empty" : "area-bin-" + bin));
                counts.computeIfAbsent(stratum, s -> new int[k])[e.fold()]++;
            }
            int multi = 0;
            for (Map.Entry<String, int[]> c : counts.entrySet()) {
                int lo = Integer.MAX_VALUE;
                int hi = 0;
                for (int n : c.getValue()) {
                    lo = Math.min(lo, n);
                    hi = Math.max(hi, n);
                }
                assertThat(hi - lo).as("stratum %s per fold", c.getKey()).isLessThanOrEqualTo(1);
                multi += hi >= 2 ? 1 : 0;
            }
            assertThat(counts.size()).as("strata: slides x (empty + bins)").isGreaterThanOrEqualTo(
                    ds.trainIds().size() * 3);
            assertThat(multi).as("strata large enough to be split").isGreaterThanOrEqualTo(ds.trainIds().size());
            int[] sizes = a.foldSizes();
            assertThat(sizes[0] - sizes[k - 1]).isBetween(-1, 1);
            // deterministic for the seed, another seed deals otherwise; saved and loaded as any folds file
            assertThat(TileFolds.stratified(ds, ds.trainIds(), TILE, 1, 4, k, 7)).isEqualTo(a);
            assertThat(TileFolds.stratified(ds, ds.trainIds(), TILE, 1, 4, k, 8).asMap()).isNotEqualTo(a.asMap());
            Path f = dir.resolve("tile-folds.json");
            Folds.save(a, f);
            assertThat(Folds.load(f)).isEqualTo(a);
        }
    }

    @Test
    void aFoldTrainsOnItsTrainingTilesOnlyAndTheTrainerTrainsIt() throws Exception {
        Recipe r = Recipes.withOverrides(Recipes.defaultRecipe(), List.of("cv.split=stratified-tiles", "cv.folds=3",
                "cv.train_folds=[1]", "data.tile_size=" + TILE / 2, "data.reduce=2", "data.tiles_per_epoch=8",
                "train.epochs=1", "train.batch_size=4", "model.base_channels=4", "infer.tile_size=64",
                "infer.reduce=2", "infer.expansion=16"));
        try (CompetitionDataset ds = CompetitionDataset.open(data)) {
            FoldAssignment a = Reproduction.folds(r, ds);
            TileFolds.Fold fo = TileFolds.fold(a, ds.trainIds(), 1);
            assertThat(fo.trainTiles()).doesNotContainAnyElementsOf(fo.valTiles());
            assertThat(fo.trainTiles().size() + fo.valTiles().size()).isEqualTo(a.items().size());
            // balanced sampling (cpu-quick's) restricted to the fold's training tiles
            TrainingTiles t = TrainingTiles.forTraining(ds, fo.trainIds(), r, Normalization.scale255(3),
                    fo.trainTiles());
            Set<String> grid = new HashSet<>();
            for (SlideTile s : t.gridTiles()) {
                grid.add(TrainingTiles.tileId(s.slideId(), s.region()));
            }
            assertThat(grid).isEqualTo(fo.trainTiles());
            for (SlideTile s : t.epoch(0)) {
                assertThat(fo.trainTiles()).contains(TrainingTiles.tileId(s.slideId(), s.region()));
            }
            // the trainer trains fold 1 of the tiles; no whole-slide out-of-fold search is possible
            List<String> log = new java.util.ArrayList<>();
            List<io.github.hubmapseg.pipeline.train.Trainer.Result> res = Reproduction.trainFolds(r, ds, a,
                    dir.resolve("run"), 1, log::add, io.github.hubmapseg.pipeline.train.TrainListener.NONE);
            assertThat(res).hasSize(1);
            assertThat(res.get(0).history()).hasSize(1);
            assertThat(res.get(0).history().get(0).softDice()).isBetween(0.0, 1.0);
            assertThat(log).anyMatch(l -> l.contains("fold 1: training on " + fo.trainTiles().size() + " tiles")
                    && l.endsWith("validating on " + fo.valTiles().size()));
            assertThatThrownBy(() -> Reproduction.outOfFold(r, ds, a, List.of(1), List.of(res.get(0).best()),
                    dir.resolve("oof"))).hasMessageContaining("tile-level folds");
        }
        // pdf sampling draws anywhere on a slide: refused with tile folds, naming both settings
        Recipe pdf = Recipes.withOverrides(r, List.of("data.sampling=pdf"));
        assertThatThrownBy(() -> RecipeCheck.beforeRun(pdf, "hubmap train")).hasMessageContaining("stratified-tiles")
                .hasMessageContaining("pdf");
        // the whole-slide threshold search cannot run on tile folds, so setting it is an unread key
        Recipe search = Recipes.withOverrides(r, List.of("infer.search_threshold=true"));
        assertThatThrownBy(() -> RecipeCheck.beforeRun(search, "hubmap reproduce"))
                .hasMessageContaining("infer.search_threshold");
    }

    /** Mean over strata of the population std over folds of the fold's share of the stratum (sklearn's criterion). */
    private static double imbalance(List<String> strata, int[] fold, int k) {
        Map<String, double[]> per = new TreeMap<>();
        Map<String, Double> total = new HashMap<>();
        for (int i = 0; i < fold.length; i++) {
            per.computeIfAbsent(strata.get(i), x -> new double[k])[fold[i]]++;
            total.merge(strata.get(i), 1.0, Double::sum);
        }
        double sum = 0;
        for (Map.Entry<String, double[]> e : per.entrySet()) {
            double[] v = e.getValue();
            double mean = 0;
            for (double x : v) {
                mean += x / total.get(e.getKey()) / k;
            }
            double ss = 0;
            for (double x : v) {
                ss += Math.pow(x / total.get(e.getKey()) - mean, 2);
            }
            sum += Math.sqrt(ss / k);
        }
        return sum / per.size();
    }

    @Test
    void slideGroupsKeepEverySlideInOneFoldAndBalanceNoWorseThanRoundRobin() throws Exception {
        int k = 3;
        try (CompetitionDataset ds = CompetitionDataset.open(data)) {
            FoldAssignment a = TileFolds.stratified(ds, ds.trainIds(), TILE, 1, 4, k, 7, TileFolds.Grouping.SLIDE);
            assertThat(TileFolds.isTileLevel(a)).isTrue();
            assertThat(a.items()).hasSize(ds.trainIds().size() * (SIZE / TILE) * (SIZE / TILE));
            Map<String, Set<Integer>> foldsOf = new TreeMap<>();
            List<String> strata = new ArrayList<>();
            int[] fold = new int[a.items().size()];
            int[] roundRobin = new int[fold.length];
            List<String> slides = ds.trainIds().stream().sorted().toList();
            long max = 0;
            for (FoldAssignment.Entry e : a.items()) {
                max = Math.max(max, area(e.id()));
            }
            for (int i = 0; i < fold.length; i++) {
                FoldAssignment.Entry e = a.items().get(i);
                assertThat(e.id()).startsWith(e.group() + ":");
                foldsOf.computeIfAbsent(e.group(), x -> new HashSet<>()).add(e.fold());
                long ar = area(e.id());
                int bin = ar == 0 ? -1 : (int) Math.min(3, Math.max(0, Math.ceil(4.0 * ar / max) - 1));
                String stratum = bin < 0 ? "empty" : "area-bin-" + bin;
                assertThat(e.label()).as("strata are the area bins alone with groups").isEqualTo(stratum);
                strata.add(stratum);
                fold[i] = e.fold();
                roundRobin[i] = slides.indexOf(e.group()) % k;
            }
            assertThat(foldsOf).hasSize(ds.trainIds().size());
            foldsOf.forEach((slide, fs) -> assertThat(fs).as("folds of slide %s", slide).hasSize(1));
            assertThat(a.foldSizes()).doesNotContain(0);
            assertThat(imbalance(strata, fold, k)).isLessThanOrEqualTo(imbalance(strata, roundRobin, k));
            // the deal is deterministic without shuffle: the seed does not change it
            assertThat(TileFolds.stratified(ds, ds.trainIds(), TILE, 1, 4, k, 8, TileFolds.Grouping.SLIDE).asMap())
                    .isEqualTo(a.asMap());
        }
    }

    @Test
    void patientGroupsFromTheRecipeKeepEveryPatientInOneFold() throws Exception {
        Recipe r = Recipes.withOverrides(Recipes.defaultRecipe(), List.of("cv.split=stratified-tiles", "cv.folds=2",
                "cv.groups=patient", "data.tile_size=" + TILE, "data.reduce=1"));
        try (CompetitionDataset ds = CompetitionDataset.open(data)) {
            Set<String> patients = new HashSet<>();
            for (String id : ds.trainIds()) {
                patients.add(ds.patient(id));
            }
            assertThat(patients).as("synthetic patients").hasSize(2).doesNotContainAnyElementsOf(ds.trainIds());
            FoldAssignment a = Reproduction.folds(r, ds);
            Map<String, Set<Integer>> foldsOf = new TreeMap<>();
            for (FoldAssignment.Entry e : a.items()) {
                foldsOf.computeIfAbsent(ds.patient(e.group()), x -> new HashSet<>()).add(e.fold());
            }
            assertThat(foldsOf).hasSize(2);
            foldsOf.forEach((p, fs) -> assertThat(fs).as("folds of patient %s", p).hasSize(1));
            assertThat(a.foldSizes()).doesNotContain(0);
            assertThat(r.keys().unconsumed()).doesNotContain("cv.groups");
            // three folds of two patients cannot be made
            Recipe three = Recipes.withOverrides(r, List.of("cv.folds=3"));
            assertThatThrownBy(() -> Reproduction.folds(three, ds)).hasMessage("cv.groups patient: 2 groups in "
                    + ds.trainIds() + " cannot make 3 folds (cv.folds)");
        }
    }

    @Test
    void aBadGroupingOrAGroupingWithAnotherSplitIsAOneLineError() {
        assertThatThrownBy(() -> Recipes.withOverrides(Recipes.defaultRecipe(), List.of("cv.split=stratified-tiles",
                "cv.groups=hospital"))).hasMessageContaining("cv.groups").hasMessageContaining("\"hospital\"")
                .hasMessageContaining("[none, patient, slide]").message().doesNotContain("\n");
        assertThatThrownBy(() -> Recipes.withOverrides(Recipes.defaultRecipe(), List.of("cv.split=group-kfold-image",
                "cv.groups=slide"))).hasMessageContaining("cv.groups slide").hasMessageContaining("stratified-tiles")
                .hasMessageContaining("group-kfold-image").message().doesNotContain("\n");
        assertThatThrownBy(() -> TileFolds.Grouping.of("Slide")).hasMessageContaining("\"Slide\"");
        // grouped folds are not shuffled, so a seed set with them is an unread key
        Recipe seeded = Recipes.withOverrides(Recipes.defaultRecipe(), List.of("cv.split=stratified-tiles",
                "cv.groups=slide", "cv.seed=3"));
        assertThatThrownBy(() -> RecipeCheck.beforeRun(seeded, "hubmap reproduce")).hasMessageContaining("cv.seed");
    }
}
