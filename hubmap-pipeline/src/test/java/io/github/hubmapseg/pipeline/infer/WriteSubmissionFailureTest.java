package io.github.hubmapseg.pipeline.infer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.github.hubmapseg.pipeline.HandData;
import io.github.hubmapseg.pipeline.config.Recipe;
import io.github.hubmapseg.pipeline.data.CompetitionDataset;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A submission is replaced only when every slide was predicted: a failing slide leaves the old file whole. */
class WriteSubmissionFailureTest {

    @Test
    void aSlideThatFailsLeavesThePreviousSubmission(@TempDir Path dir) throws Exception {
        HandData.write(dir.resolve("data"));
        Recipe.Infer infer = new Recipe.Infer(64, 1, 16, 16, "gaussian", List.of(), 0.5, false, "mean", 0, 0);
        Inference inf = new Inference(infer, 0.5, null);
        Path csv = dir.resolve("prev.csv");
        try (CompetitionDataset ds = CompetitionDataset.open(dir.resolve("data"))) {
            inf.writeSubmission(ds, List.of("t"), List.of(HandData.identity()), csv, null);
            byte[] complete = Files.readAllBytes(csv);
            assertThat(new String(complete)).startsWith("id,predicted\nt,");
            // a run whose first slide gives another mask (threshold 0.9) and whose second slide does not exist
            Inference other = new Inference(infer, 0.9, null);
            assertThat(other.predictRuns(ds.slide("t"), List.of(HandData.identity())))
                    .isNotEqualTo(inf.predictRuns(ds.slide("t"), List.of(HandData.identity())));
            assertThatThrownBy(() -> other.writeSubmission(ds, List.of("t", "no-such-slide"),
                    List.of(HandData.identity()), csv, null)).hasMessageContaining("no-such-slide");
            assertThat(Files.readAllBytes(csv)).as("the previous, complete file").isEqualTo(complete);
            try (var files = Files.list(dir)) {
                assertThat(files.map(p -> p.getFileName().toString())).noneMatch(n -> n.endsWith(".tmp"));
            }
        }
    }
}
