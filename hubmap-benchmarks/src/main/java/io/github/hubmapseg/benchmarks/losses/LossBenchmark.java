package io.github.hubmapseg.benchmarks.losses;

import io.github.hubmapseg.losses.BatchShape;
import io.github.hubmapseg.losses.Losses;
import io.github.hubmapseg.losses.SegLoss;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Value + gradient of each loss on a training-size batch, 4 x 512 x 512, float32 path (as in training).
 * {@code logits} "init": N(0, 0.1) logits (an untrained net: every hinge error positive, the full sort);
 * "trained": logits agreeing with the labels with margin N(3, 2) (most hinge errors negative, few sorted).
 * Run: {@code java -jar hubmap-benchmarks/target/benchmarks.jar LossBenchmark}.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(1)
public class LossBenchmark {

    @Param({"bce", "dice", "lovasz", "lovasz_batch", "focal", "bce+lovasz"})
    public String loss;

    @Param({"init", "trained"})
    public String logits;

    private final BatchShape shape = BatchShape.of(4, 512, 512);
    private SegLoss segLoss;
    private float[] x;
    private float[] y;
    private float[] grad;

    @Setup
    public void setup() {
        segLoss = Losses.parse(loss);
        Random rnd = new Random(42);
        int n = shape.size();
        x = new float[n];
        y = new float[n];
        grad = new float[n];
        int w = shape.width();
        for (int i = 0; i < n; i++) {
            int r = (i / w) % shape.height();
            int c = i % w;
            // a few disks per image
            boolean in = ((r - 128) * (r - 128) + (c - 160) * (c - 160) < 60 * 60)
                    || ((r - 380) * (r - 380) + (c - 300) * (c - 300) < 45 * 45);
            y[i] = in ? 1f : 0f;
            double s = in ? 1 : -1;
            x[i] = (float) ("init".equals(logits) ? 0.1 * rnd.nextGaussian() : s * (3 + 2 * rnd.nextGaussian()));
        }
    }

    @Benchmark
    public double valueAndGradient() {
        return segLoss.valueAndGradient(shape, x, y, grad);
    }
}
