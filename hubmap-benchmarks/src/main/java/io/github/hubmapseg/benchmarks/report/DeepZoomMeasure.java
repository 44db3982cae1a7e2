package io.github.hubmapseg.benchmarks.report;

import io.github.hubmapseg.benchmarks.heap.HeapPeak;
import io.github.hubmapseg.core.synth.SlideSpec;
import io.github.hubmapseg.core.synth.SyntheticSlide;
import io.github.hubmapseg.pipeline.report.DeepZoomWriter;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.Locale;

/**
 * Time and peak heap of writing a report's Deep Zoom tiles for a {@code width x height} slide: the slide layer
 * (JPEG, every tile of every level) and one overlay layer (PNG with transparency, empty tiles skipped) of a
 * synthetic slide's glomerulus mask, streamed row by row through {@link DeepZoomWriter}. The slide's pixels are a
 * cheap procedural texture (reading and decoding a real slide is measured by the slide benchmarks), so this
 * measures the tile pyramid itself: downsampling, encoding and writing. The input is generated once alone first, so
 * the printed CPU time of the writers (the process's CPU time, every thread, minus that of the input) does not
 * depend on how loaded the machine is, while the wall time does. Run:
 * {@code java -Xmx512m -cp hubmap-benchmarks/target/benchmarks.jar
 * io.github.hubmapseg.benchmarks.report.DeepZoomMeasure [width height out-dir]} (default 30000 25000, a temporary
 * folder that is deleted afterwards).
 */
public final class DeepZoomMeasure {
    private DeepZoomMeasure() {
    }

    /**
     * @param args optional: width, height, output folder (kept when given)
     * @throws Exception on I/O failure
     */
    public static void main(String[] args) throws Exception {
        int w = args.length > 0 ? Integer.parseInt(args[0]) : 30000;
        int h = args.length > 1 ? Integer.parseInt(args[1]) : 25000;
        boolean keep = args.length > 2;
        Path dir = keep ? Files.createDirectories(Path.of(args[2])) : Files.createTempDirectory("dzi");
        SyntheticSlide slide = SyntheticSlide.create(new SlideSpec("dzi", w, h, 42));
        HeapPeak heap = HeapPeak.start();
        // the input alone first (texture + synthetic mask), so its CPU time can be told apart from the writers'
        long c0 = processCpu();
        rows(slide, w, h, (rgb, ov) -> {
        });
        long inputCpu = processCpu() - c0;
        long t0 = System.nanoTime();
        c0 = processCpu();
        DeepZoomWriter jpeg = DeepZoomWriter.open(dir.resolve("slide_files"), w, h, 256, DeepZoomWriter.Format.JPEG);
        DeepZoomWriter png = DeepZoomWriter.open(dir.resolve("overlay_files"), w, h, 256, DeepZoomWriter.Format.PNG);
        rows(slide, w, h, (rgb, ov) -> {
            jpeg.addRow(rgb, 0);
            png.addRow(ov, 0);
        });
        jpeg.finish();
        png.finish();
        long cpu = processCpu() - c0;
        double secs = (System.nanoTime() - t0) / 1e9;
        heap.close();
        long[] bytes = new long[1];
        Files.walkFileTree(dir, new SimpleFileVisitor<>() {
            @Override
            public FileVisitResult visitFile(Path f, BasicFileAttributes a) {
                bytes[0] += a.size();
                return FileVisitResult.CONTINUE;
            }
        });
        System.out.printf(Locale.ROOT, "%d x %d slide: %d levels, %d JPEG tiles + %d PNG overlay tiles (%.0f MB) in %.1f s%n",
                w, h, jpeg.maxLevel() + 1, jpeg.writtenTiles().size(), png.writtenTiles().size(), bytes[0] / 1e6,
                secs);
        System.out.printf(Locale.ROOT, "CPU time %.1f s on %d cores, of which %.1f s the input (measured alone); "
                        + "writers: %.1f s of CPU, %.0f megapixels of level 0 per CPU second%n", cpu / 1e9,
                Runtime.getRuntime().availableProcessors(), inputCpu / 1e9, (cpu - inputCpu) / 1e9,
                (double) w * h / 1e6 / ((cpu - inputCpu) / 1e9));
        System.out.printf(Locale.ROOT, "peak live heap after GC %.0f MB, peak used heap %.0f MB, -Xmx %.0f MB%n",
                heap.peakLive() / 1e6, heap.peakUsed() / 1e6,
                Runtime.getRuntime().maxMemory() / 1e6);
        if (!keep) {
            delete(dir);
        }
    }

    /** Receives one row of the slide layer and one of the overlay layer. */
    private interface RowSink {
        void rows(int[] rgb, int[] overlay) throws IOException;
    }

    /** The slide's rows: a procedural PAS-like texture, and the synthetic glomerulus mask as a green overlay. */
    private static void rows(SyntheticSlide slide, int w, int h, RowSink sink) throws IOException {
        int[] rgb = new int[w];
        int[] ov = new int[w];
        int band = 64;
        for (int y0 = 0; y0 < h; y0 += band) {
            int rows = Math.min(band, h - y0);
            byte[] m = slide.mask(0, y0, w, rows);
            for (int r = 0; r < rows; r++) {
                int y = y0 + r;
                for (int x = 0; x < w; x++) {
                    int v = 200 + ((x * 7 + y * 13) & 31);
                    rgb[x] = 0xFF000000 | v << 16 | (v - 40) << 8 | v;
                    ov[x] = 0x00B000 | (m[r * w + x] != 0 ? 0xFF000000 : 0);
                }
                sink.rows(rgb, ov);
            }
        }
    }

    /** CPU time of this process (every thread), nanoseconds. */
    private static long processCpu() {
        return ((com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean())
                .getProcessCpuTime();
    }

    private static void delete(Path dir) throws IOException {
        Files.walkFileTree(dir, new SimpleFileVisitor<>() {
            @Override
            public FileVisitResult visitFile(Path f, BasicFileAttributes a) throws IOException {
                Files.delete(f);
                return FileVisitResult.CONTINUE;
            }

            @Override
            public FileVisitResult postVisitDirectory(Path d, IOException e) throws IOException {
                Files.delete(d);
                return FileVisitResult.CONTINUE;
            }
        });
    }
}
