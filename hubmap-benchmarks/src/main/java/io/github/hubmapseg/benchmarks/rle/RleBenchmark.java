package io.github.hubmapseg.benchmarks.rle;

import io.github.hubmapseg.core.metrics.Dice;
import io.github.hubmapseg.core.metrics.DiceCounts;
import io.github.hubmapseg.core.rle.Rle;
import io.github.hubmapseg.core.rle.RleEncoder;
import io.github.hubmapseg.core.rle.RleRuns;
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
 * RLE encode/decode and Dice on a {@code size x size} row-major mask of random disks covering about 5 % of
 * the pixels (the truth mask of Dice is the same disks shifted by a few pixels). Megapixels per second =
 * {@code size * size / 1e6 / (ms/op / 1000)}; for 16000 x 16000 that is {@code 256000 / (ms/op)}.
 *
 * <pre>java -jar hubmap-benchmarks/target/benchmarks.jar Rle -f 1 -wi 2 -i 3</pre>
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 2, time = 2)
@Measurement(iterations = 3, time = 2)
@Fork(value = 1, jvmArgsAppend = {"-Xms3g", "-Xmx3g"})
public class RleBenchmark {

    @Param({"16000"})
    public int size;

    byte[] mask;
    byte[] truth;
    byte[] out;
    String rle;
    RleRuns runs;
    RleRuns truthRuns;

    @Setup(Level.Trial)
    public void setUp() {
        mask = disks(size, 0, 42);
        truth = disks(size, 3, 42);
        out = new byte[size * size];
        runs = Rle.runs(mask, size, size);
        truthRuns = Rle.runs(truth, size, size);
        rle = runs.toRle();
        long fg = runs.area();
        System.out.printf("%n%dx%d mask: %.2f %% foreground, %d runs, RLE %d chars%n", size, size,
                100.0 * fg / ((double) size * size), runs.size(), rle.length());
    }

    /** Disks of radius 10..100 at random centres (shifted by {@code shift}) until 5 % of the pixels are set. */
    static byte[] disks(int n, int shift, long seed) {
        byte[] m = new byte[n * n];
        SplittableRandom rnd = new SplittableRandom(seed);
        long target = (long) (0.05 * n * n);
        long area = 0;
        while (area < target) {
            int cx = rnd.nextInt(n) + shift;
            int cy = rnd.nextInt(n) + shift;
            int r = 10 + rnd.nextInt(91);
            area += (long) (Math.PI * r * r);
            for (int y = Math.max(0, cy - r); y < Math.min(n, cy + r + 1); y++) {
                int dy = y - cy;
                for (int x = Math.max(0, cx - r); x < Math.min(n, cx + r + 1); x++) {
                    int dx = x - cx;
                    if (dx * dx + dy * dy <= r * r) {
                        m[y * n + x] = 1;
                    }
                }
            }
        }
        return m;
    }

    /** Whole mask to canonical runs (word-wise transition scan, both cores). */
    @Benchmark
    public RleRuns encodeRuns() {
        return Rle.runs(mask, size, size);
    }

    /** Whole mask to the Kaggle string. */
    @Benchmark
    public String encodeString() {
        return Rle.encode(mask, size, size);
    }

    /** Streaming encoder fed with 512-row bands (as from a stitcher). */
    @Benchmark
    public RleRuns encodeBands512() {
        RleEncoder enc = Rle.encoder(size, size);
        for (int y = 0; y < size; y += 512) {
            int n = Math.min(512, size - y);
            enc.addRows(mask, y * size, n);
        }
        return enc.finish();
    }

    /** Runs into a reused row-major buffer (every pixel written). */
    @Benchmark
    public byte[] decodeRunsInto() {
        Rle.decodeInto(runs, out, (byte) 1);
        return out;
    }

    /** Kaggle string parsed and decoded into a reused buffer. */
    @Benchmark
    public byte[] decodeStringInto() {
        Rle.decodeInto(Rle.parse(rle, size, size), out, (byte) 1);
        return out;
    }

    /** Kaggle string decoded into a newly allocated mask. */
    @Benchmark
    public byte[] decodeStringAlloc() {
        return Rle.decode(rle, size, size);
    }

    /** Parsing the string into runs only. */
    @Benchmark
    public RleRuns parse() {
        return Rle.parse(rle, size, size);
    }

    /** A 1024 x 1024 training crop straight from the runs. */
    @Benchmark
    public byte[] decodeWindow1024() {
        return Rle.decodeWindow(runs, size / 3, size / 2, 1024, 1024);
    }

    /** Dice counts on two masks (popcount over words, both cores). */
    @Benchmark
    public DiceCounts diceMasks() {
        return Dice.counts(mask, truth);
    }

    /** Dice counts by run intersection, no decoding. */
    @Benchmark
    public DiceCounts diceRuns() {
        return Dice.counts(runs, truthRuns);
    }
}
