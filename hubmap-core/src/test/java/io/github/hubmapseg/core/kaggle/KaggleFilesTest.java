package io.github.hubmapseg.core.kaggle;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class KaggleFilesTest {

    @TempDir
    Path dir;

    private Path file(String name, String content) throws IOException {
        Path p = dir.resolve(name);
        Files.writeString(p, content);
        return p;
    }

    @Test
    void trainCsvRoundTripsWithQuotedFields() throws IOException {
        Path p = file("train.csv", "id,encoding\naaa,1 2 10 3\r\n\"bbb\",\"5 1\"\nccc,\n");
        assertThat(KaggleFiles.readTrain(p)).containsExactly(new TrainRow("aaa", "1 2 10 3"),
                new TrainRow("bbb", "5 1"), new TrainRow("ccc", ""));
        Path out = dir.resolve("out/train.csv");
        KaggleFiles.writeTrain(out, KaggleFiles.readTrain(p));
        assertThat(Files.readString(out)).isEqualTo("id,encoding\naaa,1 2 10 3\nbbb,5 1\nccc,\n");
        try (var files = Files.list(out.getParent())) {
            assertThat(files).containsExactly(out);
        }
    }

    @Test
    void malformedTrainRowsNameLineAndValue() throws IOException {
        assertThatThrownBy(() -> KaggleFiles.readTrain(file("a.csv", "id,encoding\nx,1 2\ny,1 2 3\n")))
                .isInstanceOf(KaggleFormatException.class).hasMessageContaining("line 3")
                .hasMessageContaining("'1 2 3'").hasMessageContaining("even");
        assertThatThrownBy(() -> KaggleFiles.readTrain(file("b.csv", "id,encoding\nx,1 a\n")))
                .hasMessageContaining("line 2").hasMessageContaining("'1 a'");
        assertThatThrownBy(() -> KaggleFiles.readTrain(file("c.csv", "id,encoding\nx,1 2,extra\n")))
                .hasMessageContaining("line 2").hasMessageContaining("expected 2 fields, got 3");
        assertThatThrownBy(() -> KaggleFiles.readTrain(file("d.csv", "id,rle\nx,1 2\n")))
                .hasMessageContaining("line 1").hasMessageContaining("missing column 'encoding'");
        // a quoted field spanning two lines: the error is reported on the line after it
        assertThatThrownBy(() -> KaggleFiles.readTrain(file("e.csv", "id,encoding\n\"x\ny\",1 2\nz,1\n")))
                .hasMessageContaining("line 4");
        assertThatThrownBy(() -> KaggleFiles.readTrain(file("f.csv", "id,encoding\nx,\"1 2\n")))
                .hasMessageContaining("line 2").hasMessageContaining("unterminated");
        assertThatThrownBy(() -> KaggleFiles.readTrain(file("g.csv", "id,encoding\nx,1 2\nx,3 4\n")))
                .hasMessageContaining("line 3").hasMessageContaining("duplicate id 'x'");
        KaggleFormatException e = org.junit.jupiter.api.Assertions.assertThrows(KaggleFormatException.class,
                () -> KaggleFiles.readTrain(file("h.csv", "id,encoding\n\nx,1\n")));
        assertThat(e.line()).isEqualTo(3);
    }

    @Test
    void datasetInfoRoundTripsAndRejectsBadNumbers() throws IOException {
        DatasetInfo a = new DatasetInfo("2f6ecfcdf.tiff", 31278, 25794, "2f6ecfcdf-anatomical-structure.json",
                "2f6ecfcdf.json", 63921, "White", "Not Hispanic or Latino", "Male", 53, 73, 166, 26.5, "Right",
                62.5, 37.5);
        DatasetInfo b = new DatasetInfo("aa05346ff.tiff", 47340, 30720, "x, with comma.json", "", 68250, "", "",
                "Female", Double.NaN, 80.5, 170, 27.8, "Left", 55, 45);
        Path p = dir.resolve(KaggleFiles.DATASET_INFO);
        KaggleFiles.writeDatasetInfo(p, List.of(a, b));
        List<DatasetInfo> back = KaggleFiles.readDatasetInfo(p);
        assertThat(back).containsExactly(a, b);
        assertThat(back.get(0).id()).isEqualTo("2f6ecfcdf");
        assertThat(Files.readAllLines(p).get(0)).startsWith("image_file,width_pixels,height_pixels,"
                + "anatomical_structures_segmention_file,glomerulus_segmentation_file,patient_number");
        String header = String.join(",", DatasetInfo.COLUMNS);
        assertThatThrownBy(() -> KaggleFiles.readDatasetInfo(file("i.csv", header + "\n"
                + "a.tiff,10,10,,,123,,,,,,,,,1,2\nb.tiff,10,ten,,,1,,,,,,,,,1,2\n")))
                .hasMessageContaining("line 3").hasMessageContaining("height_pixels").hasMessageContaining("'ten'");
        assertThatThrownBy(() -> KaggleFiles.readDatasetInfo(file("j.csv", header + "\n"
                + "a.tiff,10,10,,,123,,,,old,,,,,1,2\n")))
                .hasMessageContaining("line 2").hasMessageContaining("age").hasMessageContaining("'old'");
    }

    @Test
    void polygonJsonRoundTripsInTheCompetitionShape() throws IOException {
        Polygon p = new Polygon(new double[] {10, 20.4, 15}, new double[] {5, 5, 18.6});
        Path g = dir.resolve("x.json");
        KaggleFiles.writeGlomeruli(g, List.of(p, p));
        String text = Files.readString(g);
        assertThat(text).contains("\"coordinates\":[[[10,5],[20,5],[15,19],[10,5]]]")
                .contains("\"name\":\"glomerulus\"");
        List<Polygon> back = KaggleFiles.readGlomeruli(g);
        assertThat(back).hasSize(2);
        assertThat(back.get(0).xs()).containsExactly(10, 20, 15);
        assertThat(back.get(0).ys()).containsExactly(5, 5, 19);

        Path a = dir.resolve("x-anatomical-structure.json");
        KaggleFiles.writeAnatomicalStructures(a, List.of(new AnatomicalStructure("Cortex", List.of(p)),
                new AnatomicalStructure("Medulla", List.of(p))));
        List<AnatomicalStructure> s = KaggleFiles.readAnatomicalStructures(a);
        assertThat(s).extracting(AnatomicalStructure::name).containsExactly("Cortex", "Medulla");

        Path fc = file("fc.json", "{\"type\":\"FeatureCollection\",\"features\":[{\"type\":\"Feature\",\"geometry\":"
                + "{\"type\":\"MultiPolygon\",\"coordinates\":[[[[0,0],[4,0],[4,4]]],[[[9,9],[12,9],[12,12],[9,9]]]]},"
                + "\"properties\":{\"classification\":{\"name\":\"Medulla\"}}}]}");
        List<AnatomicalStructure> m = KaggleFiles.readAnatomicalStructures(fc);
        assertThat(m.get(0).polygons()).hasSize(2);
        assertThat(m.get(0).polygons().get(1).size()).isEqualTo(3);
        assertThat(m.get(0).polygons().get(0).area()).isEqualTo(8.0);
    }

    @Test
    void malformedJsonIsReported() throws IOException {
        assertThatThrownBy(() -> KaggleFiles.readGlomeruli(file("a.json", "[{\"geometry\":{\"type\":\"Point\","
                + "\"coordinates\":[1,2]}}]"))).hasMessageContaining("'Point'");
        assertThatThrownBy(() -> KaggleFiles.readGlomeruli(file("b.json", "[{\"geometry\":{\"type\":\"Polygon\","
                + "\"coordinates\":[[[1,2],[3,\"x\"],[5,6]]]}}]"))).hasMessageContaining("coordinates[0][1] must be a vertex");
        assertThatThrownBy(() -> KaggleFiles.readGlomeruli(file("c.json", "[{\"geometry\":")))
                .isInstanceOf(KaggleFormatException.class).hasMessageContaining("invalid JSON");
    }

    @Test
    void submissionWriterStreamsRowsAndIsAtomic() throws IOException {
        Path p = dir.resolve("submission.csv");
        try (SubmissionWriter w = SubmissionWriter.submission(p)) {
            w.add("a", out -> out.append("1 2").append(' ').append("7 1"));
            assertThat(p).doesNotExist();
            w.add("b", "");
            assertThatThrownBy(() -> w.add("a", "3 1")).hasMessageContaining("'a'");
        }
        assertThat(Files.readString(p)).isEqualTo("id,predicted\na,1 2 7 1\nb,\n");
        assertThat(KaggleFiles.readSubmission(p)).containsExactly(new TrainRow("a", "1 2 7 1"), new TrainRow("b", ""));
        Path q = dir.resolve("aborted.csv");
        SubmissionWriter w = SubmissionWriter.submission(q);
        w.add("a", "1 1");
        w.abort();
        try (var files = Files.list(dir)) {
            assertThat(files).containsExactly(p);
        }
    }
}
