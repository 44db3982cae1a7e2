package io.github.hubmapseg.benchmarks.tiling;

import java.lang.management.ManagementFactory;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * {@link WholeSlideBenchmark}'s operations measured by wall time AND by the CPU time of the whole process (all
 * threads, GC and JIT included), interleaved round by round: {@code readBaseline}, the pass with the read-ahead
 * band, the pass reading window by window. On a machine shared with other processes the wall time follows the
 * share of the cores this process gets, while the CPU time is the work done; ratios of either are taken within
 * one round.
 *
 * <pre>java -Xmx1g -cp hubmap-benchmarks/target/benchmarks.jar \
 *     io.github.hubmapseg.benchmarks.tiling.WholeSlideCpuMeasure 12000 10000 tiled 5</pre>
 *
 * <p>{@code -Dhubmap.bench.batch=N} sets the batch size (default 8), {@code -Dhubmap.bench.dir} where the slides are.
 */
public final class WholeSlideCpuMeasure {

    private WholeSlideCpuMeasure() {
    }

    private static long cpu() {
        return ((com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean())
                .getProcessCpuTime();
    }

    private interface Op {
        void run() throws Exception;
    }

    private static double[] time(Op op) throws Exception {
        long c0 = cpu();
        long t0 = System.nanoTime();
        op.run();
        return new double[] {(System.nanoTime() - t0) / 1e9, (cpu() - c0) / 1e9};
    }

    private static WholeSlideBenchmark bench(long w, long h, String source, boolean ahead) throws Exception {
        WholeSlideBenchmark b = new WholeSlideBenchmark();
        b.width = w;
        b.height = h;
        b.tile = 512;
        b.stride = 384;
        b.expand = 0;
        b.batchSize = Integer.getInteger("hubmap.bench.batch", 8);
        b.source = source;
        b.readThreads = 2;
        b.readAhead = ahead;
        b.setUp();
        return b;
    }

    private static double median(List<Double> v) {
        List<Double> s = new ArrayList<>(v);
        s.sort(null);
        return s.get(s.size() / 2);
    }

    /**
     * @param args width, height, source ({@code tiled}, {@code deflate}, {@code synthetic}), rounds; a fifth
     *             argument {@code pass} runs only the read-ahead pass (for a profiler)
     */
    public static void main(String[] args) throws Exception {
        long w = Long.parseLong(args[0]);
        long h = Long.parseLong(args[1]);
        String source = args[2];
        int rounds = Integer.parseInt(args[3]);
        WholeSlideBenchmark on = bench(w, h, source, true);
        if (args.length > 4 && args[4].equals("pass")) {
            for (int round = 0; round < rounds; round++) {
                double[] t = time(on::pass);
                System.out.printf(Locale.ROOT, "pass read-ahead %.2f s wall, %.2f s CPU%n", t[0], t[1]);
            }
            on.report();
            return;
        }
        WholeSlideBenchmark off = bench(w, h, source, false);
        String[] names = {"readBaseline", "pass read-ahead", "pass window by window"};
        List<List<Double>> wall = new ArrayList<>();
        List<List<Double>> cpu = new ArrayList<>();
        List<Double> rWall = new ArrayList<>();
        List<Double> rCpu = new ArrayList<>();
        for (int k = 0; k < 3; k++) {
            wall.add(new ArrayList<>());
            cpu.add(new ArrayList<>());
        }
        double mp = w * (double) h / 1e6;
        for (int round = -1; round < rounds; round++) {
            double[][] t = {time(on::readBaseline), time(on::pass), time(off::pass)};
            double load = ManagementFactory.getOperatingSystemMXBean().getSystemLoadAverage();
            System.out.printf(Locale.ROOT, "%s round %d (load %.1f):", round < 0 ? "warm-up" : "", round, load);
            for (int k = 0; k < 3; k++) {
                System.out.printf(Locale.ROOT, "  %s %.2f s wall, %.2f s CPU;", names[k], t[k][0], t[k][1]);
                if (round >= 0) {
                    wall.get(k).add(t[k][0]);
                    cpu.get(k).add(t[k][1]);
                }
            }
            System.out.println();
            if (round >= 0) {
                rWall.add(t[1][0] / t[0][0]);
                rCpu.add(t[1][1] / t[0][1]);
            }
        }
        for (int k = 0; k < 3; k++) {
            System.out.printf(Locale.ROOT, "%-22s median %.2f s wall (%.1f MP/s), %.2f s CPU (%.1f MP per CPU-s)%n",
                    names[k], median(wall.get(k)), mp / median(wall.get(k)), median(cpu.get(k)),
                    mp / median(cpu.get(k)));
        }
        System.out.printf(Locale.ROOT, "pass read-ahead / readBaseline, median of the rounds' ratios: wall %.2fx, CPU"
                + " %.2fx%n", median(rWall), median(rCpu));
        on.report();
        off.report();
    }
}
