package io.github.hubmapseg.pipeline.cohort;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.github.hubmapseg.models.SegmentationModel;
import io.github.hubmapseg.pipeline.TinyData;
import io.github.hubmapseg.pipeline.config.Recipe;
import io.github.hubmapseg.pipeline.data.Normalization;
import io.github.hubmapseg.pipeline.train.Checkpoint;
import io.github.hubmapseg.pipeline.train.ModelFactory;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.ObjectOutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The digest of a loaded ensemble: what changes a unit's outputs changes it, nothing else does. */
class CohortPredictorTest {
    @TempDir
    static Path tmp;
    static Path model;

    @BeforeAll
    static void checkpoint() throws IOException {
        Recipe r = TinyData.recipe();
        model = tmp.resolve("a/best.zip");
        Files.createDirectories(model.getParent());
        try (SegmentationModel m = ModelFactory.create(r)) {
            Checkpoint.of(r, 1, 2, Normalization.scale255(3), List.of(), Double.NaN, 0, m, true).save(model);
        }
    }

    static String digest(CohortJob job) throws IOException {
        try (CohortPredictor p = CohortPredictor.load(job, null)) {
            return p.digest();
        }
    }

    static CohortJob job(String file, List<String> sets, Double threshold, UnitOutputs o) {
        return new CohortJob(file, null, null, threshold, sets, o);
    }

    @Test
    void digestFollowsWhatDecidesTheOutputs() throws IOException {
        String base = digest(job(model.toString(), List.of(), null, null));
        assertThat(base).matches("[0-9a-f]{64}");
        // loading again, or the same bytes under another path: same digest (shared folders on other mounts)
        Path copy = tmp.resolve("b/elsewhere.zip");
        Files.createDirectories(copy.getParent());
        Files.copy(model, copy);
        assertThat(digest(job(copy.toString(), List.of(), null, null))).isEqualTo(base);
        assertThat(digest(new CohortJob(null, List.of(copy.toString()), null, null, List.of(), null)))
                .isEqualTo(base);
        // a setting, the threshold, an output, a member's own setting, the combination: another digest
        assertThat(digest(job(model.toString(), List.of("infer.tta=[]"), null, null))).isNotEqualTo(base);
        assertThat(digest(job(model.toString(), List.of("post.tissue_filter=40"), null, null))).isNotEqualTo(base);
        assertThat(digest(job(model.toString(), List.of(), 0.3, null))).isNotEqualTo(base);
        assertThat(digest(job(model.toString(), List.of(), null, new UnitOutputs("uint8", 256, false, "annotation",
                0.5, 0)))).isNotEqualTo(base);
        assertThat(digest(new CohortJob(null, List.of(model + "@reduce=2"), null, null, List.of(), null)))
                .isNotEqualTo(base);
        String two = digest(new CohortJob(null, List.of(model.toString(), copy.toString()), null, null, List.of(),
                null));
        assertThat(two).isNotEqualTo(base);
        assertThat(digest(new CohortJob(null, List.of(model.toString(), copy.toString()), "vote:1", null, List.of(),
                null))).isNotEqualTo(two);
        // other weights in the checkpoint (same recipe): another digest
        Path other = tmp.resolve("c/best.zip");
        Files.createDirectories(other.getParent());
        Recipe r = TinyData.recipe();
        try (SegmentationModel m = ModelFactory.create(TinyData.recipe("train.seed=99"))) {
            Checkpoint.of(r, 1, 2, Normalization.scale255(3), List.of(), Double.NaN, 0, m, true).save(other);
        }
        assertThat(Files.readAllBytes(other)).isNotEqualTo(Files.readAllBytes(model));
        assertThat(digest(job(other.toString(), List.of(), null, null))).isNotEqualTo(base);
    }

    @Test
    void jobsShipToOtherJvmsAndAreChecked() throws IOException {
        CohortJob j = job(model.toString(), List.of("infer.tta=[]"), 0.4, UnitOutputs.NONE);
        ObjectOutputStream o = new ObjectOutputStream(new ByteArrayOutputStream());
        o.writeObject(j);
        o.writeObject(new Cohort("x", null, List.of(new CohortSlide("a", "/x/a.tiff"))));
        o.writeObject(new Shard(1, 2));
        assertThatThrownBy(() -> new CohortJob(null, List.of(), null, null, null, null))
                .hasMessageContaining("give either --ensemble FILE or members");
        assertThatThrownBy(() -> job(model.toString(), List.of(), 1.5, null)).hasMessageContaining("threshold");
        assertThatThrownBy(() -> digest(job(tmp.resolve("none.zip").toString(), List.of(), null, null)))
                .hasMessageContaining("does not exist");
        assertThatThrownBy(() -> new UnitOutputs("png", 256, false, "annotation", 0.5, 0))
                .hasMessageContaining("uint8 or float32");
    }
}
