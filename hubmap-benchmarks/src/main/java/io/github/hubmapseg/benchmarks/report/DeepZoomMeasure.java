package io.github.hubmapseg.benchmarks.report;

import io.github.hubmapseg.core.synth.SlideSpec;
import io.github.hubmapseg.core.synth.SyntheticSlide;
import io.github.hubmapseg.pipeline.report.DeepZoomWriter;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryPoolMXBean;
import java.lang.management.MemoryType;
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
 * measures the tile pyramid itself: downsampling, encoding and writing. Run:
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
        long[] peak = new long[1];
        Thread sampler = new Thread(() -> {
            while (!Thread.currentThread().isInterrupted()) {
                long used = 0;
                for (MemoryPoolMXBean p : ManagementFactory.getMemoryPoolMXBeans()) {
                    if (p.getType() == MemoryType.HEAP) {
                        used += p.getUsage().getUsed();
                    }
                }
                synchronized (peak) {
                    peak[0] = Math.max(peak[0], used);
                }
                try {
                    Thread.sleep(2);
                } catch (InterruptedException e) {
                    return;
                }
            }
        });
        sampler.setDaemon(true);
        sampler.start();
        long t0 = System.nanoTime();
        DeepZoomWriter jpeg = DeepZoomWriter.open(dir.resolve("slide_files"), w, h, 256, DeepZoomWriter.Format.JPEG);
        DeepZoomWriter png = DeepZoomWriter.open(dir.resolve("overlay_files"), w, h, 256, DeepZoomWriter.Format.PNG);
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
                jpeg.addRow(rgb, 0);
                png.addRow(ov, 0);
            }
        }
        jpeg.finish();
        png.finish();
        double secs = (System.nanoTime() - t0) / 1e9;
        sampler.interrupt();
        sampler.join();
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
        System.out.printf(Locale.ROOT, "peak used heap %.0f MB, -Xmx %.0f MB%n", peak[0] / 1e6,
                Runtime.getRuntime().maxMemory() / 1e6);
        if (!keep) {
            delete(dir);
        }
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
