package io.github.hubmapseg.benchmarks.slide;

import io.github.hubmapseg.core.slide.AbstractImageSource;
import io.github.hubmapseg.core.synth.HardSyntheticSlide;
import io.github.hubmapseg.core.synth.SlideSpec;
import io.github.hubmapseg.core.synth.SyntheticSlide;
import java.io.IOException;
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
 * Generation speed of {@link SyntheticSlide} (the synthetic H&amp;E slides of tests, demos and the CPU
 * pipeline), single thread: one operation reads five 1024 x 1024 RGB regions of a 30000 x 25000 slide
 * (cortex with glomeruli, medulla, glass, two more tissue spots), 5.24 MP; MP/s per core =
 * {@code 5243 / (ms/op)}.
 *
 * <p>{@code profile} compares the hard profile (every element on) with the easy one in the same run: the ratio of
 * their ms/op is the hard profile's cost per pixel relative to today's generator.
 *
 * <pre>java -jar hubmap-benchmarks/target/benchmarks.jar SyntheticSlide -f 1 -wi 2 -i 3</pre>
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 2, time = 2)
@Measurement(iterations = 3, time = 2)
@Fork(value = 1, jvmArgsAppend = {"-Xmx1g"})
public class SyntheticSlideBenchmark {

    private static final long[][] AT = {{14000, 12000}, {6000, 12000}, {100, 100}, {20000, 6000}, {9000, 16000}};
    /** {@code easy} (the baseline, {@link SyntheticSlide}) or {@code hard} ({@link HardSyntheticSlide}). */
    @Param({"easy", "hard"})
    public String profile;

    private AbstractImageSource slide;
    private byte[] dst;

    @Setup(Level.Trial)
    public void setUp() {
        SlideSpec spec = new SlideSpec("bench", 30000, 25000, 1);
        slide = profile.equals("hard") ? HardSyntheticSlide.create(spec, HardSyntheticSlide.Options.all())
                : SyntheticSlide.create(spec);
        dst = new byte[1024 * 1024 * 3];
    }

    /** Five 1024 x 1024 regions, channel-planar RGB. */
    @Benchmark
    public byte[] regions() throws IOException {
        for (long[] p : AT) {
            slide.readInto(p[0], p[1], 1024, 1024, dst);
        }
        return dst;
    }
}
