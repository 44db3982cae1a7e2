package io.github.hubmapseg.benchmarks.slide;

import io.github.hubmapseg.core.slide.ImageSource;
import io.github.hubmapseg.core.slide.ImageSources;
import java.io.IOException;
import java.nio.file.Path;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import net.imglib2.FinalInterval;
import net.imglib2.img.array.ArrayImg;
import net.imglib2.img.basictypeaccess.array.ByteArray;
import net.imglib2.type.numeric.integer.UnsignedByteType;
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
 * Time of one 1024 x 1024 RGB region read (and one 4096 x 4096 read reduced 4x to 1024 x 1024) at random
 * positions of large slides: a 512-tiled BigTIFF, uncompressed and deflate, and an uncompressed classic TIFF
 * stored as one strip. The slides are written once into {@code -Dhubmap.bench.dir} (default
 * {@code java.io.tmpdir/hubmap-bench}) and reused; the OS page cache holds them after the first pass, so this
 * measures decoding and copying, not the disk.
 *
 * <pre>java -jar hubmap-benchmarks/target/benchmarks.jar TiffRegionBenchmark -jvmArgs -Xmx32m</pre>
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(1)
public class TiffRegionBenchmark {

    /** Slide width and height in pixels. */
    @Param("16000")
    public int size;

    private ImageSource tiled;
    private ImageSource tiledDeflate;
    private ImageSource oneStrip;
    private final SplittableRandom rnd = new SplittableRandom(1);

    @Setup(Level.Trial)
    public void setUp() throws IOException {
        Path dir = Path.of(System.getProperty("hubmap.bench.dir",
                System.getProperty("java.io.tmpdir") + "/hubmap-bench"));
        int s = size;
        tiled = ImageSources.open(BenchmarkTiffs.cached(dir, "tiled512-" + s + ".tif",
                f -> BenchmarkTiffs.writeTiledBigTiff(f, s, s, 512, false)));
        tiledDeflate = ImageSources.open(BenchmarkTiffs.cached(dir, "tiled512-deflate-" + s + ".tif",
                f -> BenchmarkTiffs.writeTiledBigTiff(f, s, s, 512, true)));
        oneStrip = ImageSources.open(BenchmarkTiffs.cached(dir, "onestrip-" + s + ".tif",
                f -> BenchmarkTiffs.writeOneStrip(f, s, s)));
    }

    @TearDown(Level.Trial)
    public void tearDown() throws IOException {
        tiled.close();
        tiledDeflate.close();
        oneStrip.close();
    }

    private FinalInterval region(int side) {
        return FinalInterval.createMinSize(rnd.nextInt(size - side), rnd.nextInt(size - side), side, side);
    }

    @Benchmark
    public ArrayImg<UnsignedByteType, ByteArray> tiledUncompressed1024() throws IOException {
        return tiled.read(region(1024));
    }

    @Benchmark
    public ArrayImg<UnsignedByteType, ByteArray> tiledDeflate1024() throws IOException {
        return tiledDeflate.read(region(1024));
    }

    @Benchmark
    public ArrayImg<UnsignedByteType, ByteArray> oneStripUncompressed1024() throws IOException {
        return oneStrip.read(region(1024));
    }

    @Benchmark
    public ArrayImg<UnsignedByteType, ByteArray> tiledDeflate4096Reduce4() throws IOException {
        return tiledDeflate.read(region(4096), 4);
    }

    @Benchmark
    public ArrayImg<UnsignedByteType, ByteArray> oneStrip4096Reduce4() throws IOException {
        return oneStrip.read(region(4096), 4);
    }
}
