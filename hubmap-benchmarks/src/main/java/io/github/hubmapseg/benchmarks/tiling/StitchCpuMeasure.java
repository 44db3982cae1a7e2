package io.github.hubmapseg.benchmarks.tiling;

import java.lang.management.ManagementFactory;
import java.util.Arrays;
import java.util.Locale;

/**
 * {@link StitchBenchmark}'s operations with one thread, timed by the CPU time of the thread that runs them (a
 * one-part parallel stream runs in the calling thread), interleaved round by round, so that the shares of
 * {@code copyBaseline} do not depend on how much of the cores other processes leave to this one (the wall
 * times of JMH on a shared machine do). With a second argument {@code 2}, the operations run with 2 threads
 * and are timed by the CPU time summed over the process's live Java threads (the caller and the fork-join
 * workers; the JVM's compiler and GC threads are not among them).
 *
 * A third argument sets {@code distinctTiles} (1: every position reads one tile, in cache; default 441). The
 * stitcher uses the Vector API when the JVM has the module, as below (add {@code -Dhubmap.simd=off} for the
 * scalar strip blend); the first line printed says which.
 *
 * <pre>java -Xms4g -Xmx4g --add-modules=jdk.incubator.vector -cp hubmap-benchmarks/target/benchmarks.jar \
 *     io.github.hubmapseg.benchmarks.tiling.StitchCpuMeasure 15 [2 [441]]</pre>
 */
public final class StitchCpuMeasure {

    private StitchCpuMeasure() {
    }

    private static boolean process;

    private static long cpu() {
        var mx = ManagementFactory.getThreadMXBean();
        if (!process) {
            return mx.getCurrentThreadCpuTime();
        }
        // the process's own CPU time counts in 10 ms steps here; the sum over the live threads is exact
        long sum = 0;
        for (long id : mx.getAllThreadIds()) {
            sum += Math.max(0, mx.getThreadCpuTime(id));
        }
        return sum;
    }

    /**
     * @param args rounds, then optionally the threads (1 or 2) and the distinct tiles
     */
    public static void main(String[] args) {
        int rounds = Integer.parseInt(args[0]);
        StitchBenchmark b = new StitchBenchmark();
        b.size = 8192;
        b.tile = 512;
        b.stride = 384;
        b.distinctTiles = args.length > 2 ? Integer.parseInt(args[2]) : 441;
        b.threads = args.length > 1 ? Integer.parseInt(args[1]) : 1;
        process = b.threads > 1;
        b.setUp();
        String[] names = {"copyBaseline", "canvas", "band", "firstTileCopy", "tilesCopy", "stripGather"};
        Runnable[] ops = {b::copyBaseline, b::canvas, b::band, b::firstTileCopy, b::tilesCopy, b::stripGather};
        double[][] ms = new double[names.length][rounds];
        for (int round = -3; round < rounds; round++) {
            for (int k = 0; k < ops.length; k++) {
                long c0 = cpu();
                ops[k].run();
                if (round >= 0) {
                    ms[k][round] = (cpu() - c0) / 1e6;
                }
            }
        }
        double copy = median(ms[0]);
        System.out.printf(Locale.ROOT, "StitchBenchmark ops, %d thread(s), %d distinct tiles, stitcher blend on %s, %s CPU ms"
                        + " per op (median of %d rounds; load %.1f):%n", b.threads, b.distinctTiles,
                io.github.hubmapseg.tiling.Vectorization.describe(), process ? "all threads'" : "thread", rounds,
                ManagementFactory.getOperatingSystemMXBean().getSystemLoadAverage());
        for (int k = 0; k < names.length; k++) {
            double m = median(ms[k]);
            System.out.printf(Locale.ROOT, "%-14s %7.1f ms  copyBaseline / this = %5.1f %%%n", names[k], m, 100 * copy / m);
        }
    }

    private static double median(double[] v) {
        double[] s = v.clone();
        Arrays.sort(s);
        return s[s.length / 2];
    }
}
