package io.github.hubmapseg.benchmarks.slide;

import io.github.hubmapseg.core.slide.AbstractImageSource;
import io.github.hubmapseg.core.synth.HardSyntheticSlide;
import io.github.hubmapseg.core.synth.SlideSpec;
import io.github.hubmapseg.core.synth.SyntheticSlide;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.util.Locale;

/**
 * Generation cost of the hard synthetic profile relative to the easy one, by <b>thread CPU time</b> (so that a
 * shared machine's load does not enter the ratio), the two alternating in one JVM: the regions of
 * {@link SyntheticSlideBenchmark} (five 1024 x 1024 regions of a 30000 x 25000 slide), twice per round, 8 rounds
 * after 2 warm-up rounds; prints each round and the median ratio hard / easy. Run:
 * {@code java -cp hubmap-benchmarks/target/benchmarks.jar io.github.hubmapseg.benchmarks.slide.SyntheticProfileMeasure}.
 */
public final class SyntheticProfileMeasure {
    private SyntheticProfileMeasure() {
    }

    public static void main(String[] args) throws Exception {
        SlideSpec spec = new SlideSpec("bench", 30000, 25000, 1);
        AbstractImageSource easy = SyntheticSlide.create(spec);
        AbstractImageSource hard = HardSyntheticSlide.create(spec, HardSyntheticSlide.Options.all());
        long[][] at = {{14000, 12000}, {6000, 12000}, {100, 100}, {20000, 6000}, {9000, 16000}};
        byte[] dst = new byte[1024 * 1024 * 3];
        ThreadMXBean mx = ManagementFactory.getThreadMXBean();
        double[] ratios = new double[8];
        for (int r = -2; r < ratios.length; r++) {
            long te = 0;
            long th = 0;
            for (int k = 0; k < 2; k++) {
                long t0 = mx.getCurrentThreadCpuTime();
                for (long[] p : at) {
                    easy.readInto(p[0], p[1], 1024, 1024, dst);
                }
                long t1 = mx.getCurrentThreadCpuTime();
                for (long[] p : at) {
                    hard.readInto(p[0], p[1], 1024, 1024, dst);
                }
                long t2 = mx.getCurrentThreadCpuTime();
                te += t1 - t0;
                th += t2 - t1;
            }
            if (r >= 0) {
                ratios[r] = (double) th / te;
                System.out.printf(Locale.ROOT, "round %d: easy %.1f MP/s, hard %.1f MP/s per core, hard/easy %.2f%n", r,
                        2 * 5.24288 / (te / 1e9), 2 * 5.24288 / (th / 1e9), ratios[r]);
            }
        }
        java.util.Arrays.sort(ratios);
        System.out.printf(Locale.ROOT, "median hard/easy CPU time per pixel: %.2f%n",
                (ratios[3] + ratios[4]) / 2);
    }
}
