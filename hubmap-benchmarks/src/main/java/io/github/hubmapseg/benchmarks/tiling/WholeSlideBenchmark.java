package io.github.hubmapseg.benchmarks.tiling;

import io.github.hubmapseg.core.predict.Predictor;
import io.github.hubmapseg.core.slide.AbstractImageSource;
import io.github.hubmapseg.core.slide.ImageSource;
import io.github.hubmapseg.core.slide.ImageSources;
import io.github.hubmapseg.core.slide.TiffSlideWriter;
import io.github.hubmapseg.core.predict.TileBatch;
import io.github.hubmapseg.tiling.Rasters;
import io.github.hubmapseg.tiling.SlidingWindow;
import io.github.hubmapseg.tiling.sink.RowSink;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryPoolMXBean;
import java.lang.management.MemoryType;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.concurrent.TimeUnit;
import java.util.stream.IntStream;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * A whole-slide sliding-window pass with a trivial predictor (mean of the channels / 255, so reading,
 * batching, stitching and streaming are what is measured), output rows consumed by a summing sink, next to
 * {@code readBaseline}: every pixel of the slide read once (512 x 512 regions on the tile grid, split over
 * {@code readThreads} threads) and converted to float, what any pipeline must do. {@code source}:
 * {@code synthetic} (a procedural slide in memory, no file), {@code tiled} and {@code deflate} (real
 * {@code width x height} BigTIFFs tiled 512, written once by the library's {@link TiffSlideWriter} from the
 * synthetic slide into {@code -Dhubmap.bench.dir}, default {@code hubmap-benchmarks/target/bench-slides},
 * and read through the page cache afterwards). The fork runs with {@code -Xmx1g}: finishing at all shows
 * the pass fits in 1 GiB of heap; the heap in use, sampled every 2 ms by a background thread, is printed
 * after each trial with its peak. MP/s = width * height / 1e6 / seconds per op.
 *
 * <pre>java -jar hubmap-benchmarks/target/benchmarks.jar WholeSlideBenchmark -p source=tiled,deflate</pre>
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.SingleShotTime)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 1)
@Measurement(iterations = 3)
@Fork(value = 1, jvmArgsAppend = {"-Xmx1g", "--add-modules=jdk.incubator.vector"})
public class WholeSlideBenchmark {

    @Param("30000")
    public long width;

    @Param("25000")
    public long height;

    @Param("512")
    public int tile;

    @Param("384")
    public int stride;

    @Param("0")
    public int expand;

    @Param("8")
    public int batchSize;

    /** {@code synthetic} (in memory), {@code tiled} (uncompressed BigTIFF) or {@code deflate} (BigTIFF). */
    @Param({"tiled", "deflate"})
    public String source;

    /** The engine's read-ahead band ({@code SlidingWindow.Builder#readAhead}); {@code false}: windows read one by one. */
    @Param("true")
    public boolean readAhead;

    /** Threads of {@code readBaseline} (the engine reads with its default reader threads). */
    @Param("2")
    public int readThreads;

    private ImageSource slide;
    private SlidingWindow engine;

    /** Channel mean / 255: touches every input value once (also the cohort benchmarks' trivial predictor). */
    public static final class MeanPredictor implements Predictor {
        @Override
        public int inputChannels() {
            return 3;
        }

        @Override
        public TileBatch predict(TileBatch t) {
            int plane = t.height() * t.width();
            float[] in = t.data();
            float[] out = new float[t.size() * plane];
            for (int n = 0; n < t.size(); n++) {
                int b = n * 3 * plane;
                for (int k = 0; k < plane; k++) {
                    out[n * plane + k] = (in[b + k] + in[b + plane + k] + in[b + 2 * plane + k]) * (1f / 765f);
                }
            }
            return new TileBatch(out, t.size(), 1, t.height(), t.width());
        }
    }

    private volatile boolean sampling;
    private volatile long sampledPeak;
    private Thread sampler;

    @Setup(Level.Trial)
    public void setUp() throws IOException {
        slide = switch (source) {
            case "synthetic" -> new SyntheticSlide(width, height);
            case "tiled" -> ImageSources.open(slideFile(TiffSlideWriter.Compression.NONE));
            case "deflate" -> ImageSources.open(slideFile(TiffSlideWriter.Compression.DEFLATE));
            default -> throw new IllegalArgumentException("source must be synthetic, tiled or deflate, got " + source);
        };
        System.out.printf("%nsource %s: %s%n", source, slide);
        engine = SlidingWindow.builder(tile).stride(stride).expand(expand).batchSize(batchSize)
                .readAhead(readAhead).memoryBudget(700L << 20).build();
        for (MemoryPoolMXBean p : ManagementFactory.getMemoryPoolMXBeans()) {
            p.resetPeakUsage();
        }
        sampling = true;
        sampler = new Thread(() -> {
            Runtime rt = Runtime.getRuntime();
            while (sampling) {
                sampledPeak = Math.max(sampledPeak, rt.totalMemory() - rt.freeMemory());
                try {
                    Thread.sleep(2);
                } catch (InterruptedException e) {
                    return;
                }
            }
        }, "heap-sampler");
        sampler.setDaemon(true);
        sampler.start();
    }

    /** The slide file of this size and compression, written (to a temporary name, then moved) if missing. */
    private Path slideFile(TiffSlideWriter.Compression compression) throws IOException {
        Path dir = Path.of(System.getProperty("hubmap.bench.dir", "hubmap-benchmarks/target/bench-slides"));
        String name = "slide-" + width + "x" + height + "-t" + tile + "-" + compression.name().toLowerCase() + ".tif";
        Path f = dir.resolve(name);
        if (!Files.exists(f)) {
            Files.createDirectories(dir);
            Path tmp = dir.resolve(name + ".tmp");
            long t0 = System.nanoTime();
            try (TiffSlideWriter w = TiffSlideWriter.builder(tmp, width, height).tileSize(512)
                    .compression(compression).open()) {
                w.writeAll(new SyntheticSlide(width, height), Runtime.getRuntime().availableProcessors(), null);
            }
            Files.move(tmp, f, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
            System.out.printf("%nwrote %s (%.0f MB) in %.1f s%n", f, Files.size(f) / 1e6, (System.nanoTime() - t0) / 1e9);
        }
        return f;
    }

    /**
     * Every pixel read once, 512 x 512 regions on the tile grid, converted to channel-planar floats by the
     * engine's byte -> float kernel ({@link Rasters#toFloats}: the Vector API's when the JVM has the module):
     * an uncompressed chunky file is read as stored and deinterleaved while converting, other sources are read
     * as planar bytes and converted.
     */
    @Benchmark
    public double readBaseline() {
        return read(true);
    }

    /**
     * {@link #readBaseline} as measured before the Vector API kernels (sessions 5-6): planar bytes (the reader
     * deinterleaves), converted by a plain {@code & 0xFF} loop.
     */
    @Benchmark
    public double readBaselinePlain() {
        return read(false);
    }

    private double read(boolean kernel) {
        int side = 512;
        int cols = (int) ((width + side - 1) / side);
        int rows = (int) ((height + side - 1) / side);
        AbstractImageSource src = (AbstractImageSource) slide;
        boolean chunky = kernel && src.readsInterleaved();
        return IntStream.range(0, readThreads).parallel().mapToDouble(part -> {
            byte[] b = new byte[side * side * 3];
            float[] f = new float[b.length];
            double sum = 0;
            for (int r = part; r < rows; r += readThreads) {
                for (int c = 0; c < cols; c++) {
                    long x = (long) c * side;
                    long y = (long) r * side;
                    int w = (int) Math.min(side, width - x);
                    int h = (int) Math.min(side, height - y);
                    int n = w * h * 3;
                    try {
                        if (chunky) {
                            src.readInterleavedInto(x, y, w, h, b, w * 3, 0, 0);
                            Rasters.toFloats(b, 0, 3, f, 0, w * h, w * h);
                        } else if (kernel) {
                            src.readInto(x, y, w, h, b, w, h, 0, 0);
                            Rasters.toFloats(b, 0, f, 0, n);
                        } else {
                            byte[] bb = n == b.length ? b : new byte[n];
                            src.readInto(x, y, w, h, bb);
                            for (int k = 0; k < n; k++) {
                                f[k] = bb[k] & 0xFF;
                            }
                        }
                    } catch (IOException e) {
                        throw new UncheckedIOException(e);
                    }
                    sum += f[0] + f[n - 1];
                }
            }
            return sum;
        }).sum();
    }

    @Benchmark
    public double pass() throws Exception {
        double[] sum = new double[1];
        engine.run(slide, new MeanPredictor(), new RowSink() {
            @Override
            public void accept(long y0, int rows, float[] band) {
                sum[0] += band[0] + band[rows * (int) width - 1];
            }
        });
        return sum[0];
    }

    @TearDown(Level.Trial)
    public void report() throws InterruptedException, IOException {
        sampling = false;
        slide.close();
        sampler.join();
        long peak = 0;
        for (MemoryPoolMXBean p : ManagementFactory.getMemoryPoolMXBeans()) {
            if (p.getType() == MemoryType.HEAP) {
                peak += p.getPeakUsage().getUsed();
            }
        }
        System.out.printf("%nWholeSlideBenchmark %dx%d T%d S%d E%d: heap in use (sampled every 2 ms, garbage"
                + " included) peaked at %.1f MiB; sum of the heap pools' peaks %.1f MiB (an upper bound);"
                + " max heap %.0f MiB; plan %s%n",
                width, height, tile, stride, expand, sampledPeak / 1048576.0, peak / 1048576.0,
                Runtime.getRuntime().maxMemory() / 1048576.0, engine.plan(width, height, 3));
    }
}
