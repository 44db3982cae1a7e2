package io.github.hubmapseg.benchmarks.report;

import io.github.hubmapseg.core.io.ImageFiles;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import javax.imageio.ImageIO;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * One 256 x 256 Deep Zoom tile encoded the report's way ({@link ImageFiles#png} for an overlay tile,
 * {@link ImageFiles#jpeg} for a slide tile) and the previous way, in the same run: ImageIO's PNG writer on a
 * {@code TYPE_INT_ARGB} image ({@code pngImageIo}, the baseline of {@code png}) and ImageIO's JPEG writer on a
 * {@code TYPE_INT_RGB} image at the same quality ({@code jpegImageIo}, the baseline of {@code jpeg}; the same file
 * out, checked by {@code ImageFilesEncodeTest}). The overlay tile is a glomerulus disk of one colour with a soft
 * edge (the partial alphas of a reduced level); the slide tile a PAS-like texture. Encoding into memory, so no disk
 * time is in it. Run: {@code java -jar hubmap-benchmarks/target/benchmarks.jar TileEncodeBenchmark}.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
public class TileEncodeBenchmark {
    private static final int N = 256;
    private final int[] overlay = new int[N * N];
    private final int[] slide = new int[N * N];
    private BufferedImage overlayImage;
    private BufferedImage slideImage;

    @Setup
    public void setup() {
        SplittableRandom r = new SplittableRandom(7);
        for (int y = 0; y < N; y++) {
            for (int x = 0; x < N; x++) {
                double d = Math.hypot(x - 110, y - 140) - 80;
                int alpha = d < -2 ? 255 : d > 2 ? 0 : (int) Math.round(255 * (2 - d) / 4);
                overlay[y * N + x] = alpha << 24 | 0x00B000;
                int v = 150 + (int) (60 * Math.sin(x / 9.0) * Math.cos(y / 13.0)) + r.nextInt(8);
                slide[y * N + x] = 0xFF000000 | v << 16 | (v - 50) << 8 | Math.min(255, v + 30);
            }
        }
        overlayImage = new BufferedImage(N, N, BufferedImage.TYPE_INT_ARGB);
        overlayImage.setRGB(0, 0, N, N, overlay, 0, N);
        slideImage = new BufferedImage(N, N, BufferedImage.TYPE_INT_RGB);
        slideImage.setRGB(0, 0, N, N, slide, 0, N);
    }

    @Benchmark
    public int png() throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream(1 << 16);
        ImageFiles.png(out, overlay, 0, N, N, N, true);
        return out.size();
    }

    @Benchmark
    public int pngImageIo() throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream(1 << 16);
        ImageIO.write(overlayImage, "png", out);
        return out.size();
    }

    @Benchmark
    public int jpeg() throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream(1 << 16);
        ImageFiles.jpeg(out, slide, 0, N, N, N, 0.85f);
        return out.size();
    }

    @Benchmark
    public int jpegImageIo() throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream(1 << 16);
        ImageFiles.jpeg(out, slideImage, 0.85f); // ImageIO's writer converting the int pixels itself
        return out.size();
    }
}
