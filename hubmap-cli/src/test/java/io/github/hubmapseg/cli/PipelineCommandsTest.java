package io.github.hubmapseg.cli;

import static io.github.hubmapseg.cli.CliTests.run;
import static org.assertj.core.api.Assertions.assertThat;

import io.github.hubmapseg.core.synth.SyntheticDataset;
import io.github.hubmapseg.pipeline.folds.FoldAssignment;
import io.github.hubmapseg.pipeline.folds.Folds;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class PipelineCommandsTest {
    @TempDir
    static Path data;

    @BeforeAll
    static void synth() throws Exception {
        SyntheticDataset.builder(data).slides(4).size(256, 256).patients(3).seed(5).threads(1).build()
                .write(new SyntheticDataset.Listener() {
                });
    }

    @Test
    void evaluateScoresTruthAgainstItselfAsOneAndAnEmptySubmissionLower(@TempDir Path tmp) throws Exception {
        Path truth = tmp.resolve("truth.csv");
        Files.write(truth, List.of("id,encoding", "a,1 10 50 5", "b,"));
        Path sub = tmp.resolve("sub.csv");
        Files.write(sub, List.of("id,predicted", "a,1 10 50 5", "b,"));
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        assertThat(run(out, err, "evaluate", sub.toString(), truth.toString())).isEqualTo(0);
        assertThat(out.toString()).contains("a 1.000000").contains("b 1.000000").contains("mean 1.000000");
        // a: |P| = 5, |T| = 15, |P & T| = 5 -> 2 * 5 / 20 = 0.5; b: both empty -> 1
        Files.write(sub, List.of("id,predicted", "a,50 5", "b,"));
        out = new StringWriter();
        assertThat(run(out, err, "evaluate", sub.toString(), truth.toString())).isEqualTo(0);
        assertThat(out.toString()).contains("a 0.500000").contains("mean 0.750000");
    }

    @Test
    void evaluateWithDataAddsIntervalsAndDetectionOnAHardFolder(@TempDir Path hard) throws Exception {
        SyntheticDataset.builder(hard).slides(3).size(2600, 2400).patients(2).seed(3).threads(2)
                .profile(io.github.hubmapseg.core.synth.SynthProfile.HARD).testSlides(2).build()
                .write(new SyntheticDataset.Listener() {
                });
        // the truth scored against itself: Dice 1, every glomerulus found, nothing else predicted
        Path truth = hard.resolve("test_truth.csv");
        Path sub = hard.resolve("self.csv");
        List<String> lines = new java.util.ArrayList<>(Files.readAllLines(truth));
        lines.set(0, "id,predicted");
        Files.write(sub, lines);
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        assertThat(run(out, err, "evaluate", sub.toString(), truth.toString(), "--data", hard.toString()))
                .as(err.toString()).isEqualTo(0);
        assertThat(out.toString()).contains("mean 1.000000")
                .contains("mean test Dice: 1.0000, 95% interval over 2 slides [1.0000, 1.0000]")
                .containsPattern("detection at IoU 0.5: recall 1.000 \\((\\d+) of \\1 glomeruli\\), precision 1.000")
                .contains("false positives on look-alikes: sclerotic 0 artery 0 tubule-cluster 0");
        // against an empty baseline (Dice 0 on slides with glomeruli): a difference of about +1 that excludes 0
        Path empty = hard.resolve("empty.csv");
        List<String> none = new java.util.ArrayList<>(List.of("id,predicted"));
        for (String l : lines.subList(1, lines.size())) {
            none.add(l.substring(0, l.indexOf(',')) + ",");
        }
        Files.write(empty, none);
        out = new StringWriter();
        assertThat(run(out, err, "evaluate", sub.toString(), truth.toString(), "--baseline", empty.toString()))
                .isEqualTo(0);
        assertThat(out.toString()).contains("difference vs baseline: +1.0000, 95% interval over 2 slides "
                + "[+1.0000, +1.0000] (excludes 0)");
        out = new StringWriter();
        assertThat(run(out, err, "evaluate", sub.toString(), truth.toString(), "--baseline", sub.toString()))
                .isEqualTo(0);
        assertThat(out.toString()).contains("difference vs baseline: +0.0000").contains("(includes 0)");
    }

    /**
     * The slide sizes of {@code --data} come from the competition layout: a slide stored as {@code .tif} or under
     * {@code external/} gives the same report as the same slide at {@code test/<id>.tiff} (before, such a slide
     * was not found and its size was guessed, which reshapes its components).
     */
    @Test
    void evaluateFindsSlidesStoredAsTifAndUnderExternal(@TempDir Path d) throws Exception {
        SyntheticDataset.builder(d).slides(3).size(700, 500).patients(2).seed(11).threads(1).testSlides(2).build()
                .write(new SyntheticDataset.Listener() {
                });
        io.github.hubmapseg.core.kaggle.CompetitionLayout layout = new io.github.hubmapseg.core.kaggle.CompetitionLayout(d);
        Path truth = layout.testTruth();
        Path sub = d.resolve("self.csv");
        List<String> lines = new java.util.ArrayList<>(Files.readAllLines(truth));
        lines.set(0, "id,predicted");
        Files.write(sub, lines);
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        assertThat(run(out, err, "evaluate", sub.toString(), truth.toString(), "--data", d.toString()))
                .as(err.toString()).isEqualTo(0);
        String atTiff = out.toString();
        assertThat(atTiff).containsPattern("over \\d+ glomeruli");
        List<String> ids = new java.util.ArrayList<>();
        for (String l : lines.subList(1, lines.size())) {
            ids.add(l.substring(0, l.indexOf(',')));
        }
        Path test = layout.folder(io.github.hubmapseg.core.kaggle.CompetitionLayout.Split.TEST);
        Files.move(test.resolve(ids.get(0) + ".tiff"), test.resolve(ids.get(0) + ".tif"));
        Path external = Files.createDirectories(layout.folder(io.github.hubmapseg.core.kaggle.CompetitionLayout.Split.EXTERNAL));
        Files.move(test.resolve(ids.get(1) + ".tiff"), external.resolve(ids.get(1) + ".tif"));
        out = new StringWriter();
        assertThat(run(out, err, "evaluate", sub.toString(), truth.toString(), "--data", d.toString()))
                .as(err.toString()).isEqualTo(0);
        assertThat(out.toString()).isEqualTo(atTiff);
    }

    @Test
    void evaluateNamesAMissingImage(@TempDir Path tmp) throws Exception {
        Path sub = tmp.resolve("sub.csv");
        Files.write(sub, List.of("id,predicted", "nothere,1 2"));
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        assertThat(run(out, err, "evaluate", sub.toString(), data.resolve("test_truth.csv").toString())).isNotEqualTo(0);
        assertThat(err.toString()).contains("has no row for image").doesNotContain("\tat ");
    }

    @Test
    void foldsSplitsByPatientAndSaves(@TempDir Path tmp) throws Exception {
        Path f = tmp.resolve("folds.json");
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        assertThat(run(out, err, "folds", "--data", data.toString(), "--out", f.toString())).isEqualTo(0);
        FoldAssignment a = Folds.load(f);
        assertThat(a.k()).isEqualTo(2);
        // a patient is never on both sides of a fold: all slides of a group share one fold
        for (FoldAssignment.Entry e : a.items()) {
            for (FoldAssignment.Entry o : a.items()) {
                if (e.group().equals(o.group())) {
                    assertThat(o.fold()).isEqualTo(e.fold());
                }
            }
        }
        assertThat(a.items()).extracting(FoldAssignment.Entry::fold).contains(0, 1);
    }

    @Test
    void unknownRecipeKeyIsOneLine() {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        assertThat(run(out, err, "folds", "--data", data.toString(), "--set", "train.nope=1")).isNotEqualTo(0);
        assertThat(err.toString()).contains("nope").doesNotContain("\tat ");
        assertThat(run(out, err, "reproduce", "--data", data.resolve("missing").toString())).isNotEqualTo(0);
        assertThat(err.toString()).contains("does not exist");
    }
}
