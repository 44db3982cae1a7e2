package io.github.hubmapseg.benchmarks.tiling;

import io.github.hubmapseg.core.predict.Predictor;
import io.github.hubmapseg.tiling.Engine;
import io.github.hubmapseg.tiling.Member;
import io.github.hubmapseg.tiling.Predictors;
import io.github.hubmapseg.tiling.sink.RowSink;
import java.util.ArrayList;
import java.util.List;
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
 * One {@link Engine} pass over a synthetic {@code width x height} RGB slide (the {@link WholeSlideBenchmark}'s
 * slide and trivial predictor) with 1 member at reduce 2, or 3 members at reduce 2, 3 and 4 (the 10th place's
 * multi-scale ensemble), combined per level-0 pixel and consumed by a summing sink. The fork runs with
 * {@code -Xmx1g}: finishing at all shows the pass of all members together fits in 1 GiB; the heap in use, sampled
 * every 2 ms, is printed after each trial with its peak and the engine's plan. MP/s = width * height / 1e6 /
 * seconds per op (level-0 pixels of the slide, whatever the members' scales).
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.SingleShotTime)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 1)
@Measurement(iterations = 2)
@Fork(value = 1, jvmArgsAppend = {"-Xmx1g"})
public class EnsembleSlideBenchmark {

    @Param("30000")
    public long width;

    @Param("25000")
    public long height;

    /** 1: reduce 2; 3: reduce 2, 3 and 4. */
    @Param({"1", "3"})
    public int members;

    @Param("512")
    public int tile;

    @Param("128")
    public int overlap;

    @Param("4")
    public int batchSize;

    private SyntheticSlide slide;
    private Engine engine;
    private final HeapSampler heap = new HeapSampler();

    @Setup(Level.Trial)
    public void setUp() {
        slide = new SyntheticSlide(width, height);
        List<Member> ms = new ArrayList<>();
        for (int r = 2; r < 2 + members; r++) {
            Predictor p = Predictors.at(new WholeSlideBenchmark.MeanPredictor(), r, 0);
            ms.add(Member.of(p, tile).withOverlap(overlap));
        }
        engine = Engine.builder(ms).batchSize(batchSize).memoryBudget(700L << 20).build();
        heap.start();
    }

    @Benchmark
    public double pass() throws Exception {
        double[] sum = new double[1];
        engine.run(slide, List.of(new RowSink() {
            @Override
            public void accept(long y0, int rows, float[] band) {
                sum[0] += band[0] + band[rows * (int) width - 1];
            }
        }));
        return sum[0];
    }

    @TearDown(Level.Trial)
    public void report() throws InterruptedException {
        long peak = heap.stop();
        System.out.printf("%nEnsembleSlideBenchmark %dx%d, %d member(s), T%d overlap %d: heap in use (sampled every"
                        + " 2 ms, garbage included) peaked at %.1f MiB; max heap %.0f MiB; plan:%n%s%n", width, height,
                members, tile, overlap, peak / 1048576.0, Runtime.getRuntime().maxMemory() / 1048576.0,
                engine.plan(width, height, 3).describe());
    }

    /** Samples the heap in use every 2 ms on a daemon thread. */
    static final class HeapSampler {
        private volatile boolean sampling;
        private volatile long peak;
        private Thread thread;

        void start() {
            sampling = true;
            thread = new Thread(() -> {
                Runtime rt = Runtime.getRuntime();
                while (sampling) {
                    peak = Math.max(peak, rt.totalMemory() - rt.freeMemory());
                    try {
                        Thread.sleep(2);
                    } catch (InterruptedException e) {
                        return;
                    }
                }
            }, "heap-sampler");
            thread.setDaemon(true);
            thread.start();
        }

        long stop() throws InterruptedException {
            sampling = false;
            thread.join();
            return peak;
        }
    }
}
