package io.github.hubmapseg.pipeline.threshold;

import io.github.hubmapseg.testkit.RepoFiles;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.github.hubmapseg.core.conformance.ConformanceJson;
import java.awt.image.BufferedImage;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.stream.Stream;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ThresholdSearchTest {

    /** Random maps whose values include exact grid thresholds, so ties with the comparison are exercised. */
    private static float[][] probs;
    private static byte[][] truths;

    static {
        SplittableRandom r = new SplittableRandom(7);
        int images = 5;
        probs = new float[images][];
        truths = new byte[images][];
        for (int i = 0; i < images; i++) {
            int n = 500 + 300 * i;
            probs[i] = new float[n];
            truths[i] = new byte[n];
            for (int j = 0; j < n; j++) {
                boolean fg = i != 3 && r.nextDouble() < 0.3; // image 3 has an empty truth
                truths[i][j] = (byte) (fg ? 1 : 0);
                double u = r.nextDouble();
                float p = switch (r.nextInt(4)) {
                    case 0 -> (float) (r.nextInt(21) * 0.05); // on the grid (as a float)
                    case 1 -> r.nextInt(5) * 0.25f;           // exactly representable grid values
                    default -> (float) (fg ? 0.4 + 0.6 * u : 0.6 * u);
                };
                probs[i][j] = p;
            }
        }
    }

    private static ThresholdTable bruteForce(ThresholdGrid grid, Comparison cmp) {
        int n = grid.size();
        double[][] per = new double[probs.length][n];
        double[] mean = new double[n];
        double[] pooled = new double[n];
        for (int k = 0; k < n; k++) {
            long ptp = 0;
            long ppred = 0;
            long ptruth = 0;
            double sum = 0;
            for (int i = 0; i < probs.length; i++) {
                long tp = 0;
                long pred = 0;
                long truth = 0;
                for (int j = 0; j < probs[i].length; j++) {
                    boolean fg = cmp.test(probs[i][j], grid.get(k));
                    if (fg) {
                        pred++;
                    }
                    if (truths[i][j] == 1) {
                        truth++;
                        if (fg) {
                            tp++;
                        }
                    }
                }
                per[i][k] = pred + truth == 0 ? 1.0 : 2.0 * tp / (pred + truth);
                sum += per[i][k];
                ptp += tp;
                ppred += pred;
                ptruth += truth;
            }
            mean[k] = sum / probs.length;
            pooled[k] = ppred + ptruth == 0 ? 1.0 : 2.0 * ptp / (ppred + ptruth);
        }
        return new ThresholdTable(grid.values(), List.of("a", "b", "c", "d", "e"), per, mean, pooled);
    }

    private static ThresholdTable fast(ThresholdGrid grid, Comparison cmp) {
        ThresholdSearch s = new ThresholdSearch(grid, cmp);
        String[] ids = {"a", "b", "c", "d", "e"};
        for (int i = 0; i < probs.length; i++) {
            s.add(ids[i], probs[i], truths[i]);
        }
        return s.result();
    }

    @Test
    void histogramSearchEqualsBruteForceExactly() {
        List<ThresholdGrid> grids = List.of(ThresholdGrid.linear(0, 1, 0.05), ThresholdGrid.percent(),
                ThresholdGrid.of(-1, 0.1, 0.25, 0.2500001, 0.33, 0.5, 0.77, 1.0, 2.0),
                ThresholdGrid.of(0.5));
        for (ThresholdGrid g : grids) {
            for (Comparison c : Comparison.values()) {
                ThresholdTable f = fast(g, c);
                ThresholdTable b = bruteForce(g, c);
                assertThat(f.meanDice()).as("%s %s mean", g, c).containsExactly(b.meanDice());
                assertThat(f.pooledDice()).as("%s %s pooled", g, c).containsExactly(b.pooledDice());
                for (int i = 0; i < probs.length; i++) {
                    assertThat(f.perImage()[i]).as("%s %s image %d", g, c, i).containsExactly(b.perImage()[i]);
                }
            }
        }
    }

    /**
     * The threshold searched out of fold is then applied by the tiling sinks ({@code RowSinks.threshold}) to write
     * the submission: both must call the same pixels foreground, ties and float/double rounding included, or the
     * searched optimum is not the one applied.
     */
    @Test
    void searchedDiceIsTheDiceOfTheMaskTheSinksWrite() throws Exception {
        ThresholdGrid grid = ThresholdGrid.linear(0.05, 0.95, 0.05);
        ThresholdSearch search = new ThresholdSearch(grid);
        for (int i = 0; i < probs.length; i++) {
            search.add("img" + i, probs[i], truths[i]);
        }
        ThresholdTable table = search.result();
        for (int k = 0; k < grid.size(); k++) {
            for (int i = 0; i < probs.length; i++) {
                byte[] mask = new byte[probs[i].length];
                io.github.hubmapseg.tiling.sink.RowSink sink = io.github.hubmapseg.tiling.sink.RowSinks
                        .threshold(grid.get(k), (y0, rows, band) -> System.arraycopy(band, 0, mask, 0, mask.length));
                sink.begin(probs[i].length, 1);
                sink.accept(0, 1, probs[i]);
                sink.end();
                long tp = 0;
                long pred = 0;
                long truth = 0;
                for (int j = 0; j < probs[i].length; j++) {
                    tp += mask[j] & truths[i][j];
                    pred += mask[j];
                    truth += truths[i][j];
                }
                double dice = pred + truth == 0 ? 1.0 : 2.0 * tp / (pred + truth);
                assertThat(table.perImage()[i][k]).as("image %d threshold %s", i, grid.get(k)).isEqualTo(dice);
            }
        }
    }

    @Test
    void comparisonMattersOnTies() {
        ThresholdGrid g = ThresholdGrid.of(0.5);
        ThresholdTable ge = new ThresholdSearch(g, Comparison.GREATER_OR_EQUAL)
                .add("x", new float[] {0.5f, 0.2f}, new byte[] {1, 0}).result();
        ThresholdTable gt = new ThresholdSearch(g, Comparison.GREATER)
                .add("x", new float[] {0.5f, 0.2f}, new byte[] {1, 0}).result();
        assertThat(ge.meanDice()[0]).isEqualTo(1.0);
        assertThat(gt.meanDice()[0]).isEqualTo(0.0);
    }

    @Test
    void piecesAndMergeAddUp() {
        ThresholdGrid g = ThresholdGrid.percent();
        ThresholdTable whole = fast(g, Comparison.GREATER_OR_EQUAL);
        ThresholdSearch a = new ThresholdSearch(g);
        ThresholdSearch b = new ThresholdSearch(g);
        String[] ids = {"a", "b", "c", "d", "e"};
        for (int i = 0; i < probs.length; i++) {
            int half = probs[i].length / 3;
            a.add(ids[i], probs[i], 0, truths[i], 0, half);
            b.add(ids[i], probs[i], half, truths[i], half, probs[i].length - half);
        }
        ThresholdTable merged = a.merge(b).result();
        assertThat(merged.meanDice()).containsExactly(whole.meanDice());
        assertThat(merged.pooledDice()).containsExactly(whole.pooledDice());
        assertThat(merged.imageIds()).containsExactly(ids);
    }

    @Test
    void goldenDiceVectors() throws Exception {
        JsonNode root = new ObjectMapper().readTree(conformanceDir().resolve("dice.json").toFile());
        Map<String, Double> perCase = new HashMap<>();
        int checked = 0;
        for (JsonNode c : root.get("cases")) {
            int h = c.get("height").asInt();
            int w = c.get("width").asInt();
            byte[] pred = ConformanceJson.mask(c.get("pred"), h, w);
            byte[] truth = ConformanceJson.mask(c.get("truth"), h, w);
            float[] p = new float[pred.length];
            for (int i = 0; i < p.length; i++) {
                p[i] = pred[i];
            }
            ThresholdTable t = new ThresholdSearch(ThresholdGrid.of(0.5)).add(c.get("id").asText(), p, truth).result();
            double expected = ConformanceJson.number(c.get("dice"));
            assertThat(t.meanDice()[0]).as(c.get("id").asText()).isCloseTo(expected, within(1e-15));
            assertThat(t.pooledDice()[0]).as(c.get("id").asText()).isCloseTo(expected, within(1e-15));
            perCase.put(c.get("id").asText(), t.meanDice()[0]);
            checked++;
        }
        assertThat(checked).isGreaterThan(10);
        for (JsonNode group : root.get("mean_dice_groups")) {
            ThresholdSearch s = new ThresholdSearch(ThresholdGrid.of(0.5));
            for (JsonNode id : group.get("case_ids")) {
                JsonNode c = find(root, id.asText());
                int h = c.get("height").asInt();
                int w = c.get("width").asInt();
                byte[] pred = ConformanceJson.mask(c.get("pred"), h, w);
                float[] p = new float[pred.length];
                for (int i = 0; i < p.length; i++) {
                    p[i] = pred[i];
                }
                s.add(id.asText(), p, ConformanceJson.mask(c.get("truth"), h, w));
            }
            assertThat(s.result().meanDice()[0]).as(group.get("id").asText())
                    .isCloseTo(ConformanceJson.number(group.get("mean_dice")), within(1e-15));
        }
        assertThat(perCase).containsEntry("both_empty", 1.0);
    }

    private static JsonNode find(JsonNode root, String id) {
        for (JsonNode c : root.get("cases")) {
            if (c.get("id").asText().equals(id)) {
                return c;
            }
        }
        throw new AssertionError("no case " + id);
    }

    static Path conformanceDir() {
        return RepoFiles.conformanceDir();
    }

    @Test
    void bestPicksMiddleOfPlateau() {
        // fg at 0.7, bg at 0.3: every threshold in (0.3, 0.7] is perfect
        float[] p = {0.7f, 0.7f, 0.3f, 0.3f, 0.3f};
        byte[] t = {1, 1, 0, 0, 0};
        ThresholdTable tab = new ThresholdSearch(ThresholdGrid.linear(0.1, 0.9, 0.1)).add("x", p, t).result();
        ThresholdTable.Best best = tab.best(ThresholdTable.Mode.MEAN_OVER_IMAGES);
        assertThat(best.dice()).isEqualTo(1.0);
        assertThat(best.threshold()).isEqualTo(0.5); // plateau 0.4..0.7 (0.3f > 0.3 so 0.3 is not perfect)
        assertThat(tab.meanDice()[0]).isLessThan(1.0);
    }

    @Test
    void meanAndPooledDiffer() {
        // a tiny image that is badly predicted weighs as much as a big good one in the mean, not pooled
        ThresholdSearch s = new ThresholdSearch(ThresholdGrid.of(0.5));
        s.add("big", new float[] {1, 1, 1, 1, 1, 1, 1, 1}, new byte[] {1, 1, 1, 1, 1, 1, 1, 1});
        s.add("small", new float[] {0}, new byte[] {1});
        ThresholdTable t = s.result();
        assertThat(t.meanDice()[0]).isEqualTo(0.5);
        assertThat(t.pooledDice()[0]).isEqualTo(2.0 * 8 / 17);
    }

    @Test
    void csvAndPng(@TempDir Path dir) throws Exception {
        ThresholdTable t = fast(ThresholdGrid.percent(), Comparison.GREATER_OR_EQUAL);
        Path csv = dir.resolve("out/dice_vs_threshold.csv");
        t.writeCsv(csv);
        List<String> lines = Files.readAllLines(csv);
        assertThat(lines.get(0)).isEqualTo("threshold,mean_dice,pooled_dice,a,b,c,d,e");
        assertThat(lines).hasSize(100);
        String[] row = lines.get(50).split(",");
        assertThat(Double.parseDouble(row[0])).isEqualTo(0.5);
        assertThat(Double.parseDouble(row[1])).isEqualTo(t.meanDice()[49]);
        assertThat(Double.parseDouble(row[4])).isEqualTo(t.perImage()[1][49]);
        Path png = dir.resolve("out/dice_vs_threshold.png");
        t.writePng(png);
        BufferedImage img = ImageIO.read(png.toFile());
        assertThat(img.getWidth()).isEqualTo(800);
        assertThat(img.getHeight()).isEqualTo(500);
        try (Stream<Path> files = Files.list(dir.resolve("out"))) {
            assertThat(files.map(f -> f.getFileName().toString())).containsExactlyInAnyOrder(
                    "dice_vs_threshold.csv", "dice_vs_threshold.png");
        }
    }

    @Test
    void badInputIsNamed() {
        ThresholdSearch s = new ThresholdSearch(ThresholdGrid.of(0.5));
        assertThatThrownBy(() -> s.add("img1", new float[] {0.1f, Float.NaN}, new byte[] {0, 0}))
                .hasMessageContaining("img1").hasMessageContaining("index 1").hasMessageContaining("NaN");
        assertThatThrownBy(() -> s.add("img2", new float[] {0.1f}, new byte[] {2}))
                .hasMessageContaining("must be 0 or 1, got 2");
        assertThatThrownBy(() -> s.add("img3", new float[] {0.1f}, new byte[] {0, 1}))
                .hasMessageContaining("truth length 2");
        assertThatThrownBy(() -> ThresholdGrid.of(0.2, 0.1)).hasMessageContaining("strictly increasing")
                .hasMessageContaining("0.2 then 0.1");
        assertThatThrownBy(() -> ThresholdGrid.linear(0, 1, 0)).hasMessageContaining("step must be");
        assertThatThrownBy(() -> new ThresholdSearch(ThresholdGrid.of(0.5)).result())
                .hasMessageContaining("no image");
    }

    @Test
    void linearGridValuesAreTheNearestDoubles() {
        double[] v = ThresholdGrid.linear(0.1, 0.9, 0.1).values();
        assertThat(v).containsExactly(0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9);
        assertThat(ThresholdGrid.percent().size()).isEqualTo(99);
    }
}
