package io.github.hubmapseg.pipeline.cohort;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.github.hubmapseg.core.kaggle.KaggleFiles;
import io.github.hubmapseg.core.kaggle.TrainRow;
import io.github.hubmapseg.core.metrics.Dice;
import io.github.hubmapseg.core.rle.Rle;
import io.github.hubmapseg.core.synth.SyntheticDataset;
import io.github.hubmapseg.pipeline.HandData;
import io.github.hubmapseg.pipeline.config.Recipes;
import io.github.hubmapseg.pipeline.data.CompetitionDataset;
import io.github.hubmapseg.pipeline.infer.Inference;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Per-slide units, shards and assembly on a synthetic cohort of 5 test slides of 384 x 320 with a trivial model
 * (p = red channel / 255): the reference submission is written by the engine's own one-file path
 * ({@link Inference#writeSubmission}), independent of the units.
 */
class CohortTest {
    @TempDir
    static Path tmp;
    static Path data;

    @BeforeAll
    static void cohort() throws IOException {
        data = tmp.resolve("data");
        SyntheticDataset.builder(data).slides(7).size(384, 320).patients(2).seed(11).threads(1).testSlides(5).build()
                .write(new SyntheticDataset.Listener() {
                });
    }

    static Inference inference(String... more) {
        List<String> o = new ArrayList<>(List.of("infer.tile_size=64", "infer.reduce=2", "infer.expansion=16",
                "infer.tta=[hflip]"));
        o.addAll(List.of(more));
        return new Inference(Recipes.withOverrides(Recipes.defaultRecipe(), o).infer(), 0.5, null);
    }

    static CohortPredictor predictor(String settings) {
        return CohortPredictor.of(inference(), List.of(HandData.identity()), settings, UnitOutputs.NONE);
    }

    /** The submission of today's one-file path (no units), for the same slides. */
    static byte[] reference(Path dir, List<String> ids) throws IOException {
        Path f = dir.resolve("reference.csv");
        try (CompetitionDataset ds = CompetitionDataset.open(data)) {
            inference().writeSubmission(ds, ids, List.of(HandData.identity()), f);
        }
        return Files.readAllBytes(f);
    }

    @Test
    void wholeCohortEqualsTheOneFileEngineAndRerunSkipsEverything(@TempDir Path out) throws IOException {
        Cohort c = Cohorts.open(data, null);
        try (CompetitionDataset ds = CompetitionDataset.open(data)) {
            assertThat(c.ids()).isEqualTo(ds.testIds()).hasSize(5);
        }
        CohortRuns.Summary s = CohortRuns.predict(predictor("identity"), c, Shard.ALL, out, null, null);
        assertThat(s.predicted()).isEqualTo(5);
        assertThat(Files.readAllBytes(out.resolve("submission.csv"))).isEqualTo(reference(out, c.ids()));
        // Dice in the record is the scorer's on the truth of test_truth.csv
        UnitRecord r = SlideUnits.read(out, c.ids().get(0)).orElseThrow();
        var truth = KaggleFiles.readTrain(data.resolve("test_truth.csv")).stream()
                .filter(t -> t.id().equals(r.id())).findFirst().orElseThrow();
        String pred = Files.readString(SlideUnits.dir(out, r.id()).resolve(SlideUnits.MASK));
        assertThat(r.dice()).isEqualTo(Dice.dice(pred, truth.encoding(), 320, 384));
        assertThat(s.report().orElseThrow().lines()).anyMatch(l -> l.startsWith("mean Dice"));
        // a second run predicts nothing and writes the same bytes
        byte[] before = Files.readAllBytes(out.resolve("submission.csv"));
        CohortRuns.Summary again = CohortRuns.predict(predictor("identity"), c, Shard.ALL, out, null, null);
        assertThat(again.predicted()).isZero();
        assertThat(again.skipped()).isEqualTo(5);
        assertThat(Files.readAllBytes(out.resolve("submission.csv"))).isEqualTo(before);
    }

    @Test
    void shardsMergedEqualTheUnshardedRun(@TempDir Path out) throws IOException {
        Cohort c = Cohorts.open(data, null);
        CohortRuns.predict(predictor("identity"), c, Shard.ALL, out.resolve("all"), null, null);
        List<Path> shards = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            Path d = out.resolve("shard-" + i);
            CohortRuns.Summary s = CohortRuns.predict(predictor("identity"), c, new Shard(i, 3), d, null, null);
            assertThat(s.report()).isEmpty();
            assertThat(d.resolve("submission.csv")).doesNotExist();
            assertThat(s.predicted()).isEqualTo(i < 2 ? 2 : 1);
            shards.add(d);
        }
        Collections.reverse(shards); // the folders' order does not matter
        CohortAssembly.assemble(shards, out.resolve("merged"));
        assertThat(Files.readAllBytes(out.resolve("merged/submission.csv")))
                .isEqualTo(Files.readAllBytes(out.resolve("all/submission.csv")));
        // a missing shard (0 of 3: slides 0 and 3) is named, nothing written
        assertThatThrownBy(() -> CohortAssembly.assemble(shards.subList(0, 2), out.resolve("partial")))
                .hasMessageContaining("2 of 5 slides have no finished unit")
                .hasMessageContaining(c.ids().get(0) + ", " + c.ids().get(3));
        assertThat(out.resolve("partial/submission.csv")).doesNotExist();
        // shards of other settings are refused
        Path other = out.resolve("other");
        CohortRuns.predict(predictor("other"), c, new Shard(0, 3), other, null, null);
        assertThatThrownBy(() -> CohortAssembly.assemble(List.of(shards.get(0), other), out.resolve("x")))
                .hasMessageContaining("other models or settings");
    }

    @Test
    void statusFollowsSettingsInputAndFiles(@TempDir Path out) throws IOException {
        Cohort c = Cohorts.open(data, null);
        CohortSlide s = c.slides().get(1);
        CohortPredictor p = predictor("identity");
        assertThat(SlideUnits.status(out, s, p.digest())).isEqualTo(UnitStatus.MISSING);
        SlideUnits.run(p, s, out, null, null);
        assertThat(SlideUnits.status(out, s, p.digest())).isEqualTo(UnitStatus.DONE);
        assertThat(SlideUnits.isDone(out, s, p.digest())).isTrue();
        // other settings: another digest
        CohortPredictor q = CohortPredictor.of(inference("infer.tta=[]"), List.of(HandData.identity()), "identity",
                UnitOutputs.NONE);
        assertThat(q.digest()).isEqualTo(p.digest()); // of(): the caller's settings text is the identity
        CohortPredictor changed = predictor("identity, tta off");
        assertThat(SlideUnits.status(out, s, changed.digest())).isEqualTo(UnitStatus.SETTINGS_CHANGED);
        CohortPredictor geo = CohortPredictor.of(inference(), List.of(HandData.identity()), "identity",
                new UnitOutputs(null, 256, true, "annotation", 0.5, 0));
        assertThat(SlideUnits.status(out, s, geo.digest())).isEqualTo(UnitStatus.SETTINGS_CHANGED);
        // input touched: redone
        Path f = s.path();
        FileTime t = Files.getLastModifiedTime(f);
        try {
            Files.setLastModifiedTime(f, FileTime.fromMillis(t.toMillis() + 5000));
            assertThat(SlideUnits.status(out, s, p.digest())).isEqualTo(UnitStatus.INPUT_CHANGED);
        } finally {
            Files.setLastModifiedTime(f, t);
        }
        assertThat(SlideUnits.status(out, s, p.digest())).isEqualTo(UnitStatus.DONE);
        // a damaged row: incomplete
        Path mask = SlideUnits.dir(out, s.id()).resolve(SlideUnits.MASK);
        byte[] good = Files.readAllBytes(mask);
        Files.writeString(mask, "1 2");
        assertThat(SlideUnits.status(out, s, p.digest())).isEqualTo(UnitStatus.INCOMPLETE);
        assertThat(SlideUnits.finished(out, s.id(), p.digest())).isEmpty();
        Files.write(mask, good);
        Files.writeString(SlideUnits.dir(out, s.id()).resolve(SlideUnits.RECORD), "{not json");
        assertThat(SlideUnits.status(out, s, p.digest())).isEqualTo(UnitStatus.INCOMPLETE);
    }

    @Test
    void idempotentUnitWritesGiveTheSameRow(@TempDir Path out) throws Exception {
        Cohort c = Cohorts.open(data, null);
        CohortSlide s = c.slides().get(2);
        // two "tasks" finishing the same slide at once (a speculative Spark task): same row, a valid record
        Thread[] ts = new Thread[2];
        Throwable[] err = new Throwable[2];
        for (int k = 0; k < 2; k++) {
            int kk = k;
            ts[k] = new Thread(() -> {
                try (CohortPredictor p = predictor("identity")) {
                    SlideUnits.run(p, s, out, null, null);
                } catch (Throwable e) {
                    err[kk] = e;
                }
            });
            ts[k].start();
        }
        for (Thread t : ts) {
            t.join();
        }
        assertThat(err).containsOnlyNulls();
        assertThat(SlideUnits.status(out, s, predictor("identity").digest())).isEqualTo(UnitStatus.DONE);
        try (var files = Files.list(SlideUnits.dir(out, s.id()))) {
            assertThat(files.map(p -> p.getFileName().toString()).sorted().toList())
                    .containsExactly(SlideUnits.MASK, SlideUnits.RECORD);
        }
    }

    @Test
    void submissionFollowsTheSampleSubmissionOrder(@TempDir Path tmp2) throws IOException {
        Path d = tmp2.resolve("data");
        SyntheticDataset.builder(d).slides(5).size(256, 256).patients(2).seed(3).threads(1).testSlides(3).build()
                .write(new SyntheticDataset.Listener() {
                });
        List<TrainRow> rows = new ArrayList<>(KaggleFiles.readSubmission(d.resolve("sample_submission.csv")));
        rows.sort(java.util.Comparator.comparing(TrainRow::id));
        Collections.swap(rows, 0, 2); // neither sorted nor the synthetic writer's order
        List<String> order = rows.stream().map(TrainRow::id).toList();
        assertThat(order).isNotEqualTo(order.stream().sorted().toList());
        KaggleFiles.writeSubmission(d.resolve("sample_submission.csv"), rows);
        Cohort c = Cohorts.open(d, null);
        assertThat(c.ids()).isEqualTo(order);
        CohortRuns.predict(predictor("identity"), c, Shard.ALL, tmp2.resolve("out"), null, null);
        List<String> ids = KaggleFiles.readSubmission(tmp2.resolve("out/submission.csv")).stream().map(TrainRow::id)
                .toList();
        assertThat(ids).isEqualTo(order);
    }

    @Test
    void csvAndFolderInputs(@TempDir Path dir) throws IOException {
        List<Path> tiffs;
        try (var s = Files.list(data.resolve("test"))) {
            tiffs = s.filter(p -> p.toString().endsWith(".tiff")).sorted().toList();
        }
        // a folder of TIFFs: sorted file names, ids = names without extension
        Cohort folder = Cohorts.open(data.resolve("test"), null);
        assertThat(folder.ids()).isEqualTo(tiffs.stream().map(p -> Cohorts.stem(p.getFileName().toString()))
                .toList());
        assertThat(folder.competition()).isNull();
        // a CSV: row order, relative paths from the CSV's folder, optional id column
        Path csv = dir.resolve("list.csv");
        Path rel = dir.relativize(tiffs.get(1));
        Files.writeString(csv, "note,path,id\nx," + tiffs.get(3) + ",fourth\ny," + rel + ",\n");
        Cohort c = Cohorts.open(csv, null);
        assertThat(c.ids()).containsExactly("fourth", Cohorts.stem(tiffs.get(1).getFileName().toString()));
        assertThat(c.slides().get(1).path()).isEqualTo(tiffs.get(1).toAbsolutePath().normalize());
        CohortRuns.predict(predictor("identity"), c, Shard.ALL, dir.resolve("out"), null, null);
        List<TrainRow> sub = KaggleFiles.readSubmission(dir.resolve("out/submission.csv"));
        assertThat(sub).extracting(TrainRow::id).containsExactlyElementsOf(c.ids());
        // same slide, same row whatever the input kind
        Path one = dir.resolve("one");
        Cohort byFolder = Cohorts.open(data.resolve("test"), List.of(c.ids().get(1)));
        CohortRuns.predict(predictor("identity"), byFolder, Shard.ALL, one, null, null);
        assertThat(KaggleFiles.readSubmission(one.resolve("submission.csv")).get(0)).isEqualTo(sub.get(1));
        // hostile lists: one line naming the problem
        Files.writeString(csv, "path\nnope.tiff\n");
        assertThatThrownBy(() -> Cohorts.open(csv, null)).hasMessageContaining("do not exist or are not files: nope.tiff");
        Files.writeString(csv, "file\n" + tiffs.get(0) + "\n");
        assertThatThrownBy(() -> Cohorts.open(csv, null)).hasMessageContaining("missing column 'path'");
        Files.writeString(csv, "path,id\n" + tiffs.get(0) + ",a\n" + tiffs.get(1) + ",a\n");
        assertThatThrownBy(() -> Cohorts.open(csv, null)).hasMessageContaining("'a' appears twice");
        Files.writeString(csv, "path,id\n" + tiffs.get(0) + ",../evil\n");
        assertThatThrownBy(() -> Cohorts.open(csv, null)).hasMessageContaining("slide id must be");
        assertThatThrownBy(() -> Cohorts.open(dir.resolve("none"), null)).hasMessageContaining("does not exist");
        assertThatThrownBy(() -> Cohorts.open(data, List.of("zzz"))).hasMessageContaining("unknown slide id 'zzz'");
    }

    @Test
    void shardsTakeEveryNthSlide() {
        List<Integer> all = List.of(0, 1, 2, 3, 4, 5, 6);
        assertThat(Shard.parse("1/3").select(all)).containsExactly(1, 4);
        assertThat(Shard.parse(" 0/1").select(all)).isEqualTo(all);
        List<Integer> union = new ArrayList<>();
        for (int i = 0; i < 4; i++) {
            union.addAll(new Shard(i, 4).select(all));
        }
        assertThat(union).containsExactlyInAnyOrderElementsOf(all);
        for (String bad : List.of("3/3", "-1/2", "1", "a/b", "1/0", "")) {
            assertThatThrownBy(() -> Shard.parse(bad)).isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("I/N");
        }
    }

    @Test
    void unitRleIsTheEnginesRuns(@TempDir Path out) throws IOException {
        Cohort c = Cohorts.open(data, null);
        CohortSlide s = c.slides().get(0);
        SlideUnits.run(predictor("identity"), s, out, null, null);
        try (CompetitionDataset ds = CompetitionDataset.open(data)) {
            String expected = Rle.format(inference().predictRuns(ds.slide(s.id()), List.of(HandData.identity())));
            assertThat(Files.readString(SlideUnits.dir(out, s.id()).resolve(SlideUnits.MASK))).isEqualTo(expected);
        }
    }
}
