package io.github.hubmapseg.core.kaggle;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Issue #15 finding 8 (core part): every parse error names the file, the line or JSON path, and the value. */
class KaggleFilesHostileTest {

    @TempDir
    Path dir;

    private Path bytes(String name, byte[] b) throws IOException {
        return Files.write(dir.resolve(name), b);
    }

    private Path text(String name, String s) throws IOException {
        return Files.writeString(dir.resolve(name), s);
    }

    @Test
    void utf8ByteOrderMarkBeforeTheHeaderIsSkipped() throws IOException {
        Path p = text("train.csv", "\uFEFFid,encoding\nx,1 2\n");
        assertThat(KaggleFiles.readTrain(p)).containsExactly(new TrainRow("x", "1 2"));
        Path info = text("info.csv", "\uFEFFimage_file,width_pixels,height_pixels,patient_number\na.tiff,10,20,3\n");
        assertThat(KaggleFiles.readDatasetInfo(info)).singleElement()
                .satisfies(d -> assertThat(d.widthPixels()).isEqualTo(10));
    }

    @Test
    void utf16AndBinaryInputSaySoInOneLine() throws IOException {
        String csv = "id,encoding\nx,1 2\n";
        Path bom16 = bytes("u16.csv", ("\uFEFF" + csv).getBytes(StandardCharsets.UTF_16LE));
        assertThatThrownBy(() -> KaggleFiles.readTrain(bom16)).isInstanceOf(IOException.class)
                .hasMessage(bom16 + ": UTF-16 text (byte-order mark); expected UTF-8 (convert it, e.g. iconv -f UTF-16"
                        + " -t UTF-8)");
        Path plain16 = bytes("u16nobom.csv", csv.getBytes(StandardCharsets.UTF_16LE));
        assertThatThrownBy(() -> KaggleFiles.readTrain(plain16)).hasMessageStartingWith(plain16 + " line 1")
                .hasMessageContaining("UTF-16 text without byte-order mark?");
        Path bin = bytes("bin.csv", new byte[] {'P', 'K', 3, 4, 0, 0, 1, 2});
        assertThatThrownBy(() -> KaggleFiles.readSubmission(bin)).hasMessageContaining(bin.toString())
                .hasMessageContaining("binary data?").hasMessageNotContaining("Input length");
        byte[] bad = "id,encoding\nx,1 2\ny,3 \u00e9\n".getBytes(StandardCharsets.ISO_8859_1); // Latin-1 é
        Path latin = bytes("latin1.csv", bad);
        assertThatThrownBy(() -> KaggleFiles.readTrain(latin)).hasMessage(latin + " line 3: not valid UTF-8 text"
                + " (byte 0xe9 at offset 22); binary data or another encoding? expected UTF-8");
        // a NUL after the first 4096 bytes
        String big = "id,encoding\n" + "x,1 2\n".repeat(1000) + "z,1\u00002\n";
        Path late = text("late.csv", big.replace("x,1 2\n".repeat(1000), sequentialRows(1000)));
        assertThatThrownBy(() -> KaggleFiles.readTrain(late)).hasMessageStartingWith(late + " line 1002")
                .hasMessageContaining("NUL");
    }

    private static String sequentialRows(int n) {
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < n; i++) {
            sb.append("r").append(i).append(",1 2\n");
        }
        return sb.toString();
    }

    @Test
    void datasetInfoNumbersNameLineColumnAndValue() throws IOException {
        String head = "image_file,width_pixels,height_pixels,patient_number\n";
        assertThatThrownBy(() -> KaggleFiles.readDatasetInfo(text("a.csv", head + "a.tiff,10,20,3\nb.tiff,1O,20,3\n")))
                .isInstanceOf(KaggleFormatException.class)
                .hasMessageEndingWith("a.csv line 3: width_pixels must be an integer, got '1O'");
        assertThatThrownBy(() -> KaggleFiles.readDatasetInfo(text("b.csv", head + "a.tiff,-4,20,3\n")))
                .hasMessageEndingWith("b.csv line 2: width_pixels must be between 1 and 2147483647, got '-4'");
        assertThatThrownBy(() -> KaggleFiles.readDatasetInfo(text("c.csv", head + "a.tiff,10,1e12,3\n")))
                .hasMessageContaining("line 2: height_pixels must be between 1 and 2147483647, got '1e12'");
    }

    @Test
    void jsonSyntaxErrorsAreOneLineWithLineAndColumn() throws IOException {
        Path p = text("g.json", "[\n  {\"type\": \"Feature\",\n   \"geometry\": {\"type\": \"Polygon\", x}}\n]");
        assertThatThrownBy(() -> KaggleFiles.readGlomeruli(p)).isInstanceOf(KaggleFormatException.class)
                .hasMessageStartingWith(p + " line 3: column ").hasMessageContaining("invalid JSON: Unexpected character")
                .hasMessageNotContaining("\n").hasMessageNotContaining("Source:");
        Path open = text("o.json", "[{\"geometry\": [1, 2]");
        assertThatThrownBy(() -> KaggleFiles.readGlomeruli(open)).hasMessageContaining("invalid JSON")
                .hasMessageContaining("[line 1, column 2]").hasMessageNotContaining("REDACTED");
        Path u16 = bytes("g16.json", "\uFEFF[]".getBytes(StandardCharsets.UTF_16BE));
        assertThatThrownBy(() -> KaggleFiles.readGlomeruli(u16)).hasMessageContaining("UTF-16 text");
    }

    @Test
    void jsonShapeErrorsNameTheJsonPathAndValue() throws IOException {
        String ok = "{\"geometry\":{\"type\":\"Polygon\",\"coordinates\":[[[0,0],[4,0],[4,4]]]}}";
        Path vertex = text("v.json", "[" + ok + ",{\"geometry\":{\"type\":\"MultiPolygon\",\"coordinates\":"
                + "[[[[0,0],[1,0],[1,1]]],[[[0,0],[1,\"2\"],[1,1]]]]}}]");
        assertThatThrownBy(() -> KaggleFiles.readGlomeruli(vertex)).hasMessage(vertex
                + ": $[1].geometry.coordinates[1][0][1] must be a vertex [x, y] of numbers, got [1,\"2\"]");
        Path type = text("t.json", "[" + ok + "," + ok + ",{\"geometry\":{\"type\":7}}]");
        assertThatThrownBy(() -> KaggleFiles.readGlomeruli(type))
                .hasMessage(type + ": $[2].geometry.type must be Polygon or MultiPolygon, got 7");
        Path name = text("n.json", "[{\"properties\":{\"classification\":{\"name\":[1]}}," + ok.substring(1) + "]");
        assertThatThrownBy(() -> KaggleFiles.readAnatomicalStructures(name))
                .hasMessage(name + ": $[0].properties.classification.name must be a non-empty string, got [1]");
        Path root = text("r.json", "{\"type\":\"FeatureCollection\",\"features\":3}");
        assertThatThrownBy(() -> KaggleFiles.readGlomeruli(root)).hasMessageContaining("$ must be a JSON list");
    }

    /** Found by the fuzz stage (ParserFuzz.csvReaders, seed quoted-newline.csv): a two-line message. */
    @Test
    void valuesWithLineBreaksAreEscapedInMessages() throws IOException {
        Path p = text("q.csv", "id,encoding\n\"ing\n\"");
        assertThatThrownBy(() -> KaggleFiles.readTrain(p))
                .hasMessage(p + " line 2: expected 2 fields, got 1: ing\\n");
        Path d = text("d.csv", "id,encoding\n\"a\nb\",1 2\n\"a\nb\",3 4\n");
        assertThatThrownBy(() -> KaggleFiles.readTrain(d)).hasMessage(d + " line 4: duplicate id 'a\\nb'");
    }
}
