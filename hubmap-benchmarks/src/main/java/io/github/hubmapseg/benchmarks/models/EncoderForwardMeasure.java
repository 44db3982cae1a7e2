package io.github.hubmapseg.benchmarks.models;

import io.github.hubmapseg.models.Models;
import io.github.hubmapseg.models.SegmentationModel;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Forward time of the default U-Net (smp decoder channels 256..16) with each encoder at a 4 x 256 x 256 x 3
 * (NHWC) batch: one warm-up, then the minimum and median of {@code runs} timed forwards; plus the free and
 * stored parameter counts. Run:
 * {@code java -cp hubmap-benchmarks/target/benchmarks.jar io.github.hubmapseg.benchmarks.models.EncoderForwardMeasure
 * [runs] [encoder ...]} (default 3 runs; encoders resnext50_32x4d, se_resnext50_32x4d, se_resnext101_32x4d,
 * efficientnet-b0 .. b7).
 */
public final class EncoderForwardMeasure {
    private EncoderForwardMeasure() {
    }

    /**
     * @param args optional: number of timed runs, then encoder names
     */
    public static void main(String[] args) {
        int runs = args.length > 0 ? Integer.parseInt(args[0]) : 3;
        List<String> encoders = args.length > 1 ? Arrays.asList(args).subList(1, args.length)
                : List.of("resnext50_32x4d", "se_resnext50_32x4d", "se_resnext101_32x4d", "tv-efficientnet-b0",
                        "tv-efficientnet-b1", "tv-efficientnet-b2", "tv-efficientnet-b3", "tv-efficientnet-b4", "tv-efficientnet-b5",
                        "tv-efficientnet-b6", "tv-efficientnet-b7");
        INDArray x = Nd4j.rand(new long[] {4, 256, 256, 3});
        System.out.printf(Locale.ROOT, "%-22s %12s %12s %10s %10s%n", "encoder", "free params", "stored", "min ms",
                "median ms");
        for (String e : encoders) {
            try (SegmentationModel m = Models.create("unet", e)) {
                m.logits(x);
                double[] t = new double[runs];
                for (int i = 0; i < runs; i++) {
                    long t0 = System.nanoTime();
                    m.logits(x);
                    t[i] = (System.nanoTime() - t0) / 1e6;
                }
                Arrays.sort(t);
                System.out.printf(Locale.ROOT, "%-22s %,12d %,12d %10.0f %10.0f%n", e, m.trainableParams(),
                        m.graph().numParams(), t[0], t[runs / 2]);
            }
        }
    }
}
