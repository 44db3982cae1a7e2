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
            description = "Recipe: cpu-quick, third-place, first-place, deepflash2-style, twenty-third-place, team-b, or a YAML/JSON file "
                    + "(default: ${DEFAULT-VALUE}).")
    String recipe;

    @Option(names = "--set", paramLabel = "KEY=VALUE",
            description = "Override a recipe value, e.g. --set train.epochs=3 (repeatable).")
    List<String> overrides = new ArrayList<>();

    Recipe resolve() throws IOException {
        Recipe r = Recipes.resolve(recipe);
        return overrides.isEmpty() ? r : Recipes.withOverrides(r, overrides);
    }
}
