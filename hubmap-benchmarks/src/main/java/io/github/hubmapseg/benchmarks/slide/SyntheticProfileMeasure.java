package io.github.hubmapseg.benchmarks.slide;

import io.github.hubmapseg.core.synth.HardSyntheticSlide;
import io.github.hubmapseg.core.synth.SlideSpec;
import io.github.hubmapseg.core.synth.SyntheticSlide;
import java.lang.management.ManagementFactory;
import java.lang.management.OperatingSystemMXBean;
import java.lang.management.ThreadMXBean;
import java.lang.reflect.Method;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.CyclicBarrier;

/**
 * Generation cost of the hard synthetic profile relative to the easy one, by <b>CPU time</b> (so that a shared
 * machine's load does not enter the ratio): the regions of {@link SyntheticSlideBenchmark} (five 1024 x 1024
 * regions of a 30000 x 25000 slide), the generators interleaved region by region in one JVM (their order rotating
 * from round to round), 2 warm-up rounds, then medians over the rounds.
 *
 * <p>{@code --baseline JAR} adds the two profiles of another build (e.g. main's {@code benchmarks.jar}), loaded in a
 * class loader of their own, so that a change is measured against the code it replaces in the same run:
 * {@code hard / easy@base} is the figure (the hard profile of this build against the easy profile as it
 * was). {@code --threads N} has N threads generate at once (thread {@code t} reads region {@code (p + t) mod 5}),
 * each generator's step started and ended together; the CPU time is the sum over the threads, the wall time is
 * printed too (meaningful on an idle machine only).
 *
 * <pre>
 * java -cp hubmap-benchmarks/target/benchmarks.jar io.github.hubmapseg.benchmarks.slide.SyntheticProfileMeasure \
 *     [--baseline main-benchmarks.jar] [--threads 1] [--rounds 12]
 * </pre>
 */
public final class SyntheticProfileMeasure {
    private static final long[][] AT = {{14000, 12000}, {6000, 12000}, {100, 100}, {20000, 6000}, {9000, 16000}};
    private static final int SIDE = 1024;

    private SyntheticProfileMeasure() {
    }

    /** One generator: reads a region into a planar RGB buffer. */
    private interface Reader {
        void read(long x, long y, int w, int h, byte[] dst) throws Exception;
    }

    private record Gen(String name, Reader reader) {
    }

    public static void main(String[] args) throws Exception {
        String baseline = null;
        int threads = 1;
        int rounds = 12;
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--baseline" -> baseline = args[++i];
                case "--threads" -> threads = Integer.parseInt(args[++i]);
                case "--rounds" -> rounds = Integer.parseInt(args[++i]);
                default -> throw new IllegalArgumentException("unknown argument " + args[i]
                        + " (expected --baseline JAR, --threads N, --rounds R)");
            }
        }
        if (threads < 1 || rounds < 1) {
            throw new IllegalArgumentException("threads and rounds must be >= 1, got " + threads + " and " + rounds);
        }
        SlideSpec spec = new SlideSpec("bench", 30000, 25000, 1);
        List<Gen> gens = new ArrayList<>();
        SyntheticSlide easy = SyntheticSlide.create(spec);
        HardSyntheticSlide hard = HardSyntheticSlide.create(spec, HardSyntheticSlide.Options.all());
        gens.add(new Gen("easy", easy::readInto));
        gens.add(new Gen("hard", hard::readInto));
        if (baseline != null) {
            URLClassLoader cl = new URLClassLoader(new URL[] {Path.of(baseline).toUri().toURL()},
                    ClassLoader.getPlatformClassLoader());
            gens.add(new Gen("easy@base", baseReader(cl, false)));
            gens.add(new Gen("hard@base", baseReader(cl, true)));
        }
        int ng = gens.size();
        OperatingSystemMXBean os = ManagementFactory.getOperatingSystemMXBean();
        System.out.printf(Locale.ROOT, "threads %d, rounds %d, generators %s, load %.1f%n", threads, rounds,
                gens.stream().map(Gen::name).toList(), os.getSystemLoadAverage());
        long[][] cpu = new long[rounds][ng];
        long[][] wall = new long[rounds][ng];
        ThreadMXBean mx = ManagementFactory.getThreadMXBean();
        CyclicBarrier barrier = new CyclicBarrier(threads);
        long[][] perThread = new long[threads][];
        int nThreads = threads;
        int nRounds = rounds;
        List<Thread> workers = new ArrayList<>();
        Throwable[] failure = new Throwable[1];
        for (int t = 0; t < threads; t++) {
            int tid = t;
            Thread th = new Thread(() -> {
                byte[] dst = new byte[SIDE * SIDE * 3];
                try {
                    for (int r = -2; r < nRounds; r++) {
                        for (int p = 0; p < AT.length; p++) {
                            long[] at = AT[(p + tid) % AT.length];
                            for (int q = 0; q < ng; q++) {
                                int g = Math.floorMod(q + r, ng);
                                barrier.await();
                                long w0 = System.nanoTime();
                                long c0 = mx.getCurrentThreadCpuTime();
                                gens.get(g).reader().read(at[0], at[1], SIDE, SIDE, dst);
                                long c1 = mx.getCurrentThreadCpuTime();
                                barrier.await();
                                long w1 = System.nanoTime();
                                if (r >= 0) {
                                    synchronized (cpu) {
                                        cpu[r][g] += c1 - c0;
                                        if (tid == 0) {
                                            wall[r][g] += w1 - w0;
                                        }
                                    }
                                }
                            }
                        }
                    }
                } catch (Throwable e) {
                    failure[0] = e;
                    barrier.reset();
                }
            });
            workers.add(th);
            th.start();
        }
        for (Thread th : workers) {
            th.join();
        }
        if (failure[0] != null) {
            throw new IllegalStateException(failure[0]);
        }
        double mp = nThreads * AT.length * SIDE * (double) SIDE / 1e6;
        for (int r = 0; r < rounds; r++) {
            StringBuilder sb = new StringBuilder("round " + r + ":");
            for (int g = 0; g < ng; g++) {
                sb.append(String.format(Locale.ROOT, " %s %.1f MP/s CPU (%.1f wall)", gens.get(g).name(),
                        mp / (cpu[r][g] / 1e9), mp / (wall[r][g] / 1e9)));
            }
            System.out.println(sb);
        }
        System.out.printf(Locale.ROOT, "median CPU time per pixel, %d thread(s), load %.1f:%n", nThreads,
                os.getSystemLoadAverage());
        ratio(cpu, 1, 0, "hard / easy");
        if (ng == 4) {
            ratio(cpu, 1, 2, "hard / easy@base");
            ratio(cpu, 3, 2, "hard@base / easy@base");
            ratio(cpu, 1, 3, "hard / hard@base");
            ratio(cpu, 0, 2, "easy / easy@base");
        }
    }

    private static void ratio(long[][] cpu, int a, int b, String name) {
        double[] r = new double[cpu.length];
        for (int i = 0; i < r.length; i++) {
            r[i] = (double) cpu[i][a] / cpu[i][b];
        }
        Arrays.sort(r);
        double med = r.length % 2 == 1 ? r[r.length / 2] : (r[r.length / 2 - 1] + r[r.length / 2]) / 2;
        System.out.printf(Locale.ROOT, "  %-22s %.3f  (rounds: min %.3f, max %.3f)%n", name, med, r[0],
                r[r.length - 1]);
    }

    /** The easy or hard profile of another build, through reflection on its own classes. */
    private static Reader baseReader(ClassLoader cl, boolean hardProfile) throws Exception {
        Class<?> specC = cl.loadClass("io.github.hubmapseg.core.synth.SlideSpec");
        Object spec = specC.getConstructor(String.class, int.class, int.class, long.class)
                .newInstance("bench", 30000, 25000, 1L);
        Object slide;
        if (hardProfile) {
            Class<?> hardC = cl.loadClass("io.github.hubmapseg.core.synth.HardSyntheticSlide");
            Class<?> optC = cl.loadClass("io.github.hubmapseg.core.synth.HardSyntheticSlide$Options");
            slide = hardC.getMethod("create", specC, optC).invoke(null, spec, optC.getMethod("all").invoke(null));
        } else {
            slide = cl.loadClass("io.github.hubmapseg.core.synth.SyntheticSlide").getMethod("create", specC)
                    .invoke(null, spec);
        }
        Method m = cl.loadClass("io.github.hubmapseg.core.slide.AbstractImageSource")
                .getMethod("readInto", long.class, long.class, int.class, int.class, byte[].class);
        return (x, y, w, h, dst) -> m.invoke(slide, x, y, w, h, dst);
    }
}
