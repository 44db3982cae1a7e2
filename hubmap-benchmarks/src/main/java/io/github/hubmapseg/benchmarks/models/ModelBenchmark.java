package io.github.hubmapseg.benchmarks.models;

import io.github.hubmapseg.models.Dl4jRuntime;
import io.github.hubmapseg.models.Models;
import io.github.hubmapseg.models.SegmentationModel;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
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
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Forward pass and training step (forward, backward, Adam update) of U-Nets at batch 4 x 3 x 256 x 256
 * (NHWC), DL4J ComputationGraph with the oneDNN recipe. The PyTorch counterpart is
 * {@code hubmap-benchmarks/src/main/python/models_torch_bench.py} (same nets, same shapes).
 * Run: {@code java -jar hubmap-benchmarks/target/benchmarks.jar ModelBenchmark}. {@code tiny} is the tiny
 * encoder with decoder channels 32, 24, 16, 8, 8 (125,569 parameters); {@code resnext50_32x4d} the
 * smp-default decoder (256, 128, 64, 32, 16). Add {@code -jvmArgsAppend -Dhubmap.onednn=false} to measure
 * DL4J without the recipe, {@code -Dhubmap.accelerate=false} without this library's faster convolution and
 * batch-norm paths, {@code -Dhubmap.mallopt=false} with glibc's default malloc settings. The thread count is
 * the environment's {@code OMP_NUM_THREADS}. {@code hubmap-benchmarks/run-model-bench.sh} runs this benchmark
 * and the PyTorch script one after the other for 1 and 2 threads and prints the table of ratios.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 3, time = 5)
@Measurement(iterations = 5, time = 10)
@Fork(value = 1, jvmArgsAppend = {"-Xmx4g", "-Dorg.bytedeco.javacpp.maxbytes=8G",
    "-Dorg.bytedeco.javacpp.maxphysicalbytes=12G"})
public class ModelBenchmark {
    @Param({"tiny", "resnext50_32x4d"})
    public String encoder;

    @Param({"4"})
    public int batch;

    @Param({"256"})
    public int size;

    private SegmentationModel model;
    private INDArray x;
    private INDArray y;

    /** Builds the model and a random batch. */
    @Setup(Level.Trial)
    public void setup() {
        Dl4jRuntime.configure();
        Models.Builder b = Models.builder("unet", encoder).seed(1);
        if ("tiny".equals(encoder)) {
            b.decoderChannels(List.of(32, 24, 16, 8, 8));
        }
        model = b.build();
        Nd4j.getRandom().setSeed(1);
        x = Nd4j.rand(DataType.FLOAT, batch, size, size, 3);
        y = Nd4j.rand(DataType.FLOAT, batch, size, size, 1).gt(0.5).castTo(DataType.FLOAT);
        System.out.println("# backend: " + Dl4jRuntime.describe());
    }

    /** Frees native memory. */
    @TearDown(Level.Trial)
    public void tearDown() {
        model.close();
    }

    /**
     * @return the logits (consumed by JMH)
     */
    @Benchmark
    public INDArray forward() {
        return model.logits(x);
    }

    /**
     * @return the loss (consumed by JMH)
     */
    @Benchmark
    public double trainStep() {
        return model.fit(x, y);
    }
}
