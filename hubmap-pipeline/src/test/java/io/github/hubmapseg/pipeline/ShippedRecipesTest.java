package io.github.hubmapseg.pipeline;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.github.hubmapseg.core.synth.SyntheticDataset;
import io.github.hubmapseg.pipeline.config.Recipe;
import io.github.hubmapseg.pipeline.config.Recipes;
import io.github.hubmapseg.pipeline.data.CompetitionDataset;
import io.github.hubmapseg.pipeline.folds.FoldItem;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Every shipped recipe runs a tiny slice of itself end to end ({@link Reproduction}: folds, training with its
 * sampling, augmentation, loss, optimizer and schedule, out-of-fold threshold search, pseudo-labels where enabled,
 * inference) and no key it sets is left unread: {@code Reproduction.run} ends with {@link Recipes#requireConsumed}.
 * The slice only changes sizes (tiles, epochs, folds, a tiny encoder): the keys it overrides are the recipe's own,
 * so they still count as declared and must still be read.
 */
class ShippedRecipesTest {

    @TempDir
    static Path dir;
    static Path data;
    static List<String> patients;

    @BeforeAll
    static void data() throws Exception {
        data = dir.resolve("data");
        SyntheticDataset.builder(data).slides(5).size(512, 512).patients(2).seed(11).threads(1).build()
                .write(new SyntheticDataset.Listener() {
                });
        try (CompetitionDataset ds = CompetitionDataset.open(data)) {
            Set<String> p = new LinkedHashSet<>();
            for (FoldItem i : ds.foldItems(ds.trainIds(), true)) {
                p.add(i.group());
            }
            patients = new ArrayList<>(p);
        }
    }

    static List<String> names() {
        return Recipes.NAMES;
    }

    /** Sizes only: every override names a key of the recipe itself. */
    static Recipe slice(String name) {
        Recipe r = Recipes.builtin(name);
        Recipe peek = Recipes.detached(r); // the slice reads its settings here, not in the ledger under test
        List<String> o = new ArrayList<>(List.of("data.tile_size=64", "data.reduce=4", "data.tiles_per_epoch=4",
                "train.batch_size=2", "train.epochs=1", "infer.tile_size=64", "infer.reduce=4",
                "infer.expansion=16"));
        Set<String> declared = Set.copyOf(r.keys().declared());
        // scSE needs >= 16 decoder channels, smp's FPN GroupNorm(32) 4b = 32 segmentation channels
        o.add("model.base_channels="
                + (peek.model().attention() ? 16 : peek.model().architecture().equals("fpn") ? 8 : 4));
        if (declared.contains("model.pretrained")) {
            o.add("model.pretrained=none"); // no weight files here (docs/weights.md)
        }
        if (declared.contains("cv.folds")) {
            o.add("cv.folds=2");
        }
        if (declared.contains("pseudo.epochs")) {
            o.add("pseudo.epochs=1");
        }
        if (peek.data().shift() > 0) {
            o.add("data.shift=32");
        }
        o.add(peek.model().variants().isEmpty() ? "model.encoder=tiny" : "model.variants=[tiny, tiny]");
        if (peek.cv().split().equals("validation-groups")) {
            o.add("cv.validation_groups=[[\"" + patients.get(0) + "\"], [\"" + patients.get(1) + "\"]]");
        }
        if (peek.train().augment().equals("twenty-third-place")) {
            o.add("train.augment=flips"); // its RandomCrop 768 needs 1024 tiles (TrainingTilesRecipesTest)
        }
        if (peek.infer().overlap() > 0) {
            o.add("infer.overlap=8");
        }
        if (!peek.members().isEmpty()) { // the same members, their tile sizes shrunk (64, 96, 128, ...)
            List<String> ms = new ArrayList<>();
            for (int i = 0; i < peek.members().size(); i++) {
                List<String> kv = new ArrayList<>();
                for (var e : peek.members().get(i).entrySet()) {
                    kv.add(e.getKey() + ": " + (e.getKey().endsWith("tile_size") ? 64 + 32 * i : e.getValue()));
                }
                ms.add("{" + String.join(", ", kv) + "}");
            }
            o.add("members=[" + String.join(", ", ms) + "]");
        }
        // reading peek consumed nothing in r's ledger, which the slice shares: reads in the run count
        return Recipes.withOverrides(r, o);
    }

    @ParameterizedTest
    @MethodSource("names")
    void aTinySliceReadsEveryKeyTheRecipeSets(String name) throws Exception {
        Recipe r = slice(name);
        List<String> dry = RecipeCheck.read(Recipes.detached(r));
        assertThat(r.keys().consumed()).as("the dry pass reads a detached copy").isEmpty();
        Reproduction.Report rep = Reproduction.builder(dir.resolve("run-" + name)).data(data).recipe(r).threads(1)
                .overlays(false).build().run(); // throws on any unconsumed key
        assertThat(rep.submission()).exists();
        if (name.equals("third-place")) {
            // one run trains both backbones' folds; the ensemble holds all of them
            Path run = dir.resolve("run-" + name);
            for (String v : List.of("variant-1-tiny", "variant-2-tiny")) {
                for (int f = 0; f < 2; f++) {
                    assertThat(run.resolve(v).resolve("fold-" + f).resolve("best.zip")).exists();
                }
            }
            assertThat(io.github.hubmapseg.pipeline.infer.Ensemble.load(rep.ensemble()).members()).hasSize(4);
        }
        if (!Recipes.detached(r).members().isEmpty()) {
            // one run trains every member's folds; the ensemble holds all of them, each at its own scale and tile
            int members = Recipes.detached(r).members().size();
            Path run = dir.resolve("run-" + name);
            for (int m = 0; m < members; m++) {
                assertThat(run.resolve("member-" + m).resolve("fold-0").resolve("best.zip")).exists();
            }
            var e = io.github.hubmapseg.pipeline.infer.Ensemble.load(rep.ensemble());
            int folds = e.entries().size() / members;
            assertThat(e.entries()).hasSize(members * folds);
            for (int i = 0; i < e.entries().size(); i++) {
                Recipe.Infer own = Recipes.member(Recipes.detached(r), i / folds).infer();
                assertThat(e.entries().get(i).infer()).as("entry %d", i).containsEntry("reduce", own.reduce())
                        .containsEntry("tile_size", own.tileSize());
            }
        }
        assertThat(r.unconsumedKeys()).isEmpty();
        assertThat(r.keys().declared()).isNotEmpty();
        // the dry pass hubmap train and reproduce run first reads exactly what the run read
        assertThat(dry).as("keys read by the dry pass").containsExactlyElementsOf(r.keys().consumed());
    }

    @org.junit.jupiter.api.Test
    void aKeyNothingReadsIsAnErrorNamingIt() throws Exception {
        // pdf weights are read by pdf sampling only: with grid sampling, setting one is refused after the run
        Recipe r = Recipes.withOverrides(TinyData.recipe("data.sampling=grid", "data.cortex_weight=0.7"), List.of());
        assertThatThrownBy(() -> Reproduction.builder(dir.resolve("run-silent")).data(data).recipe(r).threads(1)
                .overlays(false).build().run()).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("data.cortex_weight").hasMessageContaining("read none");
    }

    @org.junit.jupiter.api.Test
    void variantsAndAnEncoderTogetherAreRefusedBeforeTraining() throws Exception {
        Recipe r = Recipes.withOverrides(Recipes.builtin("third-place"), List.of("model.encoder=tiny", "cv.folds=2"));
        try (CompetitionDataset ds = CompetitionDataset.open(data)) {
            var folds = Reproduction.folds(r, ds);
            assertThatThrownBy(() -> Reproduction.trainFolds(r, ds, folds, dir.resolve("v"), 1,
                    s -> { }, io.github.hubmapseg.pipeline.train.TrainListener.NONE))
                    .hasMessageContaining("model.variants and model.encoder");
        }
    }
}
