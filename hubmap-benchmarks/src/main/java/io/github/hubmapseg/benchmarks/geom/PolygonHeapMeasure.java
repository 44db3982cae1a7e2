package io.github.hubmapseg.benchmarks.geom;

import io.github.hubmapseg.benchmarks.heap.HeapPeak;
import io.github.hubmapseg.core.geom.GeoJsonOptions;
import io.github.hubmapseg.core.geom.GeoJsonWriter;
import io.github.hubmapseg.core.synth.SlideSpec;
import io.github.hubmapseg.core.synth.SyntheticSlide;
import io.github.hubmapseg.tiling.sink.PolygonSink;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;

/**
 * Peak heap of turning a whole slide's mask into GeoJSON polygons: the truth mask of a synthetic
 * {@code width x height} slide is generated band by band ({@link SyntheticSlide#mask}), streamed through a
 * {@link PolygonSink} into a {@link GeoJsonWriter}, and the heap is sampled every 2 ms: the peak of the live heap
 * after each collection (sum of the heap pools' collection usage) and the peak of the used heap. Run it with a
 * small {@code -Xmx} to show the bound, e.g.
 * {@code java -Xmx64m -cp hubmap-benchmarks/target/benchmarks.jar io.github.hubmapseg.benchmarks.geom.PolygonHeapMeasure
 * [width height band simplify]} (default 30000 25000 64 0.5).
 */
public final class PolygonHeapMeasure {
    private PolygonHeapMeasure() {
    }

    /**
     * @param args optional: width, height, band rows, simplification tolerance
     * @throws Exception on I/O failure
     */
    public static void main(String[] args) throws Exception {
        int w = args.length > 0 ? Integer.parseInt(args[0]) : 30000;
        int h = args.length > 1 ? Integer.parseInt(args[1]) : 25000;
        int band = args.length > 2 ? Integer.parseInt(args[2]) : 64;
        double tol = args.length > 3 ? Double.parseDouble(args[3]) : 0.5;
        SyntheticSlide slide = SyntheticSlide.create(new SlideSpec("heap", w, h, 42));
        Path out = Files.createTempFile("polygons", ".geojson");
        HeapPeak heap = HeapPeak.start();
        long t0 = System.nanoTime();
        long objects;
        try (GeoJsonWriter gw = GeoJsonWriter.open(out, GeoJsonOptions.DEFAULT, "heap")) {
            PolygonSink sink = PolygonSink.builder(gw::write).simplify(tol).build();
            sink.begin(w, h);
            for (int y = 0; y < h; y += band) {
                int rows = Math.min(band, h - y);
                sink.accept(y, rows, slide.mask(0, y, w, rows));
            }
            sink.end();
            gw.end();
            objects = gw.count();
        }
        double secs = (System.nanoTime() - t0) / 1e9;
        heap.close();
        long bytes = Files.size(out);
        Files.delete(out);
        System.out.printf(Locale.ROOT, "%d x %d slide (mask %.0f MB as bytes), bands of %d rows, simplify %.2f px%n", w,
                h, (double) w * h / 1e6, band, tol);
        System.out.printf(Locale.ROOT, "%d glomeruli -> %d objects, GeoJSON %.1f MB, %.1f s%n",
                slide.glomerulusPolygons(3).size(), objects, bytes / 1e6, secs);
        System.out.printf(Locale.ROOT, "peak live heap after GC %.1f MB, peak used heap %.1f MB, -Xmx %.0f MB%n",
                heap.peakLive() / 1e6, heap.peakUsed() / 1e6, Runtime.getRuntime().maxMemory() / 1e6);
    }
}
