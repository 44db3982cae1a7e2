package io.github.hubmapseg.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.github.hubmapseg.core.kaggle.KaggleFiles;
import io.github.hubmapseg.core.kaggle.TrainRow;
import io.github.hubmapseg.core.rle.Rle;
import io.github.hubmapseg.core.synth.SyntheticDataset;
import java.awt.image.BufferedImage;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/** {@code hubmap tiles} on {@code hubmap synth} data shows what each recipe's sampler does. */
class TilesCommandTest {
    @TempDir
    static Path dir;
    static Path data;
    static final int SIZE = 2048;
    static final Map<String, byte[]> MASKS = new HashMap<>();

    @BeforeAll
    static void synth() throws Exception {
        data = dir.resolve("data");
        SyntheticDataset.builder(data).slides(4).size(SIZE, SIZE).patients(3).seed(9).threads(1).build()
                .write(new SyntheticDataset.Listener() {
                });
        for (TrainRow r : KaggleFiles.readTrain(data.resolve("train.csv"))) {
            MASKS.put(r.id(), Rle.decode(r.encoding(), SIZE, SIZE));
        }
    }

    record Row(String slide, long x, long y, long w, long h, int reduce, double fraction) {
    }

    private static List<Row> tiles(String name, String... more) throws Exception {
        Path out = dir.resolve(name + "-" + more.length + "-" + System.nanoTime() + ".csv");
        List<String> args = new ArrayList<>(List.of("tiles", "--data", data.toString(), "--recipe", name,
                "--out", out.toString(), "--set", "cv.split=group-kfold-patient", "--set", "cv.folds=3"));
        for (int i = 0; i < more.length; i++) {
            if (more[i].startsWith("--")) {
                args.add(more[i]);
                args.add(more[++i]);
            } else {
                args.add("--set");
                args.add(more[i]);
            }
        }
        StringWriter o = new StringWriter();
        StringWriter e = new StringWriter();
        CommandLine cl = HubmapCommand.commandLine();
        cl.setOut(new PrintWriter(o));
        cl.setErr(new PrintWriter(e));
        assertThat(cl.execute(args.toArray(new String[0]))).as(e.toString()).isZero();
        List<String> lines = Files.readAllLines(out);
        assertThat(lines.get(0)).isEqualTo("slide,x,y,width,height,reduce,masked_fraction");
        List<Row> rows = new ArrayList<>();
        for (String l : lines.subList(1, lines.size())) {
            String[] f = l.split(",");
            rows.add(new Row(f[0], Long.parseLong(f[1]), Long.parseLong(f[2]), Long.parseLong(f[3]),
                    Long.parseLong(f[4]), Integer.parseInt(f[5]), Double.parseDouble(f[6])));
        }
        return rows;
    }

    /** Masked share of the region at full resolution, from the decoded train.csv mask. */
    private static double fraction(Row r) {
        byte[] m = MASKS.get(r.slide());
        long fg = 0;
        for (long y = r.y(); y < r.y() + r.h(); y++) {
            for (long x = r.x(); x < r.x() + r.w(); x++) {
                if (x >= 0 && y >= 0 && x < SIZE && y < SIZE && m[(int) (y * SIZE + x)] != 0) {
                    fg++;
                }
            }
        }
        return (double) fg / (r.w() * r.h());
    }

    @Test
    void firstPlaceShowsShiftedAndEmptyTilesWithTheirMaskedFraction() throws Exception {
        Path prev = dir.resolve("preview");
        List<Row> rows = tiles("first-place", "data.tile_size=256", "data.shift=128", "data.tiles_per_epoch=500",
                "--preview", prev.toString(), "--preview-count", "20");
        assertThat(rows).hasSize(500).allSatisfy(r -> assertThat(r.w()).isEqualTo(512));
        assertThat(rows.stream().filter(r -> r.x() % 512 == 256 && r.y() % 512 == 256).count()).isPositive();
        assertThat(rows.stream().filter(r -> r.fraction() == 0).count()).isPositive();
        for (Row r : rows.subList(0, 40)) {
            assertThat(r.fraction()).as("%s", r).isCloseTo(fraction(r), org.assertj.core.api.Assertions.within(0.02));
        }
        BufferedImage png = ImageIO.read(prev.resolve("tiles-first-place-fold0-epoch0.png").toFile());
        assertThat(png.getWidth()).isEqualTo(8 * 130);
        assertThat(png.getHeight()).isEqualTo(3 * 130);
    }

    @Test
    void otherRecipesShowTheirSamplers() throws Exception {
        List<Row> filtered = tiles("third-place", "data.tile_size=256");
        List<Row> unfiltered = tiles("third-place", "data.tile_size=256", "data.saturation_threshold=0");
        assertThat(filtered.size()).isLessThan(unfiltered.size());
        List<Row> positive = tiles("twenty-third-place", "data.tile_size=256", "data.tiles_per_epoch=100",
                "train.augment=flips"); // its RandomCrop 768 needs 1024 tiles
        assertThat(positive).hasSize(100).allSatisfy(r -> assertThat(fraction(r)).isPositive());
        List<Row> pdf = tiles("deepflash2-style", "data.tile_size=128", "data.reduce=2", "data.tiles_per_epoch=30");
        List<Row> pdfPlain = tiles("deepflash2-style", "data.tile_size=128", "data.reduce=2",
                "data.tiles_per_epoch=30", "data.every_glomerulus=false");
        assertThat(pdfPlain).hasSize(30);
        assertThat(pdf.size()).isGreaterThan(40); // + one tile per glomerulus of the fold's training slides
    }

    @Test
    void teamBTrainsOnItsFoldsTrainingTilesOfEverySlide() throws Exception {
        // tile-level folds: 256-pixel tiles at reduce 2 (512 level-0), 16 per 2048 slide, 5 folds
        List<Row> all = new ArrayList<>();
        java.util.Set<String> seen = new java.util.HashSet<>();
        java.util.Map<String, Integer> times = new HashMap<>();
        for (int f = 0; f < 5; f++) {
            List<Row> rows = tiles("team-b", "data.tile_size=256", "cv.split=stratified-tiles", "cv.folds=5",
                    "--fold", String.valueOf(f));
            for (Row r : rows) {
                assertThat(r.x() % 512).isZero();
                assertThat(r.y() % 512).isZero();
                assertThat(r.w()).isEqualTo(512);
                times.merge(r.slide() + ":" + r.x() + ":" + r.y(), 1, Integer::sum);
            }
            all.addAll(rows);
            rows.forEach(r -> seen.add(r.slide()));
        }
        // every grid tile of the training slides is trained on in 4 of the 5 folds (validated in the fifth)
        assertThat(times.values()).containsOnly(4);
        assertThat(times.size()).isEqualTo(seen.size() * 16);
        assertThat(seen.size()).isGreaterThan(1);
    }
}
