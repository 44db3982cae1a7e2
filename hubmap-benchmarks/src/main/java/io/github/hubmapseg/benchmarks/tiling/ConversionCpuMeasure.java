package io.github.hubmapseg.benchmarks.tiling;

import io.github.hubmapseg.tiling.Rasters;
import io.github.hubmapseg.tiling.Vectorization;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;

/**
 * The window assembly's inner loop in isolation (issue #19, whole-slide pass): 512 x 512 RGB windows at stride 384
 * converted out of a ring of 8-bit rows into float batches (3 planes per window), by the thread CPU time of the
 * one thread doing it, interleaved round by round, medians, in ns per float written. Ways: {@code plain planar}
 * (a planar ring, {@code dst[i] = ring[s + i] & 0xFF}, the band's loop before the Vector API kernels),
 * {@code kernel planar} (the same by the engine's kernel, {@link Rasters#toFloats(byte[], int, float[], int, int)}),
 * {@code plain chunky} (a ring of interleaved RGB rows as an uncompressed TIFF stores them, deinterleaved while
 * converting, one channel at a time: the band's loop before), {@code kernel chunky} (the same by the kernel,
 * {@link Rasters#toFloats(byte[], int, int, float[], int, int, int)}: all channels of a row segment at once) and
 * {@code floatRing} (a planar ring already converted to float, {@code System.arraycopy}: a copy's cost, for
 * scale). Destinations: {@code hot} (one window array, stays in cache) and {@code cold} (8 batches of 8 windows
 * in turn, 200 MB). The kernels are the Vector API's when the JVM runs with
 * {@code --add-modules=jdk.incubator.vector} (and without {@code -Dhubmap.simd=off}); the first line says which.
 *
 * <pre>java --add-modules=jdk.incubator.vector -cp hubmap-benchmarks/target/benchmarks.jar \
 *     io.github.hubmapseg.benchmarks.tiling.ConversionCpuMeasure 9</pre>
 */
public final class ConversionCpuMeasure {

    private static final int WIN = 512;
    private static final int PLANE = WIN * WIN;

    private ConversionCpuMeasure() {
    }

    /** Assembles {@code windows} RGB windows of one tile row into {@code dst} (one window at a time), by one way. */
    static double assemble(int way, byte[] ring, byte[] chunky, float[] fring, int width, int rows, int windows,
                           float[][] dst, int first) {
        double sum = 0;
        int planeIn = width * rows;
        for (int k = 0; k < windows; k++) {
            float[] out = dst[(first + k / 8) % dst.length];
            int off = (k % 8) * 3 * PLANE % out.length;
            int x0 = (k * 384) % (width - WIN);
            for (int j = 0; j < WIN; j++) {
                int d = off + j * WIN;
                switch (way) {
                    case 0 -> {
                        for (int c = 0; c < 3; c++) {
                            int s = c * planeIn + j * width + x0;
                            int o = d + c * PLANE;
                            for (int i = 0; i < WIN; i++) {
                                out[o + i] = ring[s + i] & 0xFF;
                            }
                        }
                    }
                    case 1 -> {
                        for (int c = 0; c < 3; c++) {
                            Rasters.toFloats(ring, c * planeIn + j * width + x0, out, d + c * PLANE, WIN);
                        }
                    }
                    case 2 -> {
                        int s = (j * width + x0) * 3;
                        for (int c = 0; c < 3; c++) {
                            int o = d + c * PLANE;
                            for (int i = 0; i < WIN; i++) {
                                out[o + i] = chunky[s + i * 3 + c] & 0xFF;
                            }
                        }
                    }
                    case 3 -> Rasters.toFloats(chunky, (j * width + x0) * 3, 3, out, d, PLANE, WIN);
                    default -> {
                        for (int c = 0; c < 3; c++) {
                            System.arraycopy(fring, c * planeIn + j * width + x0, out, d + c * PLANE, WIN);
                        }
                    }
                }
            }
            sum += out[off] + out[off + 3 * PLANE - 1];
        }
        return sum;
    }

    /** @param args rounds */
    public static void main(String[] args) {
        int rounds = args.length > 0 ? Integer.parseInt(args[0]) : 9;
        int width = 12000;
        int rows = 512;
        byte[] chunky = new byte[width * rows * 3];
        for (int i = 0; i < chunky.length; i++) {
            chunky[i] = (byte) (i * 31 + i / width);
        }
        byte[] ring = new byte[chunky.length];
        float[] fring = new float[chunky.length];
        int planeIn = width * rows;
        for (int p = 0; p < planeIn; p++) {
            for (int c = 0; c < 3; c++) {
                ring[p + c * planeIn] = chunky[p * 3 + c];
                fring[p + c * planeIn] = chunky[p * 3 + c] & 0xFF;
            }
        }
        float[][] hot = {new float[3 * PLANE]};
        float[][] cold = new float[8][8 * 3 * PLANE];
        // the ways must agree before they are timed
        float[][] check = new float[5][3 * PLANE];
        for (int way = 0; way < 5; way++) {
            assemble(way, ring, chunky, fring, width, rows, 1, new float[][] {check[way]}, 0);
            if (!Arrays.equals(check[way], check[0])) {
                throw new IllegalStateException("way " + way + " gives other values than the plain loop");
            }
        }
        System.out.println("conversion kernels: " + Vectorization.describe());
        ThreadMXBean tm = ManagementFactory.getThreadMXBean();
        String[] ways = {"plain planar", "kernel planar", "plain chunky", "kernel chunky", "floatRing"};
        List<List<Double>> ns = new ArrayList<>();
        for (int m = 0; m < 2 * ways.length; m++) {
            ns.add(new ArrayList<>());
        }
        int windows = 32;
        double sink = 0;
        for (int round = -2; round < rounds; round++) {
            for (int m = 0; m < 2 * ways.length; m++) {
                float[][] dst = m < ways.length ? hot : cold;
                long c0 = tm.getCurrentThreadCpuTime();
                sink += assemble(m % ways.length, ring, chunky, fring, width, rows, windows, dst, round & 7);
                double perValue = (tm.getCurrentThreadCpuTime() - c0) / (windows * 3.0 * PLANE);
                if (round >= 0) {
                    ns.get(m).add(perValue);
                }
            }
        }
        double load = ManagementFactory.getOperatingSystemMXBean().getSystemLoadAverage();
        for (int m = 0; m < 2 * ways.length; m++) {
            double[] v = ns.get(m).stream().mapToDouble(Double::doubleValue).sorted().toArray();
            System.out.printf(Locale.ROOT, "%-14s %-4s median %.3f ns per value (min %.3f), %d rounds%n",
                    ways[m % ways.length], m < ways.length ? "hot" : "cold", v[v.length / 2], v[0], v.length);
        }
        System.out.printf(Locale.ROOT, "load average %.1f (checksum %s)%n", load, Arrays.hashCode(new double[] {sink}));
    }
}
