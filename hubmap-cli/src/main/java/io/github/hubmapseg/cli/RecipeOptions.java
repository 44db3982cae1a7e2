package io.github.hubmapseg.cli;

import io.github.hubmapseg.pipeline.config.Recipe;
import io.github.hubmapseg.pipeline.config.Recipes;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import picocli.CommandLine.Option;

/** The {@code --recipe} and {@code --set} options shared by the pipeline commands. */
final class RecipeOptions {
    @Option(names = "--recipe", paramLabel = "NAME|FILE", defaultValue = "cpu-quick",
            completionCandidates = ShippedRecipes.class,
            description = "Recipe: one of ${COMPLETION-CANDIDATES}, or a YAML/JSON file (default: ${DEFAULT-VALUE}).")
    String recipe;

    @Option(names = "--set", paramLabel = "KEY=VALUE",
            description = "Override a recipe value, e.g. --set train.epochs=3 (repeatable).")
    List<String> overrides = new ArrayList<>();

    /** The shipped recipes' names, for the help text (one list: {@link Recipes#NAMES}). */
    static final class ShippedRecipes implements Iterable<String> {
        @Override
        public java.util.Iterator<String> iterator() {
            return Recipes.NAMES.iterator();
        }
    }

    Recipe resolve() throws IOException {
        Recipe r = Recipes.resolve(recipe);
        return overrides.isEmpty() ? r : Recipes.withOverrides(r, overrides);
    }
}
