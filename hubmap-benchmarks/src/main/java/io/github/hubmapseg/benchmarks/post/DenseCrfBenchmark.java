package io.github.hubmapseg.benchmarks.post;

import io.github.hubmapseg.tiling.post.DenseCrf;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * DenseCRF ({@link DenseCrf#TEAM_B}: Gaussian and bilateral kernels on permutohedral lattices, 5 mean-field
 * iterations) on one {@code patch x patch} patch of a synthetic slide (pink discs on white with noisy
 * probabilities). One operation = one patch; MP/s = patch^2 / 1e6 / (seconds per op). {@code baseline} is a plain
 * pass over the same patch (pydensecrf's {@code unary_from_softmax}: two logarithms a pixel, the work every CRF
 * starts with), so {@code crf / baseline} is the CRF's cost in plain passes, comparable across machines.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 2, time = 3)
@Measurement(iterations = 3, time = 3)
@Fork(value = 1, jvmArgsAppend = {"-Xmx2g", "-Xms2g"})
public class DenseCrfBenchmark {

    @Param({"512", "1280"})
    public int patch;

    private float[] prob;
    private byte[] rgb;

    @Setup(Level.Trial)
    public void setUp() {
        int n = patch * patch;
        prob = new float[n];
        rgb = new byte[3 * n];
        SplittableRandom rnd = new SplittableRandom(42);
        int r = Math.max(20, patch / 12);
        for (int y = 0; y < patch; y++) {
            for (int x = 0; x < patch; x++) {
                int cx = (x / (3 * r)) * 3 * r + 3 * r / 2;
                int cy = (y / (3 * r)) * 3 * r + 3 * r / 2;
                boolean in = (x - cx) * (x - cx) + (y - cy) * (y - cy) < r * r;
                int i = y * patch + x;
                rgb[i] = (byte) (in ? 200 + rnd.nextInt(20) : 235 + rnd.nextInt(20));
                rgb[n + i] = (byte) (in ? 90 + rnd.nextInt(20) : 225 + rnd.nextInt(20));
                rgb[2 * n + i] = (byte) (in ? 150 + rnd.nextInt(20) : 230 + rnd.nextInt(20));
                boolean blob = (x - cx - 3) * (x - cx - 3) + (y - cy) * (y - cy) < (r + 3) * (r + 3);
                prob[i] = (float) Math.min(1, Math.max(0, (blob ? 0.65 : 0.3) + rnd.nextDouble() * 0.2 - 0.1));
            }
        }
    }

    @Benchmark
    public float[] crf() {
        return DenseCrf.TEAM_B.infer(prob, rgb, patch, patch);
    }

    @Benchmark
    public float[] baseline() {
        int n = patch * patch;
        float[] u = new float[2 * n];
        for (int i = 0; i < n; i++) {
            float p = prob[i];
            u[2 * i] = (float) -Math.log(Math.max(1f - p, 1e-5f));
            u[2 * i + 1] = (float) -Math.log(Math.max(p, 1e-5f));
        }
        return u;
    }
}
