package io.github.hubmapseg.core.kaggle;

import io.github.hubmapseg.core.geom.MaskPolygon;
import io.github.hubmapseg.core.io.AtomicFiles;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.Writer;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * Readers and writers of the competition's files (HuBMAP - Hacking the Kidney layout):
 * {@code train.csv} ({@code id,encoding}), submissions ({@code id,predicted}),
 * {@code HuBMAP-20-dataset_information.csv}, glomerulus polygon JSON ({@code train/<id>.json}) and
 * anatomical-structure JSON ({@code <id>-anatomical-structure.json}).
 *
 * <p>Readers report malformed input as {@link KaggleFormatException} naming the file, line and value.
 * Writers write a temporary file in the target's directory and move it into place.
 * Polygon coordinates are full-resolution pixels {@code [x, y]} (x = column).
 */
public final class KaggleFiles {

    /** File name of the dataset information CSV. */
    public static final String DATASET_INFO = "HuBMAP-20-dataset_information.csv";

    private static final ObjectMapper JSON = new ObjectMapper();

    /** Largest polygon JSON file read (the competition's largest is a few MB). */
    static final long MAX_JSON_BYTES = 1L << 30;

    private KaggleFiles() {
    }

    // ------------------------------------------------------------------ RLE CSVs

    /** Reads {@code train.csv} (or {@code test_truth.csv}): columns {@code id,encoding}. */
    public static List<TrainRow> readTrain(Path file) throws IOException {
        return readRleCsv(file, "encoding");
    }

    /** Reads a submission: columns {@code id,predicted}. */
    public static List<TrainRow> readSubmission(Path file) throws IOException {
        return readRleCsv(file, "predicted");
    }

    /** Whitespace and digits only (a regex here overflowed the stack on long encodings). */
    private static boolean isRleText(String s) {
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (!(c >= '0' && c <= '9') && !Character.isWhitespace(c)) {
                return false;
            }
        }
        return true;
    }

    private static int countIntegers(String s) {
        int n = 0;
        boolean in = false;
        for (int i = 0; i < s.length(); i++) {
            boolean d = !Character.isWhitespace(s.charAt(i));
            if (d && !in) {
                n++;
            }
            in = d;
        }
        return n;
    }

    private static List<TrainRow> readRleCsv(Path file, String valueColumn) throws IOException {
        try (Csv csv = Csv.open(file)) {
            Csv.Row header = csv.next();
            int[] col = Csv.columns(header, file, "id", valueColumn);
            int n = header.fields().size();
            List<TrainRow> rows = new ArrayList<>();
            Set<String> seen = new HashSet<>();
            for (Csv.Row row = csv.next(); row != null; row = csv.next()) {
                if (row.fields().size() != n) {
                    throw new KaggleFormatException(file, row.line(), "expected " + n + " fields, got "
                            + row.fields().size() + ": " + abbreviate(String.join(",", row.fields())));
                }
                String id = row.fields().get(col[0]).strip();
                String enc = row.fields().get(col[1]);
                if (id.isEmpty()) {
                    throw new KaggleFormatException(file, row.line(), "empty id");
                }
                if (!isRleText(enc)) {
                    throw new KaggleFormatException(file, row.line(), valueColumn
                            + " must be space-separated integers 'start length ...', got '" + abbreviate(enc) + "'");
                }
                String e = enc.strip();
                if (countIntegers(e) % 2 != 0) {
                    throw new KaggleFormatException(file, row.line(), valueColumn
                            + " must have an even number of integers (start length pairs), got '" + abbreviate(e)
                            + "'");
                }
                if (!seen.add(id)) {
                    throw new KaggleFormatException(file, row.line(), "duplicate id '" + abbreviate(id) + "'");
                }
                rows.add(new TrainRow(id, e));
            }
            return rows;
        }
    }

    /**
     * Reads named columns of a CSV with a header row (e.g. a list of slide files, {@code path} and optional
     * {@code id}): per data row the values of {@code required} then of {@code optional} in that order ({@code null}
     * where an optional column is absent from the header). Columns not named are ignored.
     *
     * @throws KaggleFormatException naming the file and line of a missing required column or a short row
     */
    public static List<List<String>> readColumns(Path file, List<String> required, List<String> optional)
            throws IOException {
        try (Csv csv = Csv.open(file)) {
            Csv.Row header = csv.next();
            int[] req = Csv.columns(header, file, required.toArray(String[]::new));
            int n = header.fields().size();
            List<List<String>> rows = new ArrayList<>();
            for (Csv.Row row = csv.next(); row != null; row = csv.next()) {
                if (row.fields().size() != n) {
                    throw new KaggleFormatException(file, row.line(), "expected " + n + " fields, got "
                            + row.fields().size() + ": " + abbreviate(String.join(",", row.fields())));
                }
                List<String> values = new ArrayList<>();
                for (int i : req) {
                    values.add(row.fields().get(i).strip());
                }
                for (String o : optional) {
                    int i = header.fields().indexOf(o);
                    values.add(i < 0 ? null : row.fields().get(i).strip());
                }
                rows.add(values);
            }
            return rows;
        }
    }

    /** Writes {@code train.csv}-style rows ({@code id,encoding}) atomically. */
    public static void writeTrain(Path file, List<TrainRow> rows) throws IOException {
        SubmissionWriter.write(file, SubmissionWriter.ENCODING, w -> {
            for (TrainRow r : rows) {
                w.add(r.id(), r.encoding());
            }
        });
    }

    /** Writes a submission ({@code id,predicted}) atomically. */
    public static void writeSubmission(Path file, List<TrainRow> rows) throws IOException {
        SubmissionWriter.write(file, SubmissionWriter.PREDICTED, w -> {
            for (TrainRow r : rows) {
                w.add(r.id(), r.encoding());
            }
        });
    }

    // ------------------------------------------------------------------ dataset information

    /** Reads the dataset information CSV; required columns: image_file, width_pixels, height_pixels, patient_number. */
    public static List<DatasetInfo> readDatasetInfo(Path file) throws IOException {
        try (Csv csv = Csv.open(file)) {
            Csv.Row header = csv.next();
            Csv.columns(header, file, "image_file", "width_pixels", "height_pixels", "patient_number");
            int[] idx = new int[DatasetInfo.COLUMNS.length];
            for (int i = 0; i < idx.length; i++) {
                idx[i] = header.fields().indexOf(DatasetInfo.COLUMNS[i]);
            }
            int n = header.fields().size();
            List<DatasetInfo> out = new ArrayList<>();
            for (Csv.Row row = csv.next(); row != null; row = csv.next()) {
                if (row.fields().size() != n) {
                    throw new KaggleFormatException(file, row.line(), "expected " + n + " fields, got "
                            + row.fields().size() + ": " + abbreviate(String.join(",", row.fields())));
                }
                String[] v = new String[idx.length];
                for (int i = 0; i < idx.length; i++) {
                    v[i] = idx[i] < 0 ? "" : row.fields().get(idx[i]).strip();
                }
                if (v[0].isEmpty()) {
                    throw new KaggleFormatException(file, row.line(), "empty image_file");
                }
                out.add(new DatasetInfo(v[0], size(v[1], "width_pixels", file, row), size(v[2], "height_pixels",
                        file, row), v[3], v[4], integer(v[5], "patient_number", file, row), v[6], v[7], v[8],
                        number(v[9], "age", file, row), number(v[10], "weight_kilograms", file, row),
                        number(v[11], "height_centimeters", file, row), number(v[12], "bmi_kg/m^2", file, row), v[13],
                        number(v[14], "percent_cortex", file, row), number(v[15], "percent_medulla", file, row)));
            }
            return out;
        }
    }

    /** Writes the dataset information CSV atomically, in the competition's column order. */
    public static void writeDatasetInfo(Path file, List<DatasetInfo> rows) throws IOException {
        writeAtomically(file, w -> {
            Csv.write(w, DatasetInfo.COLUMNS);
            for (DatasetInfo d : rows) {
                Csv.write(w, d.imageFile(), Long.toString(d.widthPixels()), Long.toString(d.heightPixels()),
                        d.anatomicalStructuresFile(), d.glomerulusFile(), Long.toString(d.patientNumber()), d.race(),
                        d.ethnicity(), d.sex(), num(d.age()), num(d.weightKilograms()), num(d.heightCentimeters()),
                        num(d.bmi()), d.laterality(), num(d.percentCortex()), num(d.percentMedulla()));
            }
        });
    }

    private static long integer(String s, String name, Path file, Csv.Row row) throws KaggleFormatException {
        try {
            double d = Double.parseDouble(s); // pandas may write 25794.0
            if (d != Math.rint(d) || Double.isInfinite(d)) {
                throw new NumberFormatException();
            }
            return (long) d;
        } catch (NumberFormatException e) {
            throw new KaggleFormatException(file, row.line(), name + " must be an integer, got '" + abbreviate(s) + "'");
        }
    }

    private static long size(String s, String name, Path file, Csv.Row row) throws KaggleFormatException {
        long v = integer(s, name, file, row);
        if (v < 1 || v > Integer.MAX_VALUE) {
            throw new KaggleFormatException(file, row.line(), name + " must be between 1 and 2147483647, got '"
                    + abbreviate(s) + "'");
        }
        return v;
    }

    private static double number(String s, String name, Path file, Csv.Row row) throws KaggleFormatException {
        if (s.isEmpty()) {
            return Double.NaN;
        }
        try {
            return Double.parseDouble(s);
        } catch (NumberFormatException e) {
            throw new KaggleFormatException(file, row.line(), name + " must be a number, got '" + abbreviate(s) + "'");
        }
    }

    private static String num(double d) {
        if (Double.isNaN(d)) {
            return "";
        }
        if (d == Math.rint(d) && Math.abs(d) < 1e15) {
            return Long.toString((long) d);
        }
        return Double.toString(d);
    }

    // ------------------------------------------------------------------ JSON polygons

    /** Reads a glomerulus JSON file: the outer ring of every Polygon/MultiPolygon feature. */
    public static List<Polygon> readGlomeruli(Path file) throws IOException {
        List<Polygon> out = new ArrayList<>();
        List<JsonNode> fs = features(file);
        for (int i = 0; i < fs.size(); i++) {
            out.addAll(polygons(fs.get(i), file, "$[" + i + "]"));
        }
        return out;
    }

    /**
     * Reads every Polygon/MultiPolygon of a GeoJSON file (a FeatureCollection or a list of Features, such as the
     * competition's glomerulus JSON, QuPath's export or {@link io.github.hubmapseg.core.geom.GeoJsonWriter}'s
     * output) as objects with their holes; each polygon of a MultiPolygon is one object. The area is
     * {@code properties.measurements["Area px"]} when present, else the shell's area minus its holes' rounded;
     * the mean value is the measurement named {@code valueName}, else NaN.
     */
    public static List<MaskPolygon> readObjects(Path file, String valueName) throws IOException {
        List<MaskPolygon> out = new ArrayList<>();
        List<JsonNode> fs = features(file);
        for (int fi = 0; fi < fs.size(); fi++) {
            JsonNode f = fs.get(fi);
            String fpath = "$[" + fi + "].geometry";
            JsonNode g = f.path("geometry");
            String type = g.path("type").asText("");
            List<JsonNode> polys = new ArrayList<>();
            List<String> paths = new ArrayList<>();
            if (type.equals("Polygon")) {
                polys.add(g.path("coordinates"));
                paths.add(fpath + ".coordinates");
            } else if (type.equals("MultiPolygon")) {
                g.path("coordinates").forEach(polys::add);
                for (int k = 0; k < polys.size(); k++) {
                    paths.add(fpath + ".coordinates[" + k + "]");
                }
            } else {
                throw new KaggleFormatException(file, 0, fpath + ".type must be Polygon or MultiPolygon, got '"
                        + abbreviate(type) + "'");
            }
            JsonNode m = f.path("properties").path("measurements");
            for (int k = 0; k < polys.size(); k++) {
                JsonNode rings = polys.get(k);
                if (!rings.isArray() || rings.isEmpty()) {
                    throw new KaggleFormatException(file, 0, paths.get(k) + " must be a list of rings, got "
                            + abbreviate(rings.toString()));
                }
                Polygon shell = ring(rings.get(0), file, paths.get(k) + "[0]");
                List<Polygon> holes = new ArrayList<>();
                double area = shell.area();
                for (int i = 1; i < rings.size(); i++) {
                    Polygon h = ring(rings.get(i), file, paths.get(k) + "[" + i + "]");
                    holes.add(h);
                    area -= h.area();
                }
                JsonNode a = m.path(io.github.hubmapseg.core.geom.GeoJsonWriter.AREA);
                JsonNode v = m.path(valueName);
                out.add(new MaskPolygon(shell, holes, a.isNumber() ? a.asLong() : Math.max(0, Math.round(area)),
                        v.isNumber() ? v.asDouble() : Double.NaN));
            }
        }
        return out;
    }

    /** Reads an anatomical-structure JSON file: one entry per feature, named by properties.classification.name. */
    public static List<AnatomicalStructure> readAnatomicalStructures(Path file) throws IOException {
        List<AnatomicalStructure> out = new ArrayList<>();
        List<JsonNode> fs = features(file);
        for (int i = 0; i < fs.size(); i++) {
            JsonNode f = fs.get(i);
            JsonNode nameNode = f.path("properties").path("classification").path("name");
            String name = nameNode.isTextual() ? nameNode.asText() : "";
            if (name.isEmpty()) {
                throw new KaggleFormatException(file, 0, "$[" + i + "].properties.classification.name must be a"
                        + " non-empty string, got " + abbreviate(nameNode.isMissingNode() ? "nothing" : nameNode.toString()));
            }
            out.add(new AnatomicalStructure(name, polygons(f, file, "$[" + i + "]")));
        }
        return out;
    }

    /** Writes a glomerulus JSON file (list of Features, classification "glomerulus", integer pixel vertices). */
    public static void writeGlomeruli(Path file, List<Polygon> polygons) throws IOException {
        ArrayNode root = JSON.createArrayNode();
        for (Polygon p : polygons) {
            root.add(feature(p, "glomerulus", -3140401));
        }
        writeJson(file, root);
    }

    /**
     * Writes a glomerulus JSON file with a classification name per polygon (e.g. {@code glomerulus} and
     * {@code Sclerotic glomerulus}: 2-class labels).
     */
    public static void writeGlomeruli(Path file, List<Polygon> polygons, List<String> names) throws IOException {
        if (names.size() != polygons.size()) {
            throw new IllegalArgumentException("one name per polygon expected, got " + names.size() + " names for "
                    + polygons.size() + " polygons");
        }
        ArrayNode root = JSON.createArrayNode();
        for (int i = 0; i < polygons.size(); i++) {
            root.add(feature(polygons.get(i), names.get(i), names.get(i).equals("glomerulus") ? -3140401 : -6710887));
        }
        writeJson(file, root);
    }

    /** Writes an anatomical-structure JSON file (one Feature per polygon, named by its structure). */
    public static void writeAnatomicalStructures(Path file, List<AnatomicalStructure> structures) throws IOException {
        ArrayNode root = JSON.createArrayNode();
        for (AnatomicalStructure s : structures) {
            int color = s.name().equalsIgnoreCase("Cortex") ? -16711936 : -8388480;
            for (Polygon p : s.polygons()) {
                root.add(feature(p, s.name(), color));
            }
        }
        writeJson(file, root);
    }

    private static ObjectNode feature(Polygon p, String name, int color) {
        ObjectNode f = JSON.createObjectNode();
        f.put("type", "Feature");
        f.put("id", "PathAnnotationObject");
        ObjectNode g = f.putObject("geometry");
        g.put("type", "Polygon");
        ArrayNode ring = g.putArray("coordinates").addArray();
        for (int i = 0; i <= p.size(); i++) {
            int k = i % p.size(); // GeoJSON rings repeat the first vertex
            ring.addArray().add(Math.round(p.xs()[k])).add(Math.round(p.ys()[k]));
        }
        ObjectNode props = f.putObject("properties");
        ObjectNode cls = props.putObject("classification");
        cls.put("name", name);
        cls.put("colorRGB", color);
        props.put("isLocked", false);
        props.putArray("measurements");
        return f;
    }

    private static List<JsonNode> features(Path file) throws IOException {
        JsonNode root;
        try {
            root = JSON.readTree(io.github.hubmapseg.core.io.TextFiles.readString(file, MAX_JSON_BYTES));
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            var loc = e.getLocation();
            String msg = String.valueOf(e.getOriginalMessage()).replaceAll("\\s*\\R\\s*", " ")
                    .replaceAll("\\[Source: .*?; line: (\\d+), column: (\\d+)]", "[line $1, column $2]");
            throw new KaggleFormatException(file, loc == null ? 0 : loc.getLineNr(), (loc == null ? ""
                    : "column " + loc.getColumnNr() + ": ") + "invalid JSON: " + abbreviate(msg, 200));
        }
        if (root == null) {
            throw new KaggleFormatException(file, 0, "empty file, expected a JSON list of features");
        }
        JsonNode list = root.isArray() ? root : root.path("features");
        if (!list.isArray()) {
            throw new KaggleFormatException(file, 0, "$ must be a JSON list of features or a FeatureCollection"
                    + " with a features list, got " + root.getNodeType());
        }
        List<JsonNode> out = new ArrayList<>();
        list.forEach(out::add);
        return out;
    }

    private static List<Polygon> polygons(JsonNode feature, Path file, String path) throws KaggleFormatException {
        JsonNode g = feature.path("geometry");
        JsonNode typeNode = g.path("type");
        String type = typeNode.isTextual() ? typeNode.asText() : "";
        JsonNode coords = g.path("coordinates");
        List<Polygon> out = new ArrayList<>();
        if (type.equals("Polygon")) {
            out.add(ring(coords.path(0), file, path + ".geometry.coordinates[0]"));
        } else if (type.equals("MultiPolygon")) {
            if (!coords.isArray()) {
                throw new KaggleFormatException(file, 0, path + ".geometry.coordinates must be a list of polygons,"
                        + " got " + abbreviate(coords.toString()));
            }
            for (int i = 0; i < coords.size(); i++) {
                out.add(ring(coords.get(i).path(0), file, path + ".geometry.coordinates[" + i + "][0]"));
            }
        } else {
            throw new KaggleFormatException(file, 0, path + ".geometry.type must be Polygon or MultiPolygon, got "
                    + (typeNode.isMissingNode() ? "nothing" : typeNode.isTextual() ? "'" + abbreviate(type) + "'"
                    : abbreviate(typeNode.toString())));
        }
        return out;
    }

    private static Polygon ring(JsonNode ring, Path file, String path) throws KaggleFormatException {
        if (!ring.isArray()) {
            throw new KaggleFormatException(file, 0, path + " must be a ring [[x, y], ...], got "
                    + (ring.isMissingNode() ? "nothing" : abbreviate(ring.toString())));
        }
        int n = ring.size();
        if (n > 1 && ring.get(0).equals(ring.get(n - 1))) {
            n--; // closing vertex
        }
        double[] xs = new double[n];
        double[] ys = new double[n];
        for (int i = 0; i < n; i++) {
            JsonNode p = ring.get(i);
            if (!p.isArray() || p.size() < 2 || !p.get(0).isNumber() || !p.get(1).isNumber()) {
                throw new KaggleFormatException(file, 0, path + "[" + i + "] must be a vertex [x, y] of numbers,"
                        + " got " + abbreviate(p.toString()));
            }
            xs[i] = p.get(0).asDouble();
            ys[i] = p.get(1).asDouble();
            if (!Double.isFinite(xs[i]) || !Double.isFinite(ys[i])) {
                throw new KaggleFormatException(file, 0, path + "[" + i + "] must be finite, got " + p);
            }
        }
        if (n < 3) {
            throw new KaggleFormatException(file, 0, path + ": a polygon needs at least 3 vertices, got " + n);
        }
        return new Polygon(xs, ys);
    }

    private static void writeJson(Path file, JsonNode root) throws IOException {
        writeAtomically(file, w -> w.write(JSON.writeValueAsString(root)));
    }

    /**
     * Writes a UTF-8 text file through a temporary file in the same directory, then moves it into place.
     * Same as {@link AtomicFiles#writeText}.
     */
    public static void writeAtomically(Path target, AtomicFiles.TextWriter content) throws IOException {
        AtomicFiles.writeText(target, content);
    }

    private static String abbreviate(String s) {
        return abbreviate(s, 60);
    }

    private static String abbreviate(String s, int max) {
        return Csv.show(s, max);
    }
}
