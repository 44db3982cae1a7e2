package io.github.hubmapseg.core.kaggle;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.github.hubmapseg.core.kaggle.CompetitionLayout.Split;
import io.github.hubmapseg.core.synth.SyntheticDataset;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class CompetitionLayoutTest {

    /** The synthetic writer puts every file where the layout says, and nothing else. */
    @Test
    void theSyntheticWriterWritesExactlyTheLayoutsFiles(@TempDir Path d) throws Exception {
        SyntheticDataset.Summary s = SyntheticDataset.builder(d).slides(3).size(300, 260).patients(2).seed(4)
                .threads(1).build().write(new SyntheticDataset.Listener() {
                });
        CompetitionLayout l = new CompetitionLayout(d);
        List<Path> expected = new ArrayList<>(List.of(l.trainCsv(), l.sampleSubmission(), l.testTruth(),
                l.datasetInfo()));
        for (String id : s.trainIds()) {
            expected.addAll(List.of(l.slideFile(Split.TRAIN, id), l.anatomyFile(Split.TRAIN, id),
                    l.glomeruliFile(Split.TRAIN, id)));
            assertThat(l.findSlide(id)).contains(l.slideFile(Split.TRAIN, id));
        }
        for (String id : s.testIds()) {
            expected.addAll(List.of(l.slideFile(Split.TEST, id), l.anatomyFile(Split.TEST, id)));
        }
        try (Stream<Path> files = Files.walk(d)) {
            assertThat(files.filter(Files::isRegularFile).toList()).containsExactlyInAnyOrderElementsOf(expected);
        }
        assertThat(l.slideIds(Split.TRAIN)).isEqualTo(s.trainIds().stream().sorted().toList());
        assertThat(l.slideIds(Split.TEST)).isEqualTo(s.testIds());
        assertThat(l.slideIds(Split.EXTERNAL)).isEmpty();
        // the dataset-information CSV names the slide files the layout writes
        assertThat(KaggleFiles.readDatasetInfo(l.datasetInfo())).extracting(DatasetInfo::imageFile)
                .allMatch(f -> f.endsWith(".tiff"));
    }

    /** Real folders hold .tif as well as .tiff, and unlabelled slides under external/. */
    @Test
    void slidesAreFoundAsTiffOrTifInTrainTestAndExternal(@TempDir Path d) throws Exception {
        CompetitionLayout l = new CompetitionLayout(d);
        Files.createDirectories(l.folder(Split.TRAIN));
        Files.createDirectories(l.folder(Split.EXTERNAL));
        Files.writeString(l.folder(Split.TRAIN).resolve("a.tif"), "x");
        Files.writeString(l.folder(Split.EXTERNAL).resolve("b.tiff"), "x");
        Files.writeString(l.folder(Split.EXTERNAL).resolve("c.tif"), "x");
        Files.writeString(l.folder(Split.EXTERNAL).resolve("c.json"), "x");
        assertThat(l.findSlide("a")).contains(d.resolve("train/a.tif"));
        assertThat(l.findSlide("c")).contains(d.resolve("external/c.tif"));
        assertThat(l.slideIds(Split.EXTERNAL)).containsExactly("b", "c");
        assertThat(l.slideIds(Split.TEST)).isEmpty();
        assertThatThrownBy(() -> l.slide("zz")).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("'zz'").hasMessageContaining("external");
    }
}
