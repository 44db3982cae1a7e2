package io.github.hubmapseg.cli;

import io.github.hubmapseg.core.geom.GeoJsonOptions;
import io.github.hubmapseg.core.geom.GeoJsonWriter;
import io.github.hubmapseg.core.kaggle.KaggleFiles;
import io.github.hubmapseg.core.kaggle.TrainRow;
import io.github.hubmapseg.core.rle.Rle;
import io.github.hubmapseg.core.rle.RleRuns;
import io.github.hubmapseg.core.slide.ImageSource;
import io.github.hubmapseg.core.slide.ImageSources;
import io.github.hubmapseg.tiling.sink.PolygonSink;
import java.awt.image.BufferedImage;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code hubmap polygons}: existing masks (RLE CSV or PNG/TIFF) as QuPath GeoJSON polygons. */
@Command(name = "polygons", mixinStandardHelpOptions = true,
        description = {"Write masks as QuPath-ready GeoJSON: one DIR/<id>.geojson per mask, one Polygon feature (with "
                + "holes) per 8-connected object, level-0 pixel coordinates, area in pixels. The mask is traced row "
                + "by row, never held whole (an RLE is decoded 64 rows at a time)."})
final class PolygonsCommand implements Callable<Integer> {

    static final class Input {
        @Option(names = "--rle", paramLabel = "CSV",
                description = "train.csv (id,encoding) or a submission (id,predicted); sizes from --data or --size.")
        Path rle;

        @Option(names = "--mask", paramLabel = "PNG", arity = "1..*",
                description = "PNG/TIFF mask images (non-zero = foreground); the id is the file name without extension.")
        List<Path> masks;
    }

    @ArgGroup(exclusive = true, multiplicity = "1")
    Input input;

    @Option(names = "--out", required = true, paramLabel = "DIR", description = "Output folder.")
    Path out;

    @Option(names = "--data", paramLabel = "DIR", description = "Competition folder giving each --rle slide's size.")
    Path data;

    @Option(names = "--size", paramLabel = "WxH", description = "Size of every --rle mask (instead of --data).")
    String size;

    @Option(names = "--ids", split = ",", paramLabel = "ID", description = "Only these rows of --rle.")
    List<String> ids;

    @CommandLine.Mixin
    GeoJsonOutputOptions geo = new GeoJsonOutputOptions();

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        PrintWriter pw = spec.commandLine().getOut();
        GeoJsonOptions options = geo.options();
        geo.simplify(); // checked before any work
        if (input.rle != null) {
            if ((data == null) == (size == null)) {
                throw new IllegalArgumentException("--rle needs the mask sizes: give --data DIR or --size WxH");
            }
            long[] fixed = size == null ? null : parseSize(size);
            for (TrainRow row : readRle(input.rle)) {
                if (ids != null && !ids.contains(row.id())) {
                    continue;
                }
                long w;
                long h;
                if (fixed != null) {
                    w = fixed[0];
                    h = fixed[1];
                } else {
                    Path slide = slide(row.id());
                    try (ImageSource s = ImageSources.open(slide)) {
                        w = s.width();
                        h = s.height();
                    }
                }
                if (w > Integer.MAX_VALUE || h > Integer.MAX_VALUE) {
                    throw new IllegalArgumentException("RLE masks must be below 2^31 pixels per side, got " + w + "x" + h);
                }
                RleRuns runs = Rle.parse(row.encoding(), (int) h, (int) w);
                Path f = out.resolve(row.id() + ".geojson");
                long n = write(f, options, row.id(), (int) w, (int) h, (sink, band) -> {
                    for (int y = 0; y < h; y += band) {
                        int rows = (int) Math.min(band, h - y);
                        sink.accept(y, rows, Rle.decodeWindow(runs, 0, y, (int) w, rows));
                    }
                });
                pw.printf(Locale.ROOT, "%s: %d objects -> %s%n", row.id(), n, f);
            }
        } else {
            for (Path m : input.masks) {
                BufferedImage img = MaskImages.read(m);
                String name = m.getFileName().toString();
                String id = name.contains(".") ? name.substring(0, name.lastIndexOf('.')) : name;
                Path f = out.resolve(id + ".geojson");
                long n = write(f, options, id, img.getWidth(), img.getHeight(), (sink, band) -> {
                    try {
                        MaskImages.forEachRow(img, (y, row) -> sink.accept(y, 1, row));
                    } catch (UncheckedIOException e) {
                        throw e.getCause();
                    }
                });
                pw.printf(Locale.ROOT, "%s: %d objects -> %s%n", id, n, f);
            }
        }
        pw.flush();
        return 0;
    }

    private interface Feed {
        void rows(PolygonSink sink, int band) throws IOException;
    }

    private long write(Path f, GeoJsonOptions options, String id, int w, int h, Feed feed) throws IOException {
        try (GeoJsonWriter gw = GeoJsonWriter.open(f, options, id)) {
            PolygonSink sink = PolygonSink.builder(gw::write).simplify(geo.simplify()).build();
            sink.begin(w, h);
            feed.rows(sink, 64);
            sink.end();
            gw.end();
            return gw.count();
        }
    }

    private Path slide(String id) {
        return new io.github.hubmapseg.core.kaggle.CompetitionLayout(data).slide(id);
    }

    static long[] parseSize(String s) {
        String[] p = s.toLowerCase(Locale.ROOT).split("x");
        try {
            if (p.length == 2) {
                long w = Long.parseLong(p[0].trim());
                long h = Long.parseLong(p[1].trim());
                if (w > 0 && h > 0) {
                    return new long[] {w, h};
                }
            }
        } catch (NumberFormatException e) {
            // fall through
        }
        throw new IllegalArgumentException("--size must be WIDTHxHEIGHT with positive integers, got '" + s + "'");
    }

    private static List<TrainRow> readRle(Path csv) throws IOException {
        String header;
        try (BufferedReader r = Files.newBufferedReader(csv, StandardCharsets.UTF_8)) {
            header = r.readLine();
        }
        return header != null && header.contains("predicted") ? KaggleFiles.readSubmission(csv)
                : KaggleFiles.readTrain(csv);
    }
}
