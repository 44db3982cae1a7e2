package io.github.hubmapseg.pipeline;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.github.hubmapseg.core.rle.Rle;
import io.github.hubmapseg.core.rle.RleRuns;
import io.github.hubmapseg.models.ModelPredictor;
import io.github.hubmapseg.pipeline.config.Recipe;
import io.github.hubmapseg.pipeline.config.Recipes;
import io.github.hubmapseg.pipeline.data.CompetitionDataset;
import io.github.hubmapseg.pipeline.infer.Ensemble;
import io.github.hubmapseg.pipeline.train.Checkpoint;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A recipe's {@code members} (10th and 23rd place: models at reduce 2, 3 and 4 in one ensemble) train in one run,
 * each member's folds at its own scale, and form an ensemble.json v2 in which every member keeps its scale: a tiny
 * cpu-quick slice with two members, at reduce 4 (the recipe's) and at reduce 2.
 */
class MembersReproductionTest {

    static final String MEMBERS = "members=[{}, {data.reduce: 2, infer.reduce: 2}]";

    /** cpu-quick shrunk to seconds (as {@link TinyData#recipe}), its scale left to the recipe and the members. */
    static Recipe recipe(String... more) {
        List<String> o = new ArrayList<>(List.of("data.tile_size=64", "data.tiles_per_epoch=4", "train.batch_size=2",
                "train.epochs=1", "infer.tile_size=64", "infer.expansion=16", "model.base_channels=4"));
        o.addAll(List.of(more));
        return Recipes.withOverrides(Recipes.defaultRecipe(), o);
    }

    @Test
    void everyMemberTrainsItsFoldsAtItsOwnScaleAndTheEnsembleKeepsIt(@TempDir Path out) throws Exception {
        Recipe r = recipe(MEMBERS);
        assertThat(r.keys().declared()).contains("members", "members[1].data.reduce", "members[1].infer.reduce");
        List<String> dry = RecipeCheck.read(Recipes.detached(r));
        Reproduction.Report rep = Reproduction.builder(out).data(TinyData.dir()).recipe(r).threads(1).overlays(false)
                .report(false).build().run(); // throws on any key left unread
        // the dry pass of hubmap train / reproduce reads exactly what the run read, member keys included
        assertThat(dry).containsExactlyElementsOf(r.keys().consumed()).contains("members[1].data.reduce",
                "members[1].infer.reduce", "data.reduce", "infer.reduce");

        // both members trained every fold, each at its own scale (the recipe stored in its checkpoints)
        for (int m = 0; m < 2; m++) {
            for (int f = 0; f < 2; f++) {
                Path best = out.resolve("member-" + m).resolve("fold-" + f).resolve("best.zip");
                assertThat(best).exists();
                Recipe stored = Checkpoint.load(best).recipe();
                assertThat(stored.data().reduce()).isEqualTo(m == 0 ? 4 : 2);
                assertThat(stored.infer().reduce()).isEqualTo(m == 0 ? 4 : 2);
                assertThat(stored.members()).isEmpty();
            }
        }
        assertThat(rep.folds()).hasSize(4);
        assertThat(rep.text()).contains("member 0 (the recipe's settings) fold 1: 1 epochs").contains(
                "member 1 (data.reduce=2, infer.reduce=2) fold 0: 1 epochs");
        assertThat(out.resolve("threshold.csv")).exists(); // searched out of fold on the combined ensemble

        // ensemble.json v2: every member at its own scale, member-major as trained
        Ensemble e = Ensemble.load(rep.ensemble());
        assertThat(e.entries()).hasSize(4);
        List<Object> reduces = e.entries().stream().map(x -> x.infer().get("reduce")).map(Object.class::cast).toList();
        assertThat(reduces).containsExactly(4, 4, 2, 2);
        assertThat(e.entries().get(2).checkpoint()).isEqualTo(out.resolve("member-1/fold-0/best.zip").toAbsolutePath()
                .normalize());
        assertThat(e.entries().get(0).infer()).containsEntry("tile_size", 64).containsEntry("expansion", 16);
        assertThat(e.threshold()).isEqualTo(rep.threshold());
        assertThat(e.describe(List.of())).anySatisfy(l -> assertThat(l).contains("reduce 2, tile 64"))
                .anySatisfy(l -> assertThat(l).contains("reduce 4, tile 64"));

        // predict (hubmap predict --ensemble) runs each member at its own scale: it reproduces the run's
        // submission, and applying one scale to every member gives another mask
        try (CompetitionDataset ds = CompetitionDataset.open(TinyData.dir())) {
            String id = ds.testIds().get(0);
            List<ModelPredictor> ps = e.open();
            try {
                RleRuns own = e.inference(List.of(), null, null).predictRuns(ds.slide(id), ps);
                String submitted = io.github.hubmapseg.core.kaggle.KaggleFiles.readSubmission(rep.submission())
                        .get(0).encoding();
                assertThat(Rle.format(own)).isEqualTo(submitted);
                float[] ownP = probabilities(e.inference(List.of(), null, null), ds.slide(id), ps);
                float[] allAt4 = probabilities(e.inference(List.of("infer.reduce=4"), null, null), ds.slide(id), ps);
                float[] allAt2 = probabilities(e.inference(List.of("infer.reduce=2"), null, null), ds.slide(id), ps);
                assertThat(ownP).isNotEqualTo(allAt4).isNotEqualTo(allAt2);
                // per pixel, the own-scale mean lies between (or on) the all-at-4 and all-at-2 ones: the
                // reduce-4 members agree with all-at-4 and the reduce-2 members with all-at-2 (equal weights)
                float[] at4only = probabilities(new io.github.hubmapseg.pipeline.infer.Inference(
                        Recipes.member(recipe(MEMBERS), 0).infer(), 0.5, null), ds.slide(id), ps.subList(0, 2));
                float[] at2only = probabilities(new io.github.hubmapseg.pipeline.infer.Inference(
                        Recipes.member(recipe(MEMBERS), 1).infer(), 0.5, null), ds.slide(id), ps.subList(2, 4));
                for (int k = 0; k < ownP.length; k++) {
                    assertThat((double) ownP[k]).isCloseTo((at4only[k] + at2only[k]) / 2.0,
                            org.assertj.core.data.Offset.offset(1e-6));
                }
            } finally {
                ps.forEach(ModelPredictor::close);
            }
        }

        // a second run into the same folder resumes every member's folds (nothing retrained) and ends the same
        Recipe again = recipe(MEMBERS);
        Reproduction.Report rep2 = Reproduction.builder(out).data(TinyData.dir()).recipe(again).threads(1)
                .overlays(false).report(false).build().run();
        assertThat(Files.readString(rep2.submission())).isEqualTo(Files.readString(rep.submission()));
        assertThat(rep2.folds()).hasSize(4);
    }

    static float[] probabilities(io.github.hubmapseg.pipeline.infer.Inference inf,
                                 io.github.hubmapseg.core.slide.ImageSource slide, List<ModelPredictor> ps)
            throws Exception {
        int w = (int) slide.width();
        float[] p = new float[w * (int) slide.height()];
        inf.predictProbabilities(slide, ps, (y0, rows, band) -> System.arraycopy(band, 0, p, (int) y0 * w, rows * w));
        return p;
    }

    @Test
    void aTopLevelKeyEveryMemberOverridesIsNeverReadAndRefusedBeforeTraining() {
        // cpu-quick sets data.reduce and infer.reduce itself: with every member setting both, its values would be
        // silent, so the dry pass reports them in the first second
        Recipe r = recipe("members=[{data.reduce: 2, infer.reduce: 2}, {data.reduce: 4, infer.reduce: 4}]");
        assertThatThrownBy(() -> RecipeCheck.beforeRun(r, "hubmap train"))
                .hasMessageContaining("[data.reduce, infer.reduce]").hasMessageContaining("would read none");
        // likewise a --set of a key every member overrides
        Recipe s = recipe(MEMBERS, "train.epochs=2", "members=[{train.epochs: 1}, {train.epochs: 3}]");
        assertThatThrownBy(() -> RecipeCheck.beforeRun(s, "hubmap train")).hasMessageContaining("[train.epochs]");
    }

    @Test
    void badMembersAreRefusedWhenTheRecipeIsLoaded() {
        assertThatThrownBy(() -> recipe("members=[{cv.folds: 3}]")).hasMessageContaining("members[0] sets 'cv.folds'")
                .hasMessageContaining("a member cannot set");
        assertThatThrownBy(() -> recipe("members=[{}, {data.reduc: 2}]"))
                .hasMessageContaining("members[1] sets 'data.reduc', which is not a recipe key");
        assertThatThrownBy(() -> recipe("members=[{infer.threshold: 0.3}]")).hasMessageContaining("infer.threshold");
        assertThatThrownBy(() -> recipe("members=[{data.reduce: two}]"))
                .hasMessageContaining("members[0].data.reduce must be an integer");
        assertThatThrownBy(() -> recipe("members=[{infer.overlap: 64}]"))
                .hasMessageContaining("members[0]").hasMessageContaining("infer.overlap must be < infer.tile_size");
        assertThatThrownBy(() -> recipe("members=[data.reduce]")).hasMessageContaining("members[0] must be a mapping");
        assertThatThrownBy(() -> Recipes.parse("members: [{model.variants: [tiny]}]", "x.yaml"))
                .hasMessageContaining("x.yaml: members[0] sets 'model.variants'");
        // members and variants together, or with pseudo-labels: refused before training
        Recipe v = Recipes.withOverrides(Recipes.builtin("third-place"), List.of(MEMBERS));
        assertThatThrownBy(() -> Reproduction.checkTraining(v)).hasMessageContaining("members and model.variants");
        Recipe p = recipe(MEMBERS, "pseudo.enabled=true");
        assertThatThrownBy(() -> Reproduction.checkTraining(p)).hasMessageContaining("pseudo.enabled");
        // a member's recipe: its keys applied, no members of its own
        Recipe r = recipe(MEMBERS);
        Recipe m1 = Recipes.member(r, 1);
        assertThat(m1.data().reduce()).isEqualTo(2);
        assertThat(m1.members()).isEmpty();
        assertThat(Recipes.member(r, 0).data().reduce()).isEqualTo(4);
        assertThat(r.keys().consumed()).contains("members[1].data.reduce", "data.reduce");
        assertThat(r.members()).containsExactly(Map.of(), Map.of("data.reduce", 2, "infer.reduce", 2));
    }
}
