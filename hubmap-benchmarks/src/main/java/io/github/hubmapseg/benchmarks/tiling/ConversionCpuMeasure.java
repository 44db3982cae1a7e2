package io.github.hubmapseg.benchmarks.tiling;

import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;

/**
 * The window assembly's inner loop in isolation (issue #19, whole-slide pass): 512 x 512 windows at stride 384
 * copied out of a ring of 8-bit rows into float batches, by the thread CPU time of the one thread doing it,
 * interleaved round by round, medians. Ways: {@code cast} ({@code dst[i] = ring[s + i] & 0xFF}, the band's loop),
 * {@code lut} (a 256-entry float table, {@code dst[i] = LUT[ring[s + i] & 0xFF]}), {@code floatRing} (the ring
 * already converted to float, {@code System.arraycopy}: what a float ring would cost per window, 4x its memory).
 * Destinations: {@code hot} (one window array, stays in cache) and {@code cold} (8 batches of 8 windows in
 * turn, 200 MB, as prefetched batches are).
 *
 * <pre>java -cp hubmap-benchmarks/target/benchmarks.jar io.github.hubmapseg.benchmarks.tiling.ConversionCpuMeasure 9</pre>
 */
public final class ConversionCpuMeasure {

    private static final float[] LUT = new float[256];

    static {
        for (int i = 0; i < 256; i++) {
            LUT[i] = i;
        }
    }

    private ConversionCpuMeasure() {
    }

    static void cast(byte[] ring, int s, float[] dst, int d, int n) {
        for (int i = 0; i < n; i++) {
            dst[d + i] = ring[s + i] & 0xFF;
        }
    }

    static void lut(byte[] ring, int s, float[] dst, int d, int n) {
        float[] t = LUT;
        for (int i = 0; i < n; i++) {
            dst[d + i] = t[ring[s + i] & 0xFF];
        }
    }

    /** Assembles {@code windows} windows of one tile row into {@code dst} (one window at a time), by one way. */
    static double assemble(int way, byte[] ring, float[] fring, int width, int windows, float[][] dst, int first) {
        int win = 512;
        double sum = 0;
        for (int k = 0; k < windows; k++) {
            float[] out = dst[(first + k / 8) % dst.length];
            int off = (k % 8) * win * win % out.length;
            int x0 = (k * 384) % (width - win);
            for (int j = 0; j < win; j++) {
                int s = j * width + x0;
                int d = off + j * win;
                switch (way) {
                    case 0 -> cast(ring, s, out, d, win);
                    case 1 -> lut(ring, s, out, d, win);
                    default -> System.arraycopy(fring, s, out, d, win);
                }
            }
            sum += out[off] + out[off + win * win - 1];
        }
        return sum;
    }

    /** @param args rounds */
    public static void main(String[] args) {
        int rounds = args.length > 0 ? Integer.parseInt(args[0]) : 9;
        int width = 12000;
        int rows = 512;
        byte[] ring = new byte[width * rows];
        for (int i = 0; i < ring.length; i++) {
            ring[i] = (byte) (i * 31 + i / width);
        }
        float[] fring = new float[ring.length];
        for (int i = 0; i < ring.length; i++) {
            fring[i] = ring[i] & 0xFF;
        }
        float[][] hot = {new float[512 * 512]};
        float[][] cold = new float[8][8 * 512 * 512];
        ThreadMXBean tm = ManagementFactory.getThreadMXBean();
        String[] names = {"cast hot", "lut hot", "floatRing hot", "cast cold", "lut cold", "floatRing cold"};
        List<List<Double>> ns = new ArrayList<>();
        for (int m = 0; m < names.length; m++) {
            ns.add(new ArrayList<>());
        }
        int windows = 64;
        double sink = 0;
        for (int round = -2; round < rounds; round++) {
            for (int m = 0; m < names.length; m++) {
                float[][] dst = m < 3 ? hot : cold;
                long c0 = tm.getCurrentThreadCpuTime();
                sink += assemble(m % 3, ring, fring, width, windows, dst, round & 7);
                double perValue = (tm.getCurrentThreadCpuTime() - c0) / (windows * 512.0 * 512.0);
                if (round >= 0) {
                    ns.get(m).add(perValue);
                }
            }
        }
        double load = ManagementFactory.getOperatingSystemMXBean().getSystemLoadAverage();
        for (int m = 0; m < names.length; m++) {
            double[] v = ns.get(m).stream().mapToDouble(Double::doubleValue).sorted().toArray();
            System.out.printf(Locale.ROOT, "%-15s median %.3f ns per value (min %.3f), %d rounds%n", names[m],
                    v[v.length / 2], v[0], v.length);
        }
        System.out.printf(Locale.ROOT, "load average %.1f (checksum %s)%n", load, Arrays.hashCode(new double[] {sink}));
    }
}
