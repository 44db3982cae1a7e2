package io.github.hubmapseg.core.synth;

import io.github.hubmapseg.testkit.ExternalTools;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.github.hubmapseg.core.kaggle.DatasetInfo;
import io.github.hubmapseg.core.kaggle.KaggleFiles;
import io.github.hubmapseg.core.kaggle.TrainRow;
import io.github.hubmapseg.core.slide.TiffSlideWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SyntheticDatasetTest {

    @TempDir
    Path dir;

    @Test
    void writesTheCompetitionLayoutConsistentWithTheGenerator() throws Exception {
        SyntheticDataset ds = SyntheticDataset.builder(dir).slides(4).size(1024, 768).seed(7).patients(2).threads(2)
                .build();
        SyntheticDataset.Plan plan = ds.plan();
        SyntheticDataset.Summary s = ds.write(null);
        assertThat(s.trainIds()).hasSize(3);
        assertThat(s.testIds()).hasSize(1);
        assertThat(plan.specs()).extracting(SlideSpec::id).allMatch(id -> id.matches("[0-9a-f]{9}"));
        assertThat(SyntheticDataset.builder(dir).slides(4).size(1024, 768).seed(7).patients(2).build().plan())
                .isEqualTo(plan);

        List<TrainRow> train = KaggleFiles.readTrain(dir.resolve("train.csv"));
        List<TrainRow> truth = KaggleFiles.readTrain(dir.resolve("test_truth.csv"));
        assertThat(train).extracting(TrainRow::id).containsExactlyElementsOf(s.trainIds());
        assertThat(truth).extracting(TrainRow::id).containsExactlyElementsOf(s.testIds());
        for (int i = 0; i < 4; i++) {
            SlideSpec spec = plan.specs().get(i);
            SyntheticSlide slide = SyntheticSlide.create(spec);
            boolean test = plan.test().get(i);
            String rle = (test ? truth.get(0) : train.get(i)).encoding();
            assertThat(rle).isEqualTo(slide.maskRle());
            Path sub = dir.resolve(test ? "test" : "train");
            assertThat(sub.resolve(spec.id() + ".tiff")).exists();
            assertThat(KaggleFiles.readAnatomicalStructures(sub.resolve(spec.id() + "-anatomical-structure.json")))
                    .extracting(a -> a.name()).containsExactly("Cortex", "Medulla");
            if (!test) {
                assertThat(KaggleFiles.readGlomeruli(sub.resolve(spec.id() + ".json")))
                        .hasSize(slide.glomeruli().size());
            } else {
                assertThat(sub.resolve(spec.id() + ".json")).doesNotExist();
            }
        }
        assertThat(KaggleFiles.readSubmission(dir.resolve("sample_submission.csv")))
                .containsExactly(new TrainRow(s.testIds().get(0), ""));
        List<DatasetInfo> info = KaggleFiles.readDatasetInfo(dir.resolve(KaggleFiles.DATASET_INFO));
        assertThat(info).hasSize(4);
        assertThat(info).extracting(DatasetInfo::patientNumber).containsExactlyElementsOf(plan.patients());
        assertThat(info.stream().filter(d -> d.glomerulusFile().isEmpty()).count()).isEqualTo(1);
        // train slides cover both patients, so patient-grouped folds are possible
        assertThat(info.subList(0, 3).stream().map(DatasetInfo::patientNumber).distinct().count()).isEqualTo(2);
        for (DatasetInfo d : info) {
            assertThat(d.percentCortex() + d.percentMedulla()).isCloseTo(100.0,
                    org.assertj.core.data.Offset.offset(0.02));
            assertThat(d.percentCortex()).isGreaterThan(d.percentMedulla());
        }
        // the TIFF holds exactly the generator's pixels (read by tifffile, an independent reader)
        SlideSpec first = plan.specs().get(0);
        Path raw = dir.resolve("expected.raw");
        SyntheticSlide slide = SyntheticSlide.create(first);
        byte[] planar = new byte[1024 * 768 * 3];
        slide.readInto(0, 0, 1024, 768, planar);
        Files.write(raw, planar);
        String out = python(String.join("\n",
                "import tifffile, numpy as np",
                "a = tifffile.imread(r'" + dir.resolve("train/" + first.id() + ".tiff") + "')",
                "e = np.fromfile(r'" + raw + "', dtype=np.uint8).reshape(3, 768, 1024).transpose(1, 2, 0)",
                "print(a.shape, int((a != e).sum()))"));
        assertThat(out).isEqualTo("(768, 1024, 3) 0");
        assertThat(s.files()).isEqualTo(3 * 3 + 2 + 4);
    }

    @Test
    void badOptionsNameTheValue() {
        assertThatThrownBy(() -> SyntheticDataset.builder(dir).slides(0).build()).hasMessageContaining("got 0");
        assertThatThrownBy(() -> SyntheticDataset.builder(dir).size(100, 4096).build())
                .hasMessageContaining("100x4096");
        assertThatThrownBy(() -> SyntheticDataset.builder(dir).compression(TiffSlideWriter.Compression.parse("lzw")))
                .hasMessageContaining("'lzw'");
    }

    private String python(String script) throws Exception {
        Path py = ExternalTools.python("python3-tifffile python3-numpy", "tifffile", "numpy");
        Path f = dir.resolve("check.py");
        Files.writeString(f, script);
        Process p = new ProcessBuilder(py.toString(), f.toString()).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.waitFor(120, TimeUnit.SECONDS)).isTrue();
        assertThat(p.exitValue()).as(out).isZero();
        return out.strip();
    }
}
