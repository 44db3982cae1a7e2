package io.github.hubmapseg.pipeline.infer;

import io.github.hubmapseg.models.ModelPredictor;
import io.github.hubmapseg.core.slide.ImageSource;
import io.github.hubmapseg.models.LayerInfo;
import io.github.hubmapseg.models.SegmentationModel;
import io.github.hubmapseg.pipeline.config.Recipe;
import java.util.List;
import java.util.Locale;

/**
 * The memory a prediction will need, estimated before it starts from the tile, the batch and the model, against
 * the heap and the native-memory cap, so that a tile too large for the machine is refused at once with the numbers
 * rather than ending in an out-of-memory error after minutes.
 * <p>Heap: the engine's plan of all members together ({@link io.github.hubmapseg.tiling.Engine#plan}: per member
 * the tile rows kept for stitching, window batches and band at its own scale, plus the combination buffers), plus
 * the post-processing's ({@link Inference#postBytes}: the DenseCRF's strip and its patches on every core). Native (DL4J's arrays, capped by
 * {@code -Dorg.bytedeco.javacpp.maxbytes}): {@code batch x sum over the model's layers of their output size x 4
 * bytes} for one forward pass of {@code window x window} inputs, the largest over the ensemble's members (they run
 * one after the other). It is a lower bound: DL4J frees some activations early and needs work buffers (im2col)
 * on top, so a pass within the estimate may still run out; one above it cannot succeed.
 *
 * @param window          model input side: {@code tile + 2 x expansion} at the inference scale
 * @param batch           windows per forward pass
 * @param heapBytes       the pass's planned heap
 * @param heapLimit       the JVM's maximum heap
 * @param activationBytes native bytes of one forward pass (the largest member)
 * @param nativeFree      native bytes left under the cap (cap minus what is allocated, the loaded models included)
 * @param nativeLimit     the native cap ({@code Long.MAX_VALUE} when none)
 */
public record PredictionMemory(int window, int batch, long heapBytes, long heapLimit, long activationBytes,
                               long nativeFree, long nativeLimit) {

    /**
     * Estimates a prediction of a slide (allocates nothing beyond what the models already hold).
     *
     * @param inference  the inference settings (tile, expansion, overlap, reduce)
     * @param infer      the recipe's inference section ({@code reduce})
     * @param predictors the ensemble, loaded
     * @param slide      the largest slide to predict (full resolution)
     * @return the estimate; {@link #check()} refuses it when it cannot fit
     * @throws IllegalArgumentException naming the numbers when the sliding-window plan does not fit its budget
     */
    public static PredictionMemory estimate(Inference inference, Recipe.Infer infer, List<ModelPredictor> predictors,
                                            ImageSource slide) {
        // every member at its own scale and window, planned together (the engine's plan); native: the largest
        // member's forward pass (members run one batch at a time, one after the other)
        io.github.hubmapseg.tiling.Engine engine = inference.engine(predictors);
        io.github.hubmapseg.tiling.EnginePlan plan = engine.plan(slide.width(), slide.height(), slide.channels());
        int window = 0;
        long act = 0;
        for (int i = 0; i < predictors.size(); i++) {
            int win = plan.members().get(i).grid().windowSize();
            window = Math.max(window, win);
            act = Math.max(act, activationBytes(predictors.get(i).model(), win, engine.batchSize()));
        }
        long cap = org.bytedeco.javacpp.Pointer.maxBytes();
        long limit = cap > 0 ? cap : Long.MAX_VALUE;
        long free = cap > 0 ? Math.max(0, cap - org.bytedeco.javacpp.Pointer.totalBytes()) : Long.MAX_VALUE;
        // the post-processing's buffers come on top of the engine's (the DenseCRF: a strip, patches on every core)
        long heap = plan.totalBytes() + inference.postBytes(slide.width());
        return new PredictionMemory(window, engine.batchSize(), heap, Runtime.getRuntime().maxMemory(), act, free,
                limit);
    }

    /**
     * Bytes of one forward pass's activations: {@code batch x sum of the layers' output sizes x 4} (float32),
     * computed from the model's configuration alone.
     *
     * @param model  the model
     * @param window input side
     * @param batch  batch size
     * @return the bytes (saturating at {@code Long.MAX_VALUE})
     */
    public static long activationBytes(SegmentationModel model, int window, int batch) {
        long values = 0;
        for (LayerInfo l : model.summary(window, window).layers()) {
            long[] s = l.outputShape();
            if (s != null) {
                try {
                    values = Math.addExact(values, Math.multiplyExact(Math.multiplyExact(s[0], s[1]), s[2]));
                } catch (ArithmeticException e) {
                    return Long.MAX_VALUE;
                }
            }
        }
        try {
            return Math.multiplyExact(Math.multiplyExact(values, (long) batch), 4L);
        } catch (ArithmeticException e) {
            return Long.MAX_VALUE;
        }
    }

    /**
     * Refuses an estimate that cannot fit.
     *
     * @return this
     * @throws IllegalArgumentException in one line with the window, batch, needed and available bytes and what to
     *                                  change
     */
    public PredictionMemory check() {
        if (heapBytes > heapLimit) {
            throw new IllegalArgumentException(String.format(Locale.ROOT, "prediction needs about %s of heap for "
                    + "window %d x %d, batch %d, but the JVM may use %s: lower infer.tile_size (--set "
                    + "infer.tile_size=N; with DenseCRF, post.crf_patch) or raise -Xmx (HUBMAP_JAVA_OPTS)", size(heapBytes), window, window, batch,
                    size(heapLimit)));
        }
        if (activationBytes > nativeFree) {
            throw new IllegalArgumentException(String.format(Locale.ROOT, "prediction needs at least %s of native "
                    + "memory for one forward pass (window %d x %d, batch %d: the sum of the model's layer outputs), "
                    + "but %s of the %s cap are free: lower infer.tile_size (--set infer.tile_size=N) or raise "
                    + "-Dorg.bytedeco.javacpp.maxbytes (HUBMAP_NATIVE_MAXBYTES)", size(activationBytes), window, window,
                    batch, size(nativeFree), size(nativeLimit)));
        }
        return this;
    }

    private static String size(long bytes) {
        if (bytes == Long.MAX_VALUE) {
            return "unlimited";
        }
        return bytes < (1L << 30) ? String.format(Locale.ROOT, "%.1f MiB", bytes / (double) (1L << 20))
                : String.format(Locale.ROOT, "%.1f GiB", bytes / (double) (1L << 30));
    }
}
