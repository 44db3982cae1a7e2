package io.github.hubmapseg.pipeline.report;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.github.hubmapseg.core.geom.ContourTracer;
import io.github.hubmapseg.core.geom.MaskPolygon;
import io.github.hubmapseg.core.io.AtomicFiles;
import io.github.hubmapseg.core.kaggle.KaggleFiles;
import io.github.hubmapseg.core.kaggle.TrainRow;
import io.github.hubmapseg.core.metrics.Dice;
import io.github.hubmapseg.core.rle.Rle;
import io.github.hubmapseg.core.rle.RleRuns;
import io.github.hubmapseg.core.slide.ImageSource;
import io.github.hubmapseg.pipeline.data.CompetitionDataset;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.URL;
import java.nio.file.FileSystem;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.function.Consumer;
import java.util.stream.Stream;
import net.imglib2.FinalInterval;
import net.imglib2.Interval;

/**
 * Writes the HTML report of a run folder ({@code hubmap reproduce}'s output, or any folder with a
 * {@code submission.csv}): {@code index.html} with the run's settings ({@code recipe.yaml}, {@code ensemble.json}),
 * timings and out-of-fold Dice ({@code run.json}, else {@code report.txt}), Dice per test slide (the submission
 * scored against the competition folder's truth), the loss, Dice and threshold curves, and per slide a zoomable
 * OpenSeadragon view: the slide as JPEG Deep Zoom tiles and three toggleable PNG overlays with transparency,
 * <em>both</em> (prediction and truth, green), <em>prediction only</em> (false positives, magenta) and
 * <em>truth only</em> (misses, orange), with an opacity slider, and a table of the predicted glomeruli (area,
 * mean probability when {@code geojson/<id>.geojson} from the same prediction pass exists; a click zooms to
 * one). Tile sources are given inline, so the page works from {@code file://} and from a local server.
 *
 * <p>OpenSeadragon (2.4.2, BSD-3-Clause) is copied from its WebJar on the class path into {@code osd/}, with its
 * licence. Slides are streamed in rows of one tile ({@link DeepZoomWriter}): never loaded whole.
 */
public final class RunReport {

    private static final String OSD = "META-INF/resources/webjars/openseadragon/2.4.2/";
    private static final ObjectMapper JSON = new ObjectMapper();

    /** Overlay layers: name, label, colour. */
    private static final String[][] LAYERS = {
        {"both", "prediction and truth", "00B000"},
        {"pred", "prediction only (false positive)", "FF00FF"},
        {"truth", "truth only (missed)", "FF9900"},
    };

    private final Path runDir;
    private final Path data;
    private final Path out;
    private final int tileSize;
    private final Consumer<String> log;

    private RunReport(Builder b) {
        this.runDir = b.runDir;
        this.data = b.data;
        this.out = b.out != null ? b.out : b.runDir.resolve("report");
        this.tileSize = b.tileSize;
        this.log = b.log;
    }

    /** A builder for the report of {@code runDir}. */
    public static Builder builder(Path runDir) {
        return new Builder(runDir);
    }

    /**
     * Writes the report.
     *
     * @return the {@code index.html}
     * @throws IOException if the run folder lacks what a report needs (named in the message) or a file fails
     */
    public Path write() throws IOException {
        Path submission = runDir.resolve("submission.csv");
        if (!Files.isRegularFile(submission)) {
            throw new NoSuchFileException(submission.toString(), null,
                    "not a run folder: no submission.csv (run 'hubmap reproduce' or 'hubmap predict --out RUN/submission.csv')");
        }
        JsonNode run = readJson(runDir.resolve("run.json"));
        Path dataDir = data != null ? data
                : run.hasNonNull("data") ? Path.of(run.get("data").asText()) : runDir.resolve("data");
        if (!Files.isDirectory(dataDir)) {
            throw new NoSuchFileException(dataDir.toString(), null, "competition folder not found; give --data DIR");
        }
        Files.createDirectories(out.resolve("slides"));
        copyViewer();
        List<String> curves = copyCurves();
        ObjectNode report = JSON.createObjectNode();
        ArrayNode slides = report.putArray("slides");
        List<SlideResult> results = new ArrayList<>();
        try (CompetitionDataset ds = CompetitionDataset.open(dataDir)) {
            for (TrainRow row : KaggleFiles.readSubmission(submission)) {
                log.accept("report: tiles of " + row.id());
                SlideResult r = slide(ds, row, slides);
                results.add(r);
            }
        }
        Path index = out.resolve("index.html");
        AtomicFiles.writeString(index, html(run, curves, results, report));
        return index;
    }

    private record SlideResult(String id, long width, long height, double dice, List<MaskPolygon> objects) {
    }

    private SlideResult slide(CompetitionDataset ds, TrainRow row, ArrayNode slides) throws IOException {
        String id = row.id();
        ImageSource img = ds.slide(id);
        long w = img.width();
        long h = img.height();
        if (w > Integer.MAX_VALUE || h > Integer.MAX_VALUE) {
            throw new IllegalArgumentException("slide " + id + " of " + w + " x " + h + " is too large for RLE masks");
        }
        int iw = (int) w;
        RleRuns pred = Rle.parse(row.encoding(), (int) h, iw);
        RleRuns truth = ds.hasMask(id) ? ds.mask(id) : null;
        Path geo = runDir.resolve("geojson").resolve(id + ".geojson");
        boolean haveGeo = Files.isRegularFile(geo);
        ContourTracer tracer = haveGeo ? null : ContourTracer.of(w, h);
        List<MaskPolygon> objects = haveGeo ? KaggleFiles.readObjects(geo, "Mean probability") : new ArrayList<>();

        Path dir = out.resolve("slides");
        DeepZoomWriter slideW = DeepZoomWriter.open(dir.resolve(id + "_files"), w, h, tileSize,
                DeepZoomWriter.Format.JPEG);
        DeepZoomWriter[] layers = new DeepZoomWriter[truth == null ? 1 : 3];
        int[] colours = new int[layers.length];
        for (int k = 0; k < layers.length; k++) {
            layers[k] = DeepZoomWriter.open(dir.resolve(id + "-" + LAYERS[k][0] + "_files"), w, h, tileSize,
                    DeepZoomWriter.Format.PNG);
            colours[k] = Integer.parseInt(LAYERS[k][2], 16);
        }
        int c = img.channels();
        int[] rgb = new int[iw];
        int[][] lay = new int[layers.length][iw];
        for (long y0 = 0; y0 < h; y0 += tileSize) {
            int rows = (int) Math.min(tileSize, h - y0);
            Interval region = FinalInterval.createMinSize(0, y0, w, rows);
            byte[] px = img.read(region).update(null).getCurrentStorageArray();
            byte[] p = Rle.decodeWindow(pred, 0, (int) y0, iw, rows);
            byte[] t = truth == null ? null : Rle.decodeWindow(truth, 0, (int) y0, iw, rows);
            long plane = (long) iw * rows;
            for (int r = 0; r < rows; r++) {
                int base = r * iw;
                for (int x = 0; x < iw; x++) {
                    int i = base + x;
                    int red = px[i] & 0xFF;
                    int green = c >= 3 ? px[(int) (i + plane)] & 0xFF : red;
                    int blue = c >= 3 ? px[(int) (i + 2 * plane)] & 0xFF : red;
                    rgb[x] = 0xFF000000 | red << 16 | green << 8 | blue;
                    boolean pp = p[i] != 0;
                    if (t == null) {
                        lay[0][x] = colours[0] | (pp ? 0xFF000000 : 0);
                    } else {
                        boolean tt = t[i] != 0;
                        lay[0][x] = colours[0] | (pp && tt ? 0xFF000000 : 0);
                        lay[1][x] = colours[1] | (pp && !tt ? 0xFF000000 : 0);
                        lay[2][x] = colours[2] | (!pp && tt ? 0xFF000000 : 0);
                    }
                }
                slideW.addRow(rgb, 0);
                for (int k = 0; k < layers.length; k++) {
                    layers[k].addRow(lay[k], 0);
                }
                if (tracer != null) {
                    tracer.addRow(p, base, null, 0);
                    for (MaskPolygon o; (o = tracer.poll()) != null; ) {
                        objects.add(o);
                    }
                }
            }
        }
        if (tracer != null) {
            tracer.finish();
            for (MaskPolygon o; (o = tracer.poll()) != null; ) {
                objects.add(o);
            }
        }
        slideW.finish();
        ObjectNode s = slides.addObject();
        s.put("id", id);
        s.put("width", w);
        s.put("height", h);
        s.put("tileSize", tileSize);
        s.put("maxLevel", slideW.maxLevel());
        s.put("slide", "slides/" + id + "_files/");
        ArrayNode ls = s.putArray("layers");
        for (int k = 0; k < layers.length; k++) {
            layers[k].finish();
            ObjectNode l = ls.addObject();
            String name = truth == null ? "pred" : LAYERS[k][0];
            l.put("name", name);
            l.put("url", "slides/" + id + "-" + LAYERS[k][0] + "_files/");
            ArrayNode tiles = l.putArray("tiles");
            layers[k].writtenTiles().forEach(tiles::add);
        }
        ArrayNode objs = s.putArray("objects");
        for (MaskPolygon o : objects) {
            Interval b = o.bounds();
            ObjectNode on = objs.addObject();
            on.put("x", b.min(0));
            on.put("y", b.min(1));
            on.put("w", b.dimension(0));
            on.put("h", b.dimension(1));
            on.put("area", o.area());
            if (!Double.isNaN(o.meanValue())) {
                on.put("p", o.meanValue());
            }
        }
        double dice = truth == null ? Double.NaN : Dice.dice(pred, truth);
        return new SlideResult(id, w, h, dice, objects);
    }

    private String html(JsonNode run, List<String> curves, List<SlideResult> results, ObjectNode report)
            throws IOException {
        StringBuilder b = new StringBuilder();
        b.append("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>hubmap-seg report</title>\n")
                .append("<link rel=\"stylesheet\" href=\"report.css\"></head><body>\n");
        b.append("<div class=\"hide-in-test\">\n<h1>hubmap-seg run report</h1>\n<p>Run folder: <code>")
                .append(esc(runDir.toAbsolutePath().normalize().toString())).append("</code></p>\n");
        b.append("<h2>Dice per slide</h2>\n<table><tr><th>slide</th><th>size</th><th>Dice</th><th>predicted objects</th></tr>\n");
        double sum = 0;
        int n = 0;
        for (SlideResult r : results) {
            b.append("<tr><td><a href=\"#slide-").append(results.indexOf(r)).append("\">").append(esc(r.id()))
                    .append("</a></td><td>").append(r.width()).append(" x ").append(r.height()).append("</td><td>")
                    .append(Double.isNaN(r.dice()) ? "(no truth)" : String.format(Locale.ROOT, "%.4f", r.dice()))
                    .append("</td><td>").append(r.objects().size()).append("</td></tr>\n");
            if (!Double.isNaN(r.dice())) {
                sum += r.dice();
                n++;
            }
        }
        if (n > 0) {
            b.append(String.format(Locale.ROOT, "<tr><th>mean</th><td></td><th>%.4f</th><td></td></tr>%n", sum / n));
        }
        b.append("</table>\n");
        if (run.has("oof_dice") && run.get("oof_dice").isNumber()) {
            b.append(String.format(Locale.ROOT, "<p>Out-of-fold Dice %.4f at threshold %.2f.</p>%n",
                    run.get("oof_dice").asDouble(), run.path("threshold").asDouble()));
        }
        b.append("<h2>Timings</h2>\n");
        if (run.has("seconds")) {
            b.append("<table><tr><th>stage</th><th>seconds</th></tr>\n");
            for (Map.Entry<String, JsonNode> e : (Iterable<Map.Entry<String, JsonNode>>) run.get("seconds")::fields) {
                b.append("<tr><td>").append(esc(e.getKey())).append("</td><td>")
                        .append(String.format(Locale.ROOT, "%.1f", e.getValue().asDouble())).append("</td></tr>\n");
            }
            b.append("</table>\n");
        }
        Path txt = runDir.resolve("report.txt");
        if (Files.isRegularFile(txt)) {
            b.append("<pre>").append(esc(Files.readString(txt))).append("</pre>\n");
        }
        if (!curves.isEmpty()) {
            b.append("<h2>Curves</h2>\n<div class=\"curves\">");
            for (String c : curves) {
                b.append("<img src=\"").append(esc(c)).append("\" alt=\"").append(esc(c)).append("\">");
            }
            b.append("</div>\n");
        }
        b.append("<h2>Settings</h2>\n");
        for (String f : new String[] {"recipe.yaml", "ensemble.json"}) {
            Path p = runDir.resolve(f);
            if (Files.isRegularFile(p)) {
                b.append("<h3>").append(f).append("</h3><pre>").append(esc(Files.readString(p))).append("</pre>\n");
            }
        }
        b.append("</div>\n");
        for (int i = 0; i < results.size(); i++) {
            SlideResult r = results.get(i);
            JsonNode s = report.get("slides").get(i);
            b.append("<section id=\"slide-").append(i).append("\">\n<h2 class=\"hide-in-test\">Slide ")
                    .append(esc(r.id())).append("</h2>\n<div class=\"controls hide-in-test\">");
            for (JsonNode l : s.get("layers")) {
                String name = l.get("name").asText();
                String[] def = layer(name);
                b.append("<label><input type=\"checkbox\" class=\"layer\" data-layer=\"").append(name)
                        .append("\" checked> <span class=\"legend\"><span style=\"background:#").append(def[2])
                        .append("\"></span></span>").append(esc(def[1])).append("</label>");
            }
            b.append("<label>opacity <input type=\"range\" class=\"opacity\" min=\"0\" max=\"1\" step=\"0.05\" value=\"0.5\"></label>")
                    .append("</div>\n<div class=\"slide\"><div class=\"viewer\" id=\"viewer-").append(i)
                    .append("\"></div>\n<div class=\"side hide-in-test\"><table class=\"objects\"><tr><th>#</th><th>x</th><th>y</th>")
                    .append("<th>area px</th><th>mean p</th></tr>\n");
            JsonNode objs = s.get("objects");
            for (int k = 0; k < objs.size(); k++) {
                JsonNode o = objs.get(k);
                b.append("<tr class=\"obj\" data-index=\"").append(k).append("\"><td>").append(k + 1).append("</td><td>")
                        .append(o.get("x").asLong()).append("</td><td>").append(o.get("y").asLong()).append("</td><td>")
                        .append(o.get("area").asLong()).append("</td><td>")
                        .append(o.has("p") ? String.format(Locale.ROOT, "%.3f", o.get("p").asDouble()) : "")
                        .append("</td></tr>\n");
            }
            b.append("</table></div></div>\n</section>\n");
        }
        b.append("<p class=\"hide-in-test\">Viewer: <a href=\"osd/LICENSE.txt\">OpenSeadragon 2.4.2</a> (BSD-3-Clause).</p>\n");
        b.append("<script src=\"osd/openseadragon.min.js\"></script>\n<script>const REPORT = ")
                .append(JSON.writeValueAsString(report).replace("</", "<\\/")).append(";</script>\n")
                .append("<script src=\"report.js\"></script>\n</body></html>\n");
        return b.toString();
    }

    private static String[] layer(String name) {
        for (String[] l : LAYERS) {
            if (l[0].equals(name)) {
                return l;
            }
        }
        throw new IllegalArgumentException(name);
    }

    private static String esc(String s) {
        return s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("\"", "&quot;");
    }

    private static JsonNode readJson(Path p) throws IOException {
        return Files.isRegularFile(p) ? JSON.readTree(p.toFile()) : JSON.createObjectNode();
    }

    private List<String> copyCurves() throws IOException {
        List<String> names = new ArrayList<>();
        Files.createDirectories(out.resolve("img"));
        List<Path> found = new ArrayList<>();
        for (String stage : new String[] {"", "stage2/"}) {
            Path base = runDir.resolve(stage.isEmpty() ? "." : stage);
            if (!Files.isDirectory(base)) {
                continue;
            }
            List<Path> dirs = new ArrayList<>(List.of(base));
            try (Stream<Path> s = Files.list(base)) { // a recipe's members and variants keep their folds below
                s.filter(p -> p.getFileName().toString().matches("(member|variant)-.*") && Files.isDirectory(p))
                        .sorted().forEach(dirs::add);
            }
            for (Path d : dirs) {
                try (Stream<Path> s = Files.list(d)) {
                    s.filter(p -> p.getFileName().toString().startsWith("fold-")).sorted().forEach(f -> {
                        found.add(f.resolve("loss.png"));
                        found.add(f.resolve("dice.png"));
                    });
                }
            }
            found.add(base.resolve("threshold.png"));
        }
        for (Path p : found) {
            if (Files.isRegularFile(p)) {
                String name = runDir.relativize(p).normalize().toString().replace('/', '-').replace("\\", "-");
                Files.copy(p, out.resolve("img").resolve(name), StandardCopyOption.REPLACE_EXISTING);
                names.add("img/" + name);
            }
        }
        return names;
    }

    private void copyViewer() throws IOException {
        Path osd = out.resolve("osd");
        Files.createDirectories(osd.resolve("images"));
        ClassLoader cl = RunReport.class.getClassLoader();
        URL js = cl.getResource(OSD + "build/openseadragon/openseadragon.min.js");
        if (js == null) {
            throw new IllegalStateException("OpenSeadragon WebJar (org.webjars.npm:openseadragon:2.4.2) is not on the "
                    + "class path");
        }
        copy(cl, OSD + "build/openseadragon/openseadragon.min.js", osd.resolve("openseadragon.min.js"));
        copy(cl, OSD + "LICENSE.txt", osd.resolve("LICENSE.txt"));
        String u = js.toString();
        URI jar = URI.create(u.substring(0, u.indexOf("!/")));
        try (FileSystem fs = FileSystems.newFileSystem(jar, Map.of());
             Stream<Path> s = Files.list(fs.getPath(OSD + "build/openseadragon/images"))) {
            for (Path p : (Iterable<Path>) s::iterator) {
                Files.copy(p, osd.resolve("images").resolve(p.getFileName().toString()),
                        StandardCopyOption.REPLACE_EXISTING);
            }
        }
        copy(cl, "io/github/hubmapseg/pipeline/report/report.js", out.resolve("report.js"));
        copy(cl, "io/github/hubmapseg/pipeline/report/report.css", out.resolve("report.css"));
        java.awt.image.BufferedImage blank = new java.awt.image.BufferedImage(1, 1,
                java.awt.image.BufferedImage.TYPE_INT_ARGB);
        io.github.hubmapseg.core.io.ImageFiles.writePng(out.resolve("blank.png"), blank);
    }

    private static void copy(ClassLoader cl, String resource, Path target) throws IOException {
        try (InputStream in = cl.getResourceAsStream(resource)) {
            if (in == null) {
                throw new IllegalStateException("missing resource " + resource);
            }
            byte[] bytes = in.readAllBytes();
            AtomicFiles.write(target, o -> o.write(bytes));
        }
    }

    /** Settings of a {@link RunReport}. */
    public static final class Builder {
        private final Path runDir;
        private Path data;
        private Path out;
        private int tileSize = 256;
        private Consumer<String> log = s -> { };

        private Builder(Path runDir) {
            this.runDir = Objects.requireNonNull(runDir, "runDir");
        }

        /** The competition folder (default: {@code run.json}'s {@code data}, else {@code RUN/data}). */
        public Builder data(Path data) {
            this.data = data;
            return this;
        }

        /** Output folder (default {@code RUN/report}). */
        public Builder out(Path out) {
            this.out = out;
            return this;
        }

        /** Deep Zoom tile side, 16 .. 4096 (default 256). */
        public Builder tileSize(int tileSize) {
            if (tileSize < 16 || tileSize > 4096) {
                throw new IllegalArgumentException("tileSize must be 16 .. 4096, got " + tileSize);
            }
            this.tileSize = tileSize;
            return this;
        }

        /** Progress lines. */
        public Builder log(Consumer<String> log) {
            this.log = Objects.requireNonNull(log, "log");
            return this;
        }

        /** The report writer. */
        public RunReport build() {
            return new RunReport(this);
        }
    }
}
