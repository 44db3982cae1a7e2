package io.github.hubmapseg.examples;

import io.github.hubmapseg.pipeline.Reproduction;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * One tiny run of {@link ThirdPlaceReproduction} shared by the smoke tests (3 synthetic 512 x 512 slides: 2 train,
 * 1 test; 64-pixel tiles at reduce 4; 6 epochs of 64 tiles per fold, enough for the training loss to fall far below
 * an untrained model's), made once per test JVM under {@code target/}.
 */
final class TinyRun {
    /** {@link ThirdPlaceReproduction#QUICK} shrunk to about a minute. */
    static final List<String> TINY;

    static {
        List<String> o = new ArrayList<>(ThirdPlaceReproduction.QUICK);
        o.addAll(List.of("data.tile_size=64", "infer.tile_size=64", "train.epochs=6", "train.batch_size=8",
                "model.base_channels=4", "data.reduce=4", "infer.reduce=4", "data.tiles_per_epoch=64",
                "train.lr.max_lr=1.0e-2"));
        TINY = List.copyOf(o);
    }

    private static Reproduction.Report report;

    private TinyRun() {
    }

    /** @return the report of the shared run */
    static synchronized Reproduction.Report report() {
        if (report == null) {
            try {
                Path out = Path.of("target", "smoke", "third-place");
                if (Files.exists(out)) {
                    try (var s = Files.walk(out)) {
                        s.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
                    }
                }
                report = ThirdPlaceReproduction.run(out, null, 3, 512, TINY, line -> { });
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
        return report;
    }
}
