package io.github.hubmapseg.core.geom;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.github.hubmapseg.core.kaggle.KaggleFiles;
import io.github.hubmapseg.core.kaggle.Polygon;
import io.github.hubmapseg.core.metrics.Dice;
import io.github.hubmapseg.core.synth.SlideSpec;
import io.github.hubmapseg.core.synth.SyntheticSlide;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class GeoJsonRoundTripTest {

    static final int W = 1536;
    static final int H = 1280;
    static final SyntheticSlide SLIDE = SyntheticSlide.create(new SlideSpec("geo", W, H, 4));

    /** Traces the slide's truth mask band by band (64 rows) into a GeoJSON file. */
    static long writeTruthPolygons(Path file, double tolerance, GeoJsonOptions options) throws Exception {
        ContourTracer t = ContourTracer.of(W, H);
        try (GeoJsonWriter w = GeoJsonWriter.open(file, options, "geo")) {
            for (int y = 0; y < H; y += 64) {
                int rows = Math.min(64, H - y);
                byte[] band = SLIDE.mask(0, y, W, rows);
                for (int j = 0; j < rows; j++) {
                    t.addRow(band, j * W, null, 0);
                    for (MaskPolygon p; (p = t.poll()) != null; ) {
                        w.write(Polygons.simplify(p, tolerance));
                    }
                }
            }
            t.finish();
            for (MaskPolygon p; (p = t.poll()) != null; ) {
                w.write(Polygons.simplify(p, tolerance));
            }
            w.end();
            return w.count();
        }
    }

    @Test
    void exactPolygonsRasteriseToTheMaskAndHalfPixelSimplifiedOnesKeepDiceAbove0999(@TempDir Path dir) throws Exception {
        byte[] truth = SLIDE.mask(0, 0, W, H);
        Path exact = dir.resolve("exact.geojson");
        long n = writeTruthPolygons(exact, 0, GeoJsonOptions.DEFAULT);
        assertThat(n).isGreaterThan(5);
        List<MaskPolygon> back = KaggleFiles.readObjects(exact, "Mean probability");
        assertThat(back).hasSize((int) n);
        assertThat(Polygons.rasterize(back, W, H)).isEqualTo(truth);

        Path simple = dir.resolve("simple.geojson");
        writeTruthPolygons(simple, 0.5, GeoJsonOptions.DEFAULT);
        List<MaskPolygon> simplified = KaggleFiles.readObjects(simple, "Mean probability");
        int exactVertices = back.stream().mapToInt(MaskPolygon::vertexCount).sum();
        int simpleVertices = simplified.stream().mapToInt(MaskPolygon::vertexCount).sum();
        assertThat(simpleVertices).isLessThan(exactVertices * 6 / 10);
        byte[] raster = Polygons.rasterize(simplified, W, H);
        double dice = Dice.dice(raster, truth);
        assertThat(dice).isGreaterThanOrEqualTo(0.999);
        // areas are the mask's, not the simplified polygon's
        for (int i = 0; i < back.size(); i++) {
            assertThat(simplified.get(i).area()).isEqualTo(back.get(i).area());
        }
    }

    @Test
    void sameGlomeruliAndQuPathFieldsAsTheSyntheticGeneratorsGeoJson(@TempDir Path dir) throws Exception {
        Path ours = dir.resolve("ours.geojson");
        writeTruthPolygons(ours, 1.0, GeoJsonOptions.DEFAULT.withObjectType(ObjectType.DETECTION));
        Path generator = dir.resolve("generator.json");
        KaggleFiles.writeGlomeruli(generator, SLIDE.glomerulusPolygons(64)); // what 'hubmap synth' writes

        List<MaskPolygon> a = KaggleFiles.readObjects(ours, "Mean probability");
        List<MaskPolygon> b = KaggleFiles.readObjects(generator, "Mean probability");
        assertThat(a).hasSameSizeAs(b);
        // every generator glomerulus has exactly one of ours covering it (IoU of their rasters)
        List<MaskPolygon> unmatched = new ArrayList<>(a);
        for (MaskPolygon g : b) {
            byte[] gm = Polygons.rasterize(List.of(g), W, H);
            MaskPolygon best = null;
            double bestIou = 0;
            for (MaskPolygon o : unmatched) {
                double iou = iou(gm, Polygons.rasterize(List.of(o), W, H));
                if (iou > bestIou) {
                    bestIou = iou;
                    best = o;
                }
            }
            assertThat(bestIou).as("IoU with the generator's polygon").isGreaterThan(0.97);
            unmatched.remove(best);
        }
        assertThat(unmatched).isEmpty();

        ObjectMapper m = new ObjectMapper();
        JsonNode root = m.readTree(ours.toFile());
        assertThat(root.path("type").asText()).isEqualTo("FeatureCollection");
        JsonNode gen = m.readTree(generator.toFile()).get(0);
        for (JsonNode f : root.path("features")) {
            // the fields QuPath reads, as in the generator's file
            assertThat(f.path("type").asText()).isEqualTo(gen.path("type").asText());
            assertThat(f.path("geometry").path("type").asText()).isEqualTo(gen.path("geometry").path("type").asText());
            assertThat(f.path("properties").path("classification").path("name").asText())
                    .isEqualToIgnoringCase(gen.path("properties").path("classification").path("name").asText());
            // QuPath 0.4+ fields
            assertThat(f.path("id").asText()).matches("[0-9a-f]{8}-[0-9a-f]{4}-3[0-9a-f]{3}-[0-9a-f]{4}-[0-9a-f]{12}");
            assertThat(f.path("properties").path("objectType").asText()).isEqualTo("detection");
            assertThat(f.path("properties").has("isLocked")).isFalse();
            JsonNode color = f.path("properties").path("classification").path("color");
            assertThat(color.isArray() && color.size() == 3).isTrue();
            assertThat(f.path("properties").path("measurements").path("Area px").asLong()).isPositive();
            JsonNode ring = f.path("geometry").path("coordinates").get(0);
            assertThat(ring.get(0)).isEqualTo(ring.get(ring.size() - 1));
        }
    }

    static double iou(byte[] a, byte[] b) {
        long i = 0;
        long u = 0;
        for (int k = 0; k < a.length; k++) {
            boolean x = a[k] != 0;
            boolean y = b[k] != 0;
            i += x && y ? 1 : 0;
            u += x || y ? 1 : 0;
        }
        return u == 0 ? 1 : (double) i / u;
    }

    @Test
    void writerLeavesNoFileWithoutEndAndRejectsBadOptions(@TempDir Path dir) throws Exception {
        Path f = dir.resolve("x.geojson");
        try (GeoJsonWriter w = GeoJsonWriter.open(f, GeoJsonOptions.DEFAULT, "s")) {
            w.write(new MaskPolygon(new Polygon(new double[] {0, 1, 1}, new double[] {0, 0, 1}), List.of(), 1, 0.5));
        }
        try (var s = Files.list(dir)) {
            assertThat(s).isEmpty();
        }
        assertThatThrownBy(() -> ObjectType.parse("cell")).hasMessageContaining("annotation or detection, got 'cell'");
        assertThatThrownBy(() -> new GeoJsonOptions(ObjectType.ANNOTATION, "G", 0x1000000, "p"))
                .hasMessageContaining("0x1000000");
    }
}
