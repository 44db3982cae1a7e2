package io.github.hubmapseg.pipeline.infer;

import io.github.hubmapseg.models.ModelPredictor;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.github.hubmapseg.core.predict.Predictor;
import io.github.hubmapseg.core.predict.TileBatch;
import io.github.hubmapseg.core.rle.Rle;
import io.github.hubmapseg.core.slide.ImageSource;
import io.github.hubmapseg.models.SegmentationModel;
import io.github.hubmapseg.pipeline.TinyData;
import io.github.hubmapseg.pipeline.config.Recipe;
import io.github.hubmapseg.pipeline.data.CompetitionDataset;
import io.github.hubmapseg.pipeline.data.Normalization;
import io.github.hubmapseg.pipeline.train.Checkpoint;
import io.github.hubmapseg.pipeline.train.ModelFactory;
import io.github.hubmapseg.testkit.ExternalTools;
import io.github.hubmapseg.tiling.EnginePlan;
import io.github.hubmapseg.tiling.sink.RowSink;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Each member of an ensemble runs with its own settings (issue 14): the same checkpoint at reduce 2 and at reduce 4
 * are two different members, and members that differ in reduce, tile size and architecture run in one pass that
 * writes every output.
 */
class MemberSettingsTest {
    @TempDir
    static Path dir;
    static Path unet;
    static Path fpn;

    static Path checkpoint(Path f, String... more) throws Exception {
        Recipe r = TinyData.recipe(more);
        try (SegmentationModel m = ModelFactory.create(r)) {
            Checkpoint.of(r, 1, 1, Normalization.scale255(3), List.of(), Double.NaN, 0, m, false).save(f);
        }
        return f;
    }

    @BeforeAll
    static void checkpoints() throws Exception {
        // recipes: unet at infer reduce 4, tile 64, expansion 32, overlap 0, mean blending, flips; fpn at reduce 2,
        // tile 32, expansion 16, overlap 8, Gaussian blending, no TTA
        unet = checkpoint(dir.resolve("unet.zip"));
        fpn = checkpoint(dir.resolve("linknet.zip"), "model.architecture=linknet", "infer.reduce=2", "infer.tile_size=32",
                "infer.expansion=16", "infer.overlap=8", "infer.blending=gaussian", "infer.tta=[]");
    }

    static float[] probabilities(Ensemble e, ImageSource slide) throws Exception {
        int w = (int) slide.width();
        float[] out = new float[w * (int) slide.height()];
        List<ModelPredictor> ps = e.open();
        try {
            e.inference(List.of(), null, null).predictProbabilities(slide, ps, (y0, rows, band) ->
                    System.arraycopy(band, 0, out, (int) y0 * w, rows * w));
        } finally {
            ps.forEach(ModelPredictor::close);
        }
        return out;
    }

    static Ensemble ensemble(Ensemble.Member... members) {
        return new Ensemble(List.of(members), "mean", 0.5, false, Double.NaN);
    }

    static long differing(float[] a, float[] b) {
        long n = 0;
        for (int k = 0; k < a.length; k++) {
            n += Math.abs(a[k] - b[k]) > 1e-4 ? 1 : 0;
        }
        return n;
    }

    @Test
    void theSameCheckpointAtReduce2AndAtReduce4AreTwoDifferentMembers() throws Exception {
        try (CompetitionDataset ds = CompetitionDataset.open(TinyData.dir())) {
            ImageSource slide = ds.slide(ds.testIds().get(0));
            Ensemble.Member at2 = new Ensemble.Member(unet, Map.of("reduce", 2), 1.0);
            Ensemble.Member at4 = new Ensemble.Member(unet, Map.of("reduce", 4), 1.0);
            float[] p2 = probabilities(ensemble(at2), slide);
            float[] p4 = probabilities(ensemble(at4), slide);
            float[] both = probabilities(ensemble(at2, at4), slide);
            // the member's own reduce is used: the two scales give different probabilities
            assertThat(differing(p2, p4)).isGreaterThan(p2.length / 10);
            // the ensemble is their per-pixel mean ...
            for (int k = 0; k < both.length; k++) {
                assertThat(both[k]).isCloseTo((p2[k] + p4[k]) / 2, org.assertj.core.data.Offset.offset(1e-6f));
            }
            // ... which differs from member 0's settings applied to both members (before issue 14: both at reduce 2,
            // i.e. p2) and from member 1's applied to both (p4)
            assertThat(differing(both, p2)).isGreaterThan(p2.length / 10);
            assertThat(differing(both, p4)).isGreaterThan(p2.length / 10);
            // a member without settings of its own takes its OWN checkpoint's recipe (reduce 4 for unet)
            assertThat(probabilities(ensemble(Ensemble.Member.of(unet)), slide)).containsExactly(p4);
        }
    }

    /** Counts the windows its predictor sees (N of every batch). */
    static Predictor counted(Predictor p, AtomicLong windows) {
        return new Predictor() {
            @Override
            public int inputChannels() {
                return p.inputChannels();
            }

            @Override
            public TileBatch predict(TileBatch tiles) {
                windows.addAndGet(tiles.size());
                return p.predict(tiles);
            }

            @Override
            public boolean outputsLogits() {
                return p.outputsLogits();
            }

            @Override
            public int sizeDivisor() {
                return p.sizeDivisor();
            }
        };
    }

    @Test
    void membersOfDifferentScaleTileAndArchitectureWriteEveryOutputFromOnePass(@TempDir Path tmp) throws Exception {
        ExternalTools.python("python3-tifffile python3-numpy", "tifffile", "numpy");
        Ensemble e = new Ensemble(List.of(Ensemble.Member.parse(unet + "@tta=hflip,weight=2"), Ensemble.Member.of(fpn)),
                "mean", 0.5, false, Double.NaN);
        Path json = tmp.resolve("ensemble.json");
        e.save(json);
        Ensemble back = Ensemble.load(json);
        assertThat(back.entries()).isEqualTo(e.entries());
        assertThat(back.describe(List.of())).containsExactly(
                "member 0: " + unet + ": reduce 4, tile 64, expansion 32, overlap 0, mean blending, tta [hflip], "
                        + "weight 2.0 (own: tta)",
                "member 1: " + fpn + ": reduce 2, tile 32, expansion 16, overlap 8, gaussian blending, tta [], weight 1.0"
                        + " (all from its checkpoint's recipe)");
        double t;
        try (CompetitionDataset ds = CompetitionDataset.open(TinyData.dir())) {
            // a threshold at the median of the (untrained) members' combined probabilities: a mask of both classes
            float[] all = probabilities(back, ds.slide(ds.testIds().get(0)));
            java.util.Arrays.sort(all);
            t = all[all.length / 2];
        }
        Inference inf = back.inference(List.of(), t, null);
        ProbabilityTiffOutput tiff = new ProbabilityTiffOutput(tmp.resolve("prob"), PyramidTiffSink.Format.FLOAT32, 64);
        AtomicLong w0 = new AtomicLong();
        AtomicLong w1 = new AtomicLong();
        List<ModelPredictor> models = back.open();
        try (CompetitionDataset ds = CompetitionDataset.open(TinyData.dir())) {
            String id = ds.testIds().get(0);
            ImageSource slide = ds.slide(id);
            List<Predictor> ps = List.of(counted(models.get(0), w0), counted(models.get(1), w1));
            EnginePlan plan = inf.engine(ps).plan(slide.width(), slide.height(), 3);
            Map<String, Inference.SlideResult> r = inf.predictSlides(ds, List.of(id), ps, tmp.resolve("sub.csv"), null,
                    tiff);
            // one pass: each predictor saw each of its windows once per pose (unet: identity + hflip)
            assertThat(w0.get()).isEqualTo(plan.members().get(0).grid().size() * 2);
            assertThat(w1.get()).isEqualTo(plan.members().get(1).grid().size());
            assertThat(plan.members().get(0).grid().width()).isEqualTo(128);
            assertThat(plan.members().get(1).grid().width()).isEqualTo(256);
            // overlays from the same pass's runs
            Path overlay = tmp.resolve(id + ".png");
            Overlays.write(slide, ds.mask(id), r.get(id).runs(), 256, overlay);
            assertThat(overlay).exists();
            // the TIFF's probabilities (read by tifffile) threshold to exactly the submission's mask
            int w = (int) slide.width();
            int h = (int) slide.height();
            Path raw = tmp.resolve("level0.raw");
            Process p = new ProcessBuilder(ExternalTools.PYTHON3.toString(), "-c", String.join("\n",
                    "import sys, tifffile, numpy as np",
                    "a = tifffile.TiffFile(sys.argv[1]).series[0].levels[0].asarray()",
                    "a.astype('<f4').tofile(sys.argv[2])"), tiff.file(id).toString(), raw.toString())
                    .redirectErrorStream(true).start();
            String log = new String(p.getInputStream().readAllBytes());
            assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
            assertThat(p.exitValue()).as(log).isZero();
            ByteBuffer bb = ByteBuffer.wrap(Files.readAllBytes(raw)).order(ByteOrder.LITTLE_ENDIAN);
            byte[] mask = Rle.decodeWindow(Rle.parse(Rle.format(r.get(id).runs()), h, w), 0, 0, w, h);
            long fg = 0;
            for (int k = 0; k < w * h; k++) {
                float v = bb.getFloat();
                assertThat(mask[k]).as("pixel %d, p = %s", k, v).isEqualTo((byte) ((double) v >= t ? 1 : 0));
                fg += mask[k];
            }
            assertThat(fg).as("a mask with both classes").isBetween(1L, (long) w * h - 1);
        } finally {
            models.forEach(ModelPredictor::close);
        }
    }

    @Test
    void badMemberSettingsAndFormatsAreOneLine(@TempDir Path tmp) throws Exception {
        assertThatThrownBy(() -> Ensemble.Member.parse("a.zip@colour=red"))
                .hasMessageContaining("unknown member setting 'colour'").hasMessageContaining("reduce, tile_size");
        assertThatThrownBy(() -> Ensemble.Member.parse("a.zip@weight=-1")).hasMessageContaining("weight");
        Path f = tmp.resolve("e.json");
        Files.writeString(f, "{\"format\": \"hubmap-ensemble/7\", \"members\": [\"a.zip\"], \"threshold\": 0.5}");
        assertThatThrownBy(() -> Ensemble.load(f)).hasMessageContaining("unknown ensemble format 'hubmap-ensemble/7'")
                .hasMessageContaining("hubmap-ensemble/1, hubmap-ensemble/2");
        // a v1 file still loads
        Files.writeString(f, "{\"format\": \"hubmap-ensemble/1\", \"members\": [\"unet.zip\"], \"threshold\": 0.4}");
        Ensemble v1 = Ensemble.load(f);
        assertThat(v1.members()).containsExactly(tmp.resolve("unet.zip").toAbsolutePath().normalize());
        assertThat(v1.entries().get(0).infer()).isEmpty();
        assertThatThrownBy(() -> new Ensemble(List.of(Ensemble.Member.of(unet)), "vote:3", 0.5, false, 0))
                .hasMessageContaining("combine must be mean or vote:K with 1 <= K <= 1").hasMessageContaining("vote:3");
        Ensemble bad = new Ensemble(List.of(new Ensemble.Member(unet, Map.of("reduce", 0), 1)), null, 0.5, false, 0);
        assertThatThrownBy(() -> bad.settings(0, List.of())).hasMessageStartingWith("member 0 (" + unet + "): ")
                .hasMessageContaining("infer.reduce");
    }
}
