package io.github.hubmapseg.pipeline;

import io.github.hubmapseg.core.synth.SyntheticDataset;
import io.github.hubmapseg.pipeline.config.Recipe;
import io.github.hubmapseg.pipeline.config.Recipes;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/** A tiny synthetic competition folder shared by the pipeline tests (3 slides of 512x512: 2 train, 1 test). */
public final class TinyData {
    private static Path dir;

    private TinyData() {
    }

    /** @return the folder, generated once per test JVM */
    public static synchronized Path dir() {
        if (dir == null) {
            try {
                Path d = Files.createTempDirectory("hubmap-tiny-");
                SyntheticDataset.builder(d).slides(3).size(512, 512).patients(2).seed(7).threads(1).build()
                        .write(new SyntheticDataset.Listener() {
                        });
                dir = d;
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
        return dir;
    }

    /** @return cpu-quick shrunk to seconds: 64-pixel tiles at reduce 4, 1 epoch of 4 tiles */
    public static Recipe recipe(String... more) {
        List<String> o = new java.util.ArrayList<>(List.of("data.tile_size=64", "data.reduce=4",
                "data.tiles_per_epoch=4", "train.batch_size=2", "train.epochs=1", "infer.tile_size=64",
                "infer.reduce=4", "infer.expansion=32", "model.base_channels=4"));
        o.addAll(List.of(more));
        return Recipes.withOverrides(Recipes.defaultRecipe(), o);
    }
}
