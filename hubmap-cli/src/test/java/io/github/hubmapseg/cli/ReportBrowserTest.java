package io.github.hubmapseg.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.github.hubmapseg.core.geom.ContourTracer;
import io.github.hubmapseg.core.geom.MaskPolygon;
import io.github.hubmapseg.core.kaggle.KaggleFiles;
import io.github.hubmapseg.core.kaggle.TrainRow;
import io.github.hubmapseg.core.rle.Rle;
import io.github.hubmapseg.core.synth.SyntheticDataset;
import io.github.hubmapseg.pipeline.data.CompetitionDataset;
import java.awt.image.BufferedImage;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import javax.imageio.ImageIO;
import net.imglib2.Interval;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/**
 * The report of a tiny run opened in headless Chromium (Debian package {@code chromium}), driven over the
 * DevTools protocol: a click on a row of the glomerulus table zooms to it, the overlay checkboxes switch the
 * overlays off, and screenshots show overlay pixels (the layer colour blended over the slide at the slider's
 * opacity) exactly where the masks are, none where they are not, and the slide's texture under them.
 */
class ReportBrowserTest {
    static final int N = 768;
    static final double OPACITY = 0.5;
    @TempDir
    static Path dir;
    static Path data;
    static Path run;
    static String id;
    static byte[] pred;
    static byte[] truth;

    @BeforeAll
    static void tinyRun() throws Exception {
        data = dir.resolve("data");
        SyntheticDataset.builder(data).slides(3).size(N, N).patients(2).seed(21).threads(1).build()
                .write(new SyntheticDataset.Listener() {
                });
        run = Files.createDirectories(dir.resolve("run"));
        try (CompetitionDataset ds = CompetitionDataset.open(data)) {
            id = ds.testIds().get(0);
            truth = Rle.decodeWindow(ds.mask(id), 0, 0, N, N);
        }
        // the "prediction": the truth without its smallest glomerulus (a miss) plus a disk where there is none
        pred = truth.clone();
        List<MaskPolygon> objects = trace(truth);
        assertThat(objects.size()).isGreaterThanOrEqualTo(2);
        MaskPolygon smallest = objects.stream().min((a, b) -> Long.compare(a.area(), b.area())).orElseThrow();
        Interval sb = smallest.bounds();
        for (long y = sb.min(1); y <= sb.max(1); y++) {
            for (long x = sb.min(0); x <= sb.max(0); x++) {
                pred[(int) (y * N + x)] = 0;
            }
        }
        int[] c = emptySpot(truth, 45);
        for (int y = c[1] - 40; y <= c[1] + 40; y++) {
            for (int x = c[0] - 40; x <= c[0] + 40; x++) {
                if ((x - c[0]) * (x - c[0]) + (y - c[1]) * (y - c[1]) <= 40 * 40) {
                    pred[y * N + x] = 1;
                }
            }
        }
        KaggleFiles.writeSubmission(run.resolve("submission.csv"), List.of(new TrainRow(id, Rle.encode(pred, N, N))));
    }

    static List<MaskPolygon> trace(byte[] m) {
        ContourTracer t = ContourTracer.of(N, N);
        List<MaskPolygon> out = new ArrayList<>();
        for (int y = 0; y < N; y++) {
            t.addRow(m, y * N, null, 0);
        }
        t.finish();
        for (MaskPolygon p; (p = t.poll()) != null; ) {
            out.add(p);
        }
        return out;
    }

    static int[] emptySpot(byte[] m, int r) {
        for (int cy = r + 10; cy < N - r - 10; cy += 16) {
            for (int cx = r + 10; cx < N - r - 10; cx += 16) {
                boolean empty = true;
                for (int y = cy - r; y <= cy + r && empty; y++) {
                    for (int x = cx - r; x <= cx + r; x++) {
                        if (m[y * N + x] != 0) {
                            empty = false;
                            break;
                        }
                    }
                }
                if (empty) {
                    return new int[] {cx, cy};
                }
            }
        }
        throw new AssertionError("no empty spot");
    }

    private static int cli(StringWriter out, StringWriter err, CommandLine cl, String... args) {
        cl.setOut(new PrintWriter(out));
        cl.setErr(new PrintWriter(err));
        return cl.execute(args);
    }

    static int layerColour(boolean p, boolean t) {
        return p && t ? 0x00B000 : p ? 0xFF00FF : t ? 0xFF9900 : -1;
    }

    /** Checks two screenshots (overlays on, off) pixel by pixel against the masks; returns {overlay px, empty px}. */
    static long[] checkOverlay(BufferedImage on, BufferedImage off, double[] map, boolean textured) {
        int cw = (int) map[4];
        int ch = (int) map[5];
        double sx = (map[2] - map[0]) / cw;
        double sy = (map[3] - map[1]) / ch;
        int margin = (int) Math.ceil(2.5 * Math.max(Math.abs(sx), Math.abs(sy)) + 1.5);
        long overlay = 0;
        long overlayOk = 0;
        long empty = 0;
        long emptyOk = 0;
        double sum = 0;
        double sum2 = 0;
        for (int v = 0; v < ch; v++) {
            for (int u = 0; u < cw; u++) {
                int ix = (int) Math.floor(map[0] + (u + 0.5) * sx);
                int iy = (int) Math.floor(map[1] + (v + 0.5) * sy);
                if (ix - margin < 0 || iy - margin < 0 || ix + margin >= N || iy + margin >= N) {
                    continue;
                }
                int k = iy * N + ix;
                boolean p = pred[k] != 0;
                boolean t = truth[k] != 0;
                boolean uniform = true;
                for (int dy = -margin; dy <= margin && uniform; dy++) {
                    for (int dx = -margin; dx <= margin; dx++) {
                        int kk = (iy + dy) * N + ix + dx;
                        if ((pred[kk] != 0) != p || (truth[kk] != 0) != t) {
                            uniform = false;
                            break;
                        }
                    }
                }
                if (!uniform) {
                    continue;
                }
                int a = on.getRGB(u, v);
                int b = off.getRGB(u, v);
                int col = layerColour(p, t);
                if (col < 0) {
                    empty++;
                    if (maxDiff(a, b) <= 3) {
                        emptyOk++;
                    }
                } else {
                    overlay++;
                    int expected = 0;
                    for (int s = 0; s < 24; s += 8) {
                        double e = OPACITY * ((col >> s) & 0xFF) + (1 - OPACITY) * ((b >> s) & 0xFF);
                        expected |= (int) Math.round(e) << s;
                    }
                    if (maxDiff(a, expected) <= 8) {
                        overlayOk++;
                    }
                    double lum = ((b >> 16) & 0xFF) + ((b >> 8) & 0xFF) + (b & 0xFF);
                    sum += lum;
                    sum2 += lum * lum;
                }
            }
        }
        assertThat(overlay).as("screen pixels inside a mask").isGreaterThan(2000);
        assertThat(empty).as("screen pixels outside the masks").isGreaterThan(2000);
        assertThat((double) overlayOk / overlay).as("overlay = layer colour blended over the slide").isGreaterThan(0.98);
        assertThat((double) emptyOk / empty).as("no overlay outside the masks").isGreaterThan(0.995);
        double sd = Math.sqrt(sum2 / overlay - (sum / overlay) * (sum / overlay));
        if (textured) {
            assertThat(sd).as("slide texture visible under the overlay").isGreaterThan(10);
        }
        return new long[] {overlay, empty};
    }

    static int maxDiff(int a, int b) {
        int m = 0;
        for (int s = 0; s < 24; s += 8) {
            m = Math.max(m, Math.abs(((a >> s) & 0xFF) - ((b >> s) & 0xFF)));
        }
        return m;
    }

    static double[] mapping(Chromium c) throws Exception {
        JsonNode m = c.eval("(function(){var v=hubmapViewers[0], it=v.world.getItemAt(0);"
                + "var a=it.viewerElementToImageCoordinates(new OpenSeadragon.Point(0,0));"
                + "var b=it.viewerElementToImageCoordinates(new OpenSeadragon.Point(v.container.clientWidth,"
                + "v.container.clientHeight));"
                + "var r=v.container.getBoundingClientRect();"
                + "return [a.x,a.y,b.x,b.y,v.container.clientWidth,v.container.clientHeight,r.left,r.top];})()");
        double[] d = new double[m.size()];
        for (int i = 0; i < d.length; i++) {
            d[i] = m.get(i).asDouble();
        }
        assertThat(d[6]).isZero();
        assertThat(d[7]).isZero();
        return d;
    }

    @Test
    void chromiumZoomsToATableRowAndShowsTheOverlaysExactlyOverTheMasks() throws Exception {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        assertThat(cli(out, err, HubmapCommand.commandLine(), "report", run.toString(), "--data", data.toString()))
                .as(err.toString()).isZero();
        Path index = run.resolve("report").resolve("index.html");
        assertThat(Files.readString(index)).contains("Dice per slide").contains("osd/openseadragon.min.js");
        assertThat(run.resolve("report/osd/LICENSE.txt")).exists();
        try (Chromium c = Chromium.start(Files.createDirectories(dir.resolve("chrome")), 800, 600)) {
            c.navigate(index.toUri() + "?test=1&slide=0");
            c.waitFor("window.hubmapIdle(0)", 60);
            JsonNode objects = c.eval("REPORT.slides[0].objects");
            // one row that is a hit (prediction and truth) and the false positive (prediction only)
            int hit = -1;
            int falsePositive = -1;
            for (int k = 0; k < objects.size(); k++) {
                JsonNode o = objects.get(k);
                int cx = o.get("x").asInt() + o.get("w").asInt() / 2;
                int cy = o.get("y").asInt() + o.get("h").asInt() / 2;
                if (truth[cy * N + cx] != 0 && (hit < 0 || o.get("area").asLong() > objects.get(hit).get("area").asLong())) {
                    hit = k;
                } else if (truth[cy * N + cx] == 0 && pred[cy * N + cx] != 0) {
                    falsePositive = k;
                }
            }
            assertThat(hit).isNotNegative();
            assertThat(falsePositive).isNotNegative();
            for (int k : new int[] {hit, falsePositive}) {
                c.eval("document.querySelectorAll('#slide-0 input.layer').forEach(function(b){if(!b.checked){b.click();}})");
                c.eval("document.querySelector('#slide-0 tr.obj[data-index=\"" + k + "\"]').click()");
                c.waitFor("window.hubmapIdle(0)", 60);
                double[] map = mapping(c);
                JsonNode o = objects.get(k);
                // the glomerulus of the row is in view, and zoomed in (more than one screen pixel per image pixel)
                assertThat(o.get("x").asDouble()).isGreaterThanOrEqualTo(map[0]);
                assertThat(o.get("x").asDouble() + o.get("w").asDouble()).isLessThanOrEqualTo(map[2]);
                assertThat(o.get("y").asDouble()).isGreaterThanOrEqualTo(map[1]);
                assertThat(o.get("y").asDouble() + o.get("h").asDouble()).isLessThanOrEqualTo(map[3]);
                assertThat(map[4] / (map[2] - map[0])).isGreaterThan(1.0);
                BufferedImage on = c.screenshot();
                c.eval("document.querySelectorAll('#slide-0 input.layer').forEach(function(b){if(b.checked){b.click();}})");
                c.waitFor("window.hubmapIdle(0)", 60);
                assertThat(mapping(c)).isEqualTo(map);
                BufferedImage off = c.screenshot();
                checkOverlay(on, off, map, k == hit); // the false positive may lie on plain glass
                ImageIO.write(on, "png", Path.of("target").resolve("report-zoom-" + k + ".png").toFile());
            }
            // the page as a reader sees it, for the README
            c.send("Emulation.setDeviceMetricsOverride", (com.fasterxml.jackson.databind.node.ObjectNode)
                    new com.fasterxml.jackson.databind.ObjectMapper().readTree(
                            "{\"width\":1280,\"height\":800,\"deviceScaleFactor\":1,\"mobile\":false}"));
            c.navigate(index.toUri().toString());
            c.waitFor("window.hubmapIdle(0)", 60);
            c.eval("document.getElementById('slide-0').scrollIntoView()");
            c.eval("document.querySelector('#slide-0 tr.obj[data-index=\"" + hit + "\"]').click()");
            Thread.sleep(1500);
            c.waitFor("window.hubmapIdle(0)", 60);
            ImageIO.write(c.screenshot(), "png", Path.of("target").resolve("report-page.png").toFile());
        }
    }

    /**
     * Not a check: writes the README screenshot of a real run's report when asked,
     * {@code mvn -pl hubmap-cli -am test -Dtest=ReportBrowserTest#readmeScreenshot
     * -Dsurefire.failIfNoSpecifiedTests=false -Dhubmap.screenshot.run=RUN_DIR -Dhubmap.screenshot.out=FILE.png}.
     */
    @Test
    void readmeScreenshot() throws Exception {
        String r = System.getProperty("hubmap.screenshot.run");
        Assumptions.assumeTrue(r != null, "only with -Dhubmap.screenshot.run=RUN_DIR");
        Path index = Path.of(r).resolve("report").resolve("index.html");
        try (Chromium c = Chromium.start(Files.createDirectories(dir.resolve("chrome3")), 1280, 860)) {
            c.navigate(index.toUri() + "?slide=1&select=2");
            c.waitFor("window.hubmapIdle(1)", 60);
            Thread.sleep(2000);
            c.waitFor("window.hubmapIdle(1)", 60);
            ImageIO.write(c.screenshot(), "png", Path.of(System.getProperty("hubmap.screenshot.out")).toFile());
        }
    }

    @Test
    void serveAnswersOnLoopbackOnlyAndChromiumRendersTheReportFromIt() throws Exception {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        Path other = dir.resolve("served");
        assertThat(cli(out, err, HubmapCommand.commandLine(), "report", run.toString(), "--data", data.toString(),
                "--out", other.resolve("report").toString())).as(err.toString()).isZero();
        Files.copy(run.resolve("submission.csv"), other.resolve("submission.csv"));
        CommandLine cl = HubmapCommand.commandLine();
        ServeCommand serve = cl.getSubcommands().get("serve").getCommand();
        StringWriter sout = new StringWriter();
        Thread t = new Thread(() -> cli(sout, new StringWriter(), cl, "serve", other.toString(), "--port", "0"));
        t.setDaemon(true);
        t.start();
        try {
            assertThat(serve.started.await(30, java.util.concurrent.TimeUnit.SECONDS)).isTrue();
            assertThat(serve.server.getAddress().getAddress().isLoopbackAddress()).isTrue();
            int port = serve.server.getAddress().getPort();
            HttpClient http = HttpClient.newHttpClient();
            HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/"))
                    .build(), HttpResponse.BodyHandlers.ofString());
            assertThat(r.statusCode()).isEqualTo(200);
            assertThat(r.body()).contains("const REPORT = ");
            assertThat(r.headers().firstValue("Content-Type")).hasValue("text/html; charset=utf-8");
            HttpResponse<String> up = http.send(HttpRequest.newBuilder(
                    URI.create("http://127.0.0.1:" + port + "/..%2Fsubmission.csv")).build(),
                    HttpResponse.BodyHandlers.ofString());
            assertThat(up.statusCode()).isEqualTo(404);
            try (Chromium c = Chromium.start(Files.createDirectories(dir.resolve("chrome2")), 640, 480)) {
                c.navigate("http://127.0.0.1:" + port + "/?test=1&slide=0");
                c.waitFor("window.hubmapIdle(0)", 60);
                BufferedImage s = c.screenshot();
                java.util.Set<Integer> colours = new java.util.HashSet<>();
                for (int y = 0; y < s.getHeight(); y += 4) {
                    for (int x = 0; x < s.getWidth(); x += 4) {
                        colours.add(s.getRGB(x, y));
                    }
                }
                assertThat(colours.size()).as("the slide is drawn").isGreaterThan(500);
            }
        } finally {
            serve.server.stop(0);
            t.interrupt();
        }
    }
}
