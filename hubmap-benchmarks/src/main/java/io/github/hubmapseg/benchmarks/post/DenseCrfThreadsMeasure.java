package io.github.hubmapseg.benchmarks.post;

import io.github.hubmapseg.core.slide.InMemoryImageSource;
import io.github.hubmapseg.tiling.post.DenseCrf;
import io.github.hubmapseg.tiling.post.DenseCrfSink;
import io.github.hubmapseg.tiling.sink.RowSink;
import java.io.IOException;
import java.util.Arrays;
import java.util.Locale;
import java.util.SplittableRandom;

/**
 * DenseCRF streamed over a slide ({@link DenseCrfSink}, {@link DenseCrf#TEAM_B}) with its patches on 1 thread and on
 * {@code T} threads, in the same JVM, alternating runs: seconds per run, MP/s of the slide and the speed-up, and a
 * check that every thread count gives the single-threaded result bit for bit. The slide is synthetic (pink discs on
 * white, noisy probabilities, as {@code DenseCrfBenchmark}), at reduce 1. Run:
 * {@code java -Xmx4g -cp hubmap-benchmarks/target/benchmarks.jar
 * io.github.hubmapseg.benchmarks.post.DenseCrfThreadsMeasure [width height patch overlap threads,... rounds]}
 * (default 2048 448 256 64 1,2 2).
 */
public final class DenseCrfThreadsMeasure {
    private DenseCrfThreadsMeasure() {
    }

    /**
     * @param args optional: width, height, patch, overlap, thread counts (comma-separated), rounds
     * @throws IOException never (in-memory slide)
     */
    public static void main(String[] args) throws IOException {
        int w = args.length > 0 ? Integer.parseInt(args[0]) : 2048;
        int h = args.length > 1 ? Integer.parseInt(args[1]) : 448;
        int patch = args.length > 2 ? Integer.parseInt(args[2]) : 256;
        int overlap = args.length > 3 ? Integer.parseInt(args[3]) : 64;
        int[] threads = Arrays.stream((args.length > 4 ? args[4] : "1,2").split(",")).mapToInt(Integer::parseInt)
                .toArray();
        int rounds = args.length > 5 ? Integer.parseInt(args[5]) : 2;
        int n = w * h;
        float[] prob = new float[n];
        byte[] rgb = new byte[3 * n];
        SplittableRandom rnd = new SplittableRandom(42);
        int r = 24;
        for (int y = 0; y < h; y++) {
            for (int x = 0; x < w; x++) {
                int cx = (x / (3 * r)) * 3 * r + 3 * r / 2;
                int cy = (y / (3 * r)) * 3 * r + 3 * r / 2;
                boolean in = (x - cx) * (x - cx) + (y - cy) * (y - cy) < r * r;
                int i = y * w + x;
                rgb[i] = (byte) (in ? 200 + rnd.nextInt(20) : 235 + rnd.nextInt(20));
                rgb[n + i] = (byte) (in ? 90 + rnd.nextInt(20) : 225 + rnd.nextInt(20));
                rgb[2 * n + i] = (byte) (in ? 150 + rnd.nextInt(20) : 230 + rnd.nextInt(20));
                boolean blob = (x - cx - 3) * (x - cx - 3) + (y - cy) * (y - cy) < (r + 3) * (r + 3);
                prob[i] = (float) Math.min(1, Math.max(0, (blob ? 0.65 : 0.3) + rnd.nextDouble() * 0.2 - 0.1));
            }
        }
        InMemoryImageSource slide = new InMemoryImageSource(rgb, w, h, 3);
        System.out.printf(Locale.ROOT, "slide %d x %d (%.2f MP), patch %d, overlap %d, %d processors%n", w, h, n / 1e6,
                patch, overlap, Runtime.getRuntime().availableProcessors());
        float[] reference = null;
        double[] best = new double[threads.length];
        Arrays.fill(best, Double.MAX_VALUE);
        for (int round = 0; round < rounds; round++) {
            for (int k = 0; k < threads.length; k++) {
                float[] out = new float[n];
                long t0 = System.nanoTime();
                DenseCrfSink s = new DenseCrfSink(DenseCrf.TEAM_B, slide, 1, patch, overlap, threads[k], new RowSink() {
                    @Override
                    public void accept(long y0, int rows, float[] band) {
                        System.arraycopy(band, 0, out, (int) y0 * w, rows * w);
                    }
                });
                s.begin(w, h);
                for (int y = 0; y < h; y += 64) {
                    int rows = Math.min(64, h - y);
                    s.accept(y, rows, Arrays.copyOfRange(prob, y * w, (y + rows) * w));
                }
                s.end();
                double sec = (System.nanoTime() - t0) / 1e9;
                best[k] = Math.min(best[k], sec);
                if (reference == null) {
                    reference = out;
                }
                boolean same = Arrays.equals(out, reference);
                System.out.printf(Locale.ROOT, "round %d, %d thread(s): %d patches, %.2f s, %.3f MP/s, identical to "
                        + "the first run: %s%n", round, threads[k], s.patches(), sec, n / 1e6 / sec, same);
                if (!same) {
                    throw new IllegalStateException("results differ with " + threads[k] + " threads");
                }
            }
        }
        for (int k = 0; k < threads.length; k++) {
            System.out.printf(Locale.ROOT, "best of %d: %d thread(s) %.2f s (%.3f MP/s), speed-up %.2f x%n", rounds,
                    threads[k], best[k], n / 1e6 / best[k], best[0] / best[k]);
        }
    }
}
