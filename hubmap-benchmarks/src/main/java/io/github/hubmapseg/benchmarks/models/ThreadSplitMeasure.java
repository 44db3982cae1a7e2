package io.github.hubmapseg.benchmarks.models;

import io.github.hubmapseg.models.Dl4jRuntime;
import io.github.hubmapseg.models.Models;
import io.github.hubmapseg.models.SegmentationModel;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Where the CPU time of a U-Net training step goes, per thread: reads every thread's user + system time
 * ({@code /proc/self/task/TID/stat}, clock ticks) before and after N steps and prints, per step, the CPU time of
 * the thread that calls {@code fit} (the DL4J graph, ND4J's Java side and every op run inline), of the other
 * native threads (OpenMP workers of oneDNN and libnd4j), and of the JVM's own threads (GC, JIT), with the wall
 * time. CPU times do not depend on how loaded the machine is, wall times do. With {@code OMP_NUM_THREADS=2} the
 * second core can at best take the workers' share: if the calling thread's CPU time per step is most of the step,
 * the second core cannot help much. The PyTorch counterpart is {@code src/main/python/thread_split.py}.
 * Run: {@code OMP_NUM_THREADS=2 java -cp hubmap-benchmarks/target/benchmarks.jar
 * io.github.hubmapseg.benchmarks.models.ThreadSplitMeasure [tiny|resnext50_32x4d] [steps]}.
 */
public final class ThreadSplitMeasure {
    private ThreadSplitMeasure() {
    }

    /** @return CPU ticks by thread id, with the thread's name, of this process */
    static Map<Long, Object[]> threads() throws IOException {
        Map<Long, Object[]> out = new TreeMap<>();
        try (var dirs = Files.list(Paths.get("/proc/self/task"))) {
            for (Path d : (Iterable<Path>) dirs::iterator) {
                try {
                    String stat = Files.readString(d.resolve("stat"));
                    int close = stat.lastIndexOf(')');
                    String name = stat.substring(stat.indexOf('(') + 1, close);
                    String[] f = stat.substring(close + 2).split(" ");
                    long ticks = Long.parseLong(f[11]) + Long.parseLong(f[12]); // utime, stime
                    out.put(Long.parseLong(d.getFileName().toString()), new Object[] {name, ticks});
                } catch (IOException | RuntimeException e) {
                    // the thread ended meanwhile
                }
            }
        }
        return out;
    }

    /** Runs {@code work} {@code steps} times and prints wall and per-thread CPU time per call. */
    static void measure(String what, String omp, int steps, long self, Runnable work) throws IOException {
        work.run();
        Map<Long, Object[]> before = threads();
        long t0 = System.nanoTime();
        for (int i = 0; i < steps; i++) {
            work.run();
        }
        double wall = (System.nanoTime() - t0) / 1e6 / steps;
        Map<Long, Object[]> after = threads();
        double tick = 1000.0 / 100; // ms per clock tick (USER_HZ = 100 on Linux)
        double caller = 0;
        double workers = 0;
        double jvm = 0;
        List<String> rows = new ArrayList<>();
        for (Map.Entry<Long, Object[]> e : after.entrySet()) {
            Object[] p = before.get(e.getKey());
            long d = (long) e.getValue()[1] - (p == null ? 0 : (long) p[1]);
            if (d == 0) {
                continue;
            }
            double ms = d * tick / steps;
            String name = (String) e.getValue()[0];
            if (e.getKey() == self) {
                caller += ms;
            } else if ("main".equals(name) || "java".equals(name)) {
                workers += ms; // native threads started by the main thread inherit its name
            } else {
                jvm += ms;
            }
            rows.add(String.format(Locale.ROOT, "  tid %d %-16s %8.1f ms/call", e.getKey(), name, ms));
        }
        System.out.printf(Locale.ROOT, "DL4J %s, OMP_NUM_THREADS=%s, %d calls: wall %.1f ms/call; CPU per call: "
                + "calling thread %.1f ms, other native threads %.1f ms, JVM threads %.1f ms, total %.1f ms%n", what,
                omp, steps, wall, caller, workers, jvm, caller + workers + jvm);
        rows.forEach(System.out::println);
    }

    /**
     * @param a encoder (default tiny) and number of measured steps (default 10)
     * @throws IOException if /proc cannot be read
     */
    public static void main(String[] a) throws IOException {
        String encoder = a.length > 0 ? a[0] : "tiny";
        int steps = a.length > 1 ? Integer.parseInt(a[1]) : 10;
        Dl4jRuntime.configure();
        Models.Builder b = Models.builder("unet", encoder).seed(1);
        if ("tiny".equals(encoder)) {
            b.decoderChannels(List.of(32, 24, 16, 8, 8));
        }
        long self = Long.parseLong(Files.readSymbolicLink(Paths.get("/proc/thread-self")).getFileName().toString());
        try (SegmentationModel m = b.build()) {
            Nd4j.getRandom().setSeed(1);
            INDArray x = Nd4j.rand(DataType.FLOAT, 4, 256, 256, 3);
            INDArray y = Nd4j.rand(DataType.FLOAT, 4, 256, 256, 1).gt(0.5).castTo(DataType.FLOAT);
            for (int i = 0; i < 2; i++) {
                m.fit(x, y);
            }
            String omp = System.getenv("OMP_NUM_THREADS");
            measure(encoder + " forward", omp, steps, self, () -> m.logits(x));
            measure(encoder + " train step", omp, steps, self, () -> m.fit(x, y));
        }
    }
}
