package io.github.hubmapseg.benchmarks.cohort;

import java.lang.management.ManagementFactory;
import java.util.Arrays;
import java.util.Locale;

/**
 * The unit bookkeeping's cost with the load of a shared machine taken out: {@link CohortBenchmark}'s
 * {@code engine} and {@code units} ops ALTERNATED {@code n} times on the same cohort in one JVM, each timed in wall
 * and in CPU time of the whole process (CPU time does not grow when other processes take the cores); prints each
 * round and the median ratio units / engine of both.
 *
 * <pre>java -cp hubmap-benchmarks/target/benchmarks.jar io.github.hubmapseg.benchmarks.cohort.CohortOverheadMeasure
 *     [n=10] [slides=8] [size=1024] [predictor=mean]</pre>
 */
public final class CohortOverheadMeasure {

    private CohortOverheadMeasure() {
    }

    public static void main(String[] args) throws Exception {
        int n = args.length > 0 ? Integer.parseInt(args[0]) : 10;
        CohortBenchmark b = new CohortBenchmark();
        b.slides = args.length > 1 ? Integer.parseInt(args[1]) : 8;
        b.size = args.length > 2 ? Integer.parseInt(args[2]) : 1024;
        b.predictor = args.length > 3 ? args[3] : "mean";
        com.sun.management.OperatingSystemMXBean os =
                (com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean();
        b.setUp();
        try {
            for (int i = 0; i < 2; i++) { // warm-up
                b.engine();
                b.freshFolder();
                b.units();
            }
            double[] wall = new double[n];
            double[] cpu = new double[n];
            System.out.printf(Locale.ROOT, "%5s %10s %10s %10s %10s %6s%n", "round", "engine s", "units s",
                    "engine cpu", "units cpu", "load1");
            for (int i = 0; i < n; i++) {
                long w0 = System.nanoTime();
                long c0 = os.getProcessCpuTime();
                b.engine();
                long w1 = System.nanoTime();
                long c1 = os.getProcessCpuTime();
                b.freshFolder();
                long w2 = System.nanoTime();
                long c2 = os.getProcessCpuTime();
                b.units();
                long w3 = System.nanoTime();
                long c3 = os.getProcessCpuTime();
                wall[i] = (w3 - w2) / (double) (w1 - w0);
                cpu[i] = (c3 - c2) / (double) (c1 - c0);
                System.out.printf(Locale.ROOT, "%5d %10.3f %10.3f %10.3f %10.3f %6.1f%n", i, (w1 - w0) / 1e9,
                        (w3 - w2) / 1e9, (c1 - c0) / 1e9, (c3 - c2) / 1e9, os.getSystemLoadAverage());
            }
            Arrays.sort(wall);
            Arrays.sort(cpu);
            System.out.printf(Locale.ROOT, "units / engine, median of %d rounds: wall %.3f (min %.3f, max %.3f), "
                    + "cpu %.3f (min %.3f, max %.3f)%n", n, wall[n / 2], wall[0], wall[n - 1], cpu[n / 2], cpu[0],
                    cpu[n - 1]);
        } finally {
            b.tearDown();
        }
    }
}
