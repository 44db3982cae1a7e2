package io.github.hubmapseg.benchmarks.models;

import io.github.hubmapseg.models.Dl4jRuntime;
import io.github.hubmapseg.models.Models;
import io.github.hubmapseg.models.SegmentationModel;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Paths;
import java.util.List;
import java.util.Locale;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.ops.transforms.Transforms;

/**
 * Inference with and without the folded graph ({@code InferenceGraphs}: convolution + batch norm + residual + ReLU
 * as one oneDNN convolution) on the same model and batch (4 x 256 x 256 x 3, NHWC), alternated {@code rounds}
 * times: per-thread CPU time per call as {@link ThreadSplitMeasure} prints it (CPU times do not depend on the
 * load of a shared machine), and the largest difference between the two outputs. Run:
 * {@code OMP_NUM_THREADS=1 java -cp hubmap-benchmarks/target/benchmarks.jar
 * io.github.hubmapseg.benchmarks.models.FoldMeasure [resnext50_32x4d|tiny|...] [calls] [rounds]}.
 */
public final class FoldMeasure {
    private FoldMeasure() {
    }

    /**
     * @param a encoder (default resnext50_32x4d), calls per measurement (default 3), rounds (default 2)
     * @throws IOException if /proc cannot be read
     */
    public static void main(String[] a) throws IOException {
        String encoder = a.length > 0 ? a[0] : "resnext50_32x4d";
        int calls = a.length > 1 ? Integer.parseInt(a[1]) : 3;
        int rounds = a.length > 2 ? Integer.parseInt(a[2]) : 2;
        Dl4jRuntime.configure();
        Models.Builder b = Models.builder("unet", encoder).seed(1);
        if ("tiny".equals(encoder)) {
            b.decoderChannels(List.of(32, 24, 16, 8, 8));
        }
        long self = Long.parseLong(Files.readSymbolicLink(Paths.get("/proc/thread-self")).getFileName().toString());
        String omp = System.getenv("OMP_NUM_THREADS");
        try (SegmentationModel m = b.build()) {
            Nd4j.getRandom().setSeed(1);
            INDArray x = Nd4j.rand(DataType.FLOAT, 4, 256, 256, 3);
            INDArray folded = m.logits(x);
            INDArray plain = m.graph().output(false, x)[0];
            double diff = Transforms.abs(folded.sub(plain)).maxNumber().doubleValue();
            double scale = Transforms.abs(plain).maxNumber().doubleValue();
            System.out.printf(Locale.ROOT, "%s: max |folded - graph| %.3g (max |logit| %.3g); %s%n", encoder, diff,
                    scale, Dl4jRuntime.describe());
            for (int r = 0; r < rounds; r++) {
                ThreadSplitMeasure.measure(encoder + " forward, graph", omp, calls, self,
                        () -> m.graph().output(false, x));
                ThreadSplitMeasure.measure(encoder + " forward, folded", omp, calls, self, () -> m.logits(x));
            }
        }
    }
}
