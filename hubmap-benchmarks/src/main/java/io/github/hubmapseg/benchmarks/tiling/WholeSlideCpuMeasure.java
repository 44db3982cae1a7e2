package io.github.hubmapseg.benchmarks.tiling;

import io.github.hubmapseg.tiling.Vectorization;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * {@link WholeSlideBenchmark}'s operations measured by wall time AND by the CPU time of the whole process (all
 * threads, GC and JIT included), interleaved round by round: {@code readBaseline} (the engine's byte -> float
 * kernel), {@code readBaselinePlain} (the plain loop, as before the Vector API kernels), the pass with the
 * read-ahead band, the pass reading window by window. The JVM needs {@code --add-modules=jdk.incubator.vector}
 * for the Vector API kernels ({@code -Dhubmap.simd=off}: the plain loops); the first line says which ran. On a machine shared with other processes the wall time follows the
 * share of the cores this process gets, while the CPU time is the work done; ratios of either are taken within
 * one round.
 *
 * <pre>java -Xmx1g -XX:G1HeapRegionSize=4m --add-modules=jdk.incubator.vector -cp hubmap-benchmarks/target/benchmarks.jar \
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

    /**
     * CPU seconds of the JVM's garbage-collector threads so far ({@code GC Thread#n}, {@code G1 ...} and the
     * {@code VM Thread} that runs the pauses), from {@code /proc/self/task/* /stat} (utime + stime, clock
     * ticks of 1/100 s); NaN where /proc is not there.
     */
    static double gcCpu() {
        Path tasks = Path.of("/proc/self/task");
        if (!Files.isDirectory(tasks)) {
            return Double.NaN;
        }
        long ticks = 0;
        try (DirectoryStream<Path> ds = Files.newDirectoryStream(tasks)) {
            for (Path t : ds) {
                String stat;
                try {
                    stat = Files.readString(t.resolve("stat"));
                } catch (IOException e) {
                    continue; // the thread ended
                }
                int open = stat.indexOf('(');
                int close = stat.lastIndexOf(')');
                String name = stat.substring(open + 1, close);
                if (name.startsWith("GC Thread") || name.startsWith("G1 ") || name.equals("VM Thread")) {
                    String[] f = stat.substring(close + 2).split(" ");
                    ticks += Long.parseLong(f[11]) + Long.parseLong(f[12]); // utime, stime (fields 14, 15)
                }
            }
        } catch (IOException e) {
            return Double.NaN;
        }
        return ticks / 100.0;
    }

    private interface Op {
        void run() throws Exception;
    }

    /** Wall seconds, process CPU seconds and the garbage collector's share of them. */
    private static double[] time(Op op) throws Exception {
        double g0 = gcCpu();
        long c0 = cpu();
        long t0 = System.nanoTime();
        op.run();
        return new double[] {(System.nanoTime() - t0) / 1e9, (cpu() - c0) / 1e9, gcCpu() - g0};
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
            System.out.println("conversion kernels: " + Vectorization.describe());
            for (int round = 0; round < rounds; round++) {
                double[] t = time(on::pass);
                System.out.printf(Locale.ROOT, "pass read-ahead %.2f s wall, %.2f s CPU (GC %.2f s)%n", t[0], t[1],
                        t[2]);
            }
            on.report();
            return;
        }
        WholeSlideBenchmark off = bench(w, h, source, false);
        System.out.println("conversion kernels: " + Vectorization.describe());
        String[] names = {"readBaseline", "readBaselinePlain", "pass read-ahead", "pass window by window"};
        Op[] ops = {on::readBaseline, on::readBaselinePlain, on::pass, off::pass};
        int m = ops.length;
        List<List<Double>> wall = new ArrayList<>();
        List<List<Double>> cpu = new ArrayList<>();
        List<List<Double>> gc = new ArrayList<>();
        List<List<Double>> rWall = List.of(new ArrayList<>(), new ArrayList<>());
        List<List<Double>> rCpu = List.of(new ArrayList<>(), new ArrayList<>());
        for (int k = 0; k < m; k++) {
            wall.add(new ArrayList<>());
            cpu.add(new ArrayList<>());
            gc.add(new ArrayList<>());
        }
        double mp = w * (double) h / 1e6;
        for (int round = -1; round < rounds; round++) {
            double[][] t = new double[m][];
            for (int k = 0; k < m; k++) {
                t[k] = time(ops[k]);
            }
            double load = ManagementFactory.getOperatingSystemMXBean().getSystemLoadAverage();
            System.out.printf(Locale.ROOT, "%s round %d (load %.1f):", round < 0 ? "warm-up" : "", round, load);
            for (int k = 0; k < m; k++) {
                System.out.printf(Locale.ROOT, "  %s %.2f s wall, %.2f s CPU (GC %.2f s);", names[k], t[k][0],
                        t[k][1], t[k][2]);
                if (round >= 0) {
                    wall.get(k).add(t[k][0]);
                    cpu.get(k).add(t[k][1]);
                    gc.get(k).add(t[k][2]);
                }
            }
            System.out.println();
            if (round >= 0) {
                for (int b = 0; b < 2; b++) {
                    rWall.get(b).add(t[2][0] / t[b][0]);
                    rCpu.get(b).add(t[2][1] / t[b][1]);
                }
            }
        }
        for (int k = 0; k < m; k++) {
            System.out.printf(Locale.ROOT, "%-22s median %.2f s wall (%.1f MP/s), %.2f s CPU (%.1f MP per CPU-s),"
                    + " of which GC threads %.2f s%n", names[k], median(wall.get(k)), mp / median(wall.get(k)),
                    median(cpu.get(k)), mp / median(cpu.get(k)), median(gc.get(k)));
        }
        for (int b = 0; b < 2; b++) {
            System.out.printf(Locale.ROOT, "pass read-ahead / %s, median of the rounds' ratios: wall %.2fx, CPU"
                    + " %.2fx%n", names[b], median(rWall.get(b)), median(rCpu.get(b)));
        }
        System.out.printf(Locale.ROOT, "load average at the end %.1f%n",
                ManagementFactory.getOperatingSystemMXBean().getSystemLoadAverage());
        on.report();
        off.report();
    }
}
