package io.github.hubmapseg.pipeline;

import io.github.hubmapseg.pipeline.config.Recipe;
import io.github.hubmapseg.pipeline.config.Recipes;
import io.github.hubmapseg.pipeline.infer.Inference;
import io.github.hubmapseg.pipeline.pseudo.PseudoLabeler;
import io.github.hubmapseg.pipeline.train.Trainer;
import java.util.ArrayList;
import java.util.List;

/**
 * A dry pass over a recipe before anything runs: it reads, on a {@link Recipes#detached detached} copy, every key
 * that training and inference of the recipe will read (the folds' {@code cv} keys, each variant's and stage's
 * training settings, the inference engine and its post-processing, pseudo-labelling where enabled), through the same readers the run uses,
 * and fails naming the declared keys nothing would read. {@code hubmap reproduce} and {@code hubmap train} call it
 * first, so a typo or a key for another sampler fails in the first second instead of after an hour of training;
 * {@code hubmap reproduce} still checks its real ledger at the end ({@link Recipes#requireConsumed}).
 * {@code ShippedRecipesTest} checks that the dry pass reads what a run reads.
 */
public final class RecipeCheck {

    private RecipeCheck() {
    }

    /**
     * Runs the dry pass and fails on any declared key it did not read, or on settings that contradict each other.
     *
     * @param recipe the recipe (its own ledger is left untouched)
     * @param what   what is about to run, for the message (e.g. "hubmap train")
     * @throws IllegalArgumentException naming every key nothing would read, or the inconsistent settings
     */
    public static void beforeRun(Recipe recipe, String what) {
        Recipe dry = Recipes.detached(recipe);
        read(dry);
        List<String> left = dry.unconsumedKeys();
        if (!left.isEmpty()) {
            throw new IllegalArgumentException("recipe '" + recipe.name() + "' sets " + left + " but " + what
                    + " would read none of " + (left.size() == 1 ? "it" : "them") + ": a key must change what runs"
                    + " (remove it, or say what it meant in notes)");
        }
    }

    /**
     * Reads, on {@code recipe}'s own ledger, every key a {@link Reproduction} run of it reads.
     *
     * @param recipe the recipe
     * @return the keys read (sorted), including defaults the recipe does not set
     */
    public static List<String> read(Recipe recipe) {
        Reproduction.checkTraining(recipe);
        Reproduction.FoldPlan plan = Reproduction.foldPlan(recipe);
        for (Recipe run : trainingRuns(recipe)) {
            Trainer.readSettings(run);
        }
        Recipe.Infer inf = recipe.infer();
        // each member's own inference settings, or the recipe's (Reproduction.checkpointSettings)
        List<Recipe.Infer> members = Reproduction.checkpointSettings(Reproduction.runs(recipe, java.nio.file.Path.of(
                "")), recipe, 1);
        new Inference(members, null, inf, inf.threshold(), null).engine();
        inf.minComponentArea(); // the mask stage's component filter (Inference.maskStage), read per slide
        Reproduction.post(recipe); // the post-processing stages of the test predictions
        if (!plan.split().equals("none") && !plan.split().equals(TileFolds.METHOD)) {
            inf.searchThreshold(); // the out-of-fold search runs with more than one fold of whole slides
        }
        if (recipe.pseudo().enabled()) {
            Recipe.Pseudo p = recipe.pseudo();
            p.sources();
            p.maxUncertainFraction();
            p.handLabels(); // checked against the slides when the run opens its data (HandLabels.load)
            p.init();
            p.stage1(); // checked against the folds when the run has them (Reproduction.givenStage1)
            PseudoLabeler.of(recipe, inf.threshold());
            Trainer.readSettings(Reproduction.stage2(recipe));
        }
        return recipe.keys().consumed();
    }

    /**
     * The recipes the folds train with: one per member or variant ({@link Reproduction#runs}) and stage, as
     * {@code Reproduction.trainFolds} makes them.
     */
    private static List<Recipe> trainingRuns(Recipe recipe) {
        List<Recipe> runs = new ArrayList<>();
        for (Reproduction.Run run : Reproduction.runs(recipe, java.nio.file.Path.of(""))) {
            Recipe v = run.recipe();
            List<Recipe.Stage> stages = v.train().stages();
            if (stages.isEmpty()) {
                runs.add(v);
            }
            for (Recipe.Stage st : stages) {
                runs.add(Recipes.withOverrides(v, List.of("train.loss=" + st.loss(), "train.epochs=" + st.epochs())));
            }
        }
        return runs;
    }
}
