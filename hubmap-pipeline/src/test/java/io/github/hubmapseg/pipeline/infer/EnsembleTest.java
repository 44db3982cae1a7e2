package io.github.hubmapseg.pipeline.infer;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@link Ensemble#ofFile(Path)}: an ensemble.json as saved, or one checkpoint as a one-member ensemble. */
class EnsembleTest {
    @Test
    void ofFileReadsJsonOrWrapsACheckpoint(@TempDir Path dir) throws Exception {
        Ensemble saved = new Ensemble(List.of(dir.resolve("fold-0/best.zip"), dir.resolve("fold-1/best.zip")), 0.65,
                true, 0.98);
        Path json = dir.resolve("ensemble.json");
        saved.save(json);
        Ensemble back = Ensemble.ofFile(json);
        assertThat(back.members()).containsExactlyElementsOf(saved.members());
        assertThat(back.threshold()).isEqualTo(0.65);
        assertThat(back.searched()).isTrue();

        Path zip = dir.resolve("fold-0/best.zip");
        Ensemble one = Ensemble.ofFile(zip);
        assertThat(one.members()).containsExactly(zip);
        assertThat(one.threshold()).isEqualTo(0.5);
        assertThat(one.searched()).isFalse();
        assertThat(one.oofDice()).isNaN();
    }
}
