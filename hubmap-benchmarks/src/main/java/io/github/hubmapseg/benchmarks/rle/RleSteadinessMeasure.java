package io.github.hubmapseg.benchmarks.rle;

import io.github.hubmapseg.core.rle.Rle;
import io.github.hubmapseg.core.rle.RleRuns;
import java.io.IOException;
import java.lang.management.GarbageCollectorMXBean;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Locale;

/**
 * Where the iteration-to-iteration spread of RLE encoding comes from: encodes the 16000 x 16000 mask of
 * {@link RleBenchmark} {@code n} times and prints, per encode, wall time, CPU time of all threads, minor page
 * faults and GC collections during it, and the load average; then min / median / max of wall and CPU time.
 * On a quiet machine wall and CPU time agree; when other processes compete for the cores the wall time
 * swings while CPU time, page faults and GC stay flat.
 *
 * <pre>java -cp hubmap-benchmarks/target/benchmarks.jar io.github.hubmapseg.benchmarks.rle.RleSteadinessMeasure [n]</pre>
 */
public final class RleSteadinessMeasure {

    private RleSteadinessMeasure() {
    }

    public static void main(String[] args) throws IOException {
        int size = 16000;
        int n = args.length > 0 ? Integer.parseInt(args[0]) : 30;
        byte[] mask = RleBenchmark.disks(size, 0, 42);
        com.sun.management.OperatingSystemMXBean os =
                (com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean();
        long sink = 0;
        for (int i = 0; i < 20; i++) {
            sink += Rle.runs(mask, size, size).size();
        }
        double[] wall = new double[n];
        double[] cpu = new double[n];
        System.out.printf(Locale.ROOT, "%4s %9s %9s %10s %8s %4s %6s%n", "iter", "wall ms", "cpu ms", "MP/s wall",
                "minflt", "gc", "load1");
        for (int i = 0; i < n; i++) {
            long f0 = minorFaults();
            long g0 = gcCount();
            long c0 = threadsCpu();
            long t0 = System.nanoTime();
            RleRuns r = Rle.runs(mask, size, size);
            long t1 = System.nanoTime();
            long c1 = threadsCpu();
            sink += r.size();
            wall[i] = (t1 - t0) / 1e6;
            cpu[i] = (c1 - c0) / 1e6;
            System.out.printf(Locale.ROOT, "%4d %9.1f %9.1f %10.0f %8d %4d %6.2f%n", i, wall[i], cpu[i],
                    (double) size * size / 1e6 / (wall[i] / 1e3), minorFaults() - f0, gcCount() - g0,
                    os.getSystemLoadAverage());
        }
        System.out.printf(Locale.ROOT, "wall ms min/median/max %.1f / %.1f / %.1f (max/min %.2f); cpu ms %.1f / %.1f / %.1f"
                + " (max/min %.2f); best %.0f MP/s; %d processors (checksum %d)%n",
                min(wall), median(wall), max(wall), max(wall) / min(wall), min(cpu), median(cpu), max(cpu),
                max(cpu) / min(cpu), (double) size * size / 1e6 / (min(wall) / 1e3),
                Runtime.getRuntime().availableProcessors(), sink);
    }

    private static long minorFaults() throws IOException {
        String s = Files.readString(Path.of("/proc/self/stat"));
        String[] f = s.substring(s.lastIndexOf(')') + 2).split(" ");
        return Long.parseLong(f[7]); // field 10 of stat: minflt
    }

    /** CPU time of all live threads, nanoseconds (finer than the process's clock-tick counter). */
    private static long threadsCpu() {
        java.lang.management.ThreadMXBean mx = ManagementFactory.getThreadMXBean();
        long sum = 0;
        for (long id : mx.getAllThreadIds()) {
            sum += Math.max(0, mx.getThreadCpuTime(id));
        }
        return sum;
    }

    private static long gcCount() {
        long c = 0;
        for (GarbageCollectorMXBean b : ManagementFactory.getGarbageCollectorMXBeans()) {
            c += Math.max(0, b.getCollectionCount());
        }
        return c;
    }

    private static double min(double[] v) {
        return Arrays.stream(v).min().orElse(0);
    }

    private static double max(double[] v) {
        return Arrays.stream(v).max().orElse(0);
    }

    private static double median(double[] v) {
        double[] s = v.clone();
        Arrays.sort(s);
        return s[s.length / 2];
    }
}
