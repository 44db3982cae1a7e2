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
    void hardProfileWritesLookalikesTwoClassLabelsAndOneOutlierSlide() throws Exception {
        SyntheticDataset ds = SyntheticDataset.builder(dir).slides(4).size(3000, 2600).seed(11).patients(2)
                .threads(2).profile(SynthProfile.HARD).testSlides(2).build();
        SyntheticDataset.Plan plan = ds.plan();
        int outlier = ds.outlierIndex();
        assertThat(plan.test().get(outlier)).as("the outlier is the first test slide, as d488c759a").isTrue();
        assertThat(plan.test()).containsExactly(false, false, true, true);
        SyntheticDataset.Summary s = ds.write(null);
        List<TrainRow> train = KaggleFiles.readTrain(dir.resolve("train.csv"));
        List<TrainRow> truth = KaggleFiles.readTrain(dir.resolve("test_truth.csv"));
        int scleroticSeen = 0;
        for (int i = 0; i < 4; i++) {
            SlideSpec spec = plan.specs().get(i);
            HardSyntheticSlide slide = HardSyntheticSlide.create(spec, HardSyntheticSlide.Options.all()
                    .labelSclerotic(i == outlier));
            boolean test = plan.test().get(i);
            String rle = (test ? truth.get(i - 2) : train.get(i)).encoding();
            assertThat(rle).isEqualTo(slide.maskRle());
            Path sub = dir.resolve(test ? "test" : "train");
            List<io.github.hubmapseg.core.kaggle.AnatomicalStructure> st = KaggleFiles.readAnatomicalStructures(
                    sub.resolve(spec.id() + "-anatomical-structure.json"));
            long scl = slide.glomeruli().stream().filter(g -> g.kind() == HardSyntheticSlide.Kind.SCLEROTIC).count();
            scleroticSeen += (int) scl;
            assertThat(st.stream().filter(a -> a.name().equals(SyntheticDataset.SCLEROTIC_STRUCTURE))
                    .mapToInt(a -> a.polygons().size()).sum()).isEqualTo((int) scl);
            // look-alike files: one row per slide, the unlabelled sclerotic glomeruli only off the outlier
            for (Lookalike k : Lookalike.values()) {
                List<TrainRow> rows = KaggleFiles.readTrain(dir.resolve(SyntheticDataset.lookalikeFile(k)));
                assertThat(rows).extracting(TrainRow::id).containsExactlyElementsOf(
                        plan.specs().stream().map(SlideSpec::id).toList());
                String enc = rows.get(i).encoding();
                if (k == Lookalike.SCLEROTIC) {
                    assertThat(enc.isEmpty()).isEqualTo(i == outlier || scl == 0);
                }
            }
            if (!test) {
                assertThat(KaggleFiles.readGlomeruli(sub.resolve(spec.id() + ".json"))).hasSize(slide.labelledCount());
            }
        }
        assertThat(scleroticSeen).as("seed 11 has sclerotic glomeruli").isGreaterThan(0);
        var look = SyntheticDataset.lookalikes(dir, plan.specs().get(0).id(), 2600, 3000);
        assertThat(look.keySet()).containsExactly("sclerotic", "artery", "tubule-cluster");
        assertThat(look.get("artery").area()).isGreaterThan(0);
        assertThat(s.files()).isEqualTo(4 * 2 + 2 + 4 + 3);
    }

    @Test
    void aFailureMidwayCommitsNoCsvButKeepsThePreviousOnes() throws Exception {
        SyntheticDataset.builder(dir).slides(3).size(256, 256).seed(3).patients(2).threads(1).build()
                .write(new SyntheticDataset.Listener() {
                });
        byte[] train = java.nio.file.Files.readAllBytes(dir.resolve("train.csv"));
        byte[] truth = java.nio.file.Files.readAllBytes(dir.resolve("test_truth.csv"));
        SyntheticDataset.Listener failing = new SyntheticDataset.Listener() {
            @Override
            public void slideDone(int index, int count, String id, boolean test, int glomeruli, double seconds) {
                if (index == 2) {
                    throw new IllegalStateException("stop at slide 3");
                }
            }
        };
        // another dataset (other seed, one more slide) into the same folder, failing at its third slide
        assertThatThrownBy(() -> SyntheticDataset.builder(dir).slides(4).size(256, 256).seed(4).patients(2)
                .threads(1).build().write(failing)).hasMessageContaining("stop at slide 3");
        assertThat(java.nio.file.Files.readAllBytes(dir.resolve("train.csv"))).isEqualTo(train);
        assertThat(java.nio.file.Files.readAllBytes(dir.resolve("test_truth.csv"))).isEqualTo(truth);
        try (var files = java.nio.file.Files.list(dir)) {
            assertThat(files.map(f -> f.getFileName().toString())).noneMatch(n -> n.endsWith(".tmp"));
        }
    }

    @Test
    void badOptionsNameTheValue() {
        assertThatThrownBy(() -> SyntheticDataset.builder(dir).slides(4).testSlides(4).build())
                .hasMessageContaining("got 4");
        assertThatThrownBy(() -> SyntheticDataset.builder(dir).elements(java.util.Set.of()).build())
                .hasMessageContaining("hard profile");
        assertThatThrownBy(() -> SyntheticDataset.builder(dir).slides(0).build()).hasMessageContaining("got 0");
        assertThatThrownBy(() -> SyntheticDataset.builder(dir).size(100, 4096).build())
                .hasMessageContaining("100x4096");
        assertThatThrownBy(() -> SyntheticDataset.builder(dir).compression(TiffSlideWriter.Compression.parse("lzw")))
                .hasMessageContaining("'lzw'");
        assertThatThrownBy(() -> SyntheticDataset.builder(dir).profile(SynthProfile.HARD).outlierScleroticShare(-0.1)
                .build()).hasMessageContaining("got -0.1");
        assertThatThrownBy(() -> SyntheticDataset.builder(dir).outlierScleroticShare(0.5).build())
                .hasMessageContaining("hard profile");
    }

    @Test
    void theOutlierSlidesOptionsChangeThatSlideOnly() {
        SyntheticDataset base = SyntheticDataset.builder(dir).profile(SynthProfile.HARD).slides(4).testSlides(2)
                .size(6000, 6000).build();
        SyntheticDataset dense = SyntheticDataset.builder(dir).profile(SynthProfile.HARD).slides(4).testSlides(2)
                .size(6000, 6000).outlierScleroticShare(0.6).build();
        SyntheticDataset control = SyntheticDataset.builder(dir).profile(SynthProfile.HARD).slides(4).testSlides(2)
                .size(6000, 6000).outlierScleroticShare(0.6).outlierLabelled(false).build();
        SyntheticDataset.Plan plan = base.plan();
        int outlier = base.outlierIndex();
        for (int i = 0; i < 4; i++) {
            HardSyntheticSlide b = (HardSyntheticSlide) base.section(plan, i);
            HardSyntheticSlide d = (HardSyntheticSlide) dense.section(plan, i);
            HardSyntheticSlide c = (HardSyntheticSlide) control.section(plan, i);
            if (i != outlier) {
                assertThat(d.maskRle()).isEqualTo(b.maskRle());
                assertThat(c.maskRle()).isEqualTo(b.maskRle());
                continue;
            }
            long sclBase = b.glomeruli().stream().filter(g -> g.kind() == HardSyntheticSlide.Kind.SCLEROTIC).count();
            long sclDense = d.glomeruli().stream().filter(g -> g.kind() == HardSyntheticSlide.Kind.SCLEROTIC).count();
            assertThat(sclDense).isGreaterThan(2 * Math.max(1, sclBase));
            assertThat(d.labelledSclerotic()).contains(true);
            assertThat(c.labelledSclerotic()).doesNotContain(true);
            assertThat(c.scleroticPolygons(16)).hasSameSizeAs(d.scleroticPolygons(16));
        }
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
