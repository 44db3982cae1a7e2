package io.github.hubmapseg.benchmarks.tiling;

import io.github.hubmapseg.core.predict.Predictor;
import io.github.hubmapseg.core.predict.TileBatch;
import io.github.hubmapseg.tiling.SlidingWindow;
import io.github.hubmapseg.tiling.sink.RowSink;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryPoolMXBean;
import java.lang.management.MemoryType;
import java.util.concurrent.TimeUnit;
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
 * A whole-slide sliding-window pass over a synthetic {@code width x height} RGB slide with a trivial
 * predictor (mean of the channels / 255, so reading, batching, stitching and streaming are what is
 * measured), output rows consumed by a summing sink. The fork runs with {@code -Xmx1g}: finishing at
 * all shows the pass fits in 1 GiB of heap; the heap in use, sampled every 2 ms by a background thread,
 * is printed after each trial with its peak. MP/s = width * height / 1e6 / seconds per op.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.SingleShotTime)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 1)
@Measurement(iterations = 3)
@Fork(value = 1, jvmArgsAppend = {"-Xmx1g"})
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

    private SyntheticSlide slide;
    private SlidingWindow engine;

    /** Channel mean / 255: touches every input value once. */
    static final class MeanPredictor implements Predictor {
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
    public void setUp() {
        slide = new SyntheticSlide(width, height);
        engine = SlidingWindow.builder(tile).stride(stride).expand(expand).batchSize(batchSize)
                .memoryBudget(700L << 20).build();
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
    public void report() throws InterruptedException {
        sampling = false;
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
