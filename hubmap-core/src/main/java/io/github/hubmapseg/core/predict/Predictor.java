package io.github.hubmapseg.core.predict;

/**
 * The "what" of inference: turns a batch of image tiles into a batch of one-channel segmentation maps of
 * the same height and width. The sliding-window engine (hubmap-tiling) decides where the tiles are and how
 * predictions are blended; a {@code Predictor} only computes.
 *
 * <p>Input: {@link TileBatch} in NCHW with pixel values in source units (0..255 for RGB slides); the
 * predictor applies its own normalisation. Output: a {@link TileBatch} with {@code channels == 1} and the
 * same N, H, W, holding probabilities in [0, 1] unless {@link #outputsLogits()} says logits.
 *
 * <p>Implementations that hold native memory (Deeplearning4j models) release it in {@link #close()}.
 * A predictor is called from one thread at a time unless it documents otherwise.
 */
public interface Predictor extends AutoCloseable {

    /** Number of input channels expected (3 for RGB). */
    int inputChannels();

    /**
     * Predicts one batch.
     *
     * @param tiles input tiles, NCHW, {@code channels == inputChannels()}
     * @return one-channel predictions of shape (N, 1, H, W)
     */
    TileBatch predict(TileBatch tiles);

    /** {@code true} when {@link #predict} returns logits rather than probabilities. */
    default boolean outputsLogits() {
        return false;
    }

    /**
     * The tile side lengths must be a multiple of this (the model's output stride, 32 for a 5-level U-Net);
     * 1 for models that take any size.
     */
    default int sizeDivisor() {
        return 1;
    }

    /**
     * The scale the predictor works at: it sees the slide at {@code 1 / reduce} resolution (block means of
     * {@code reduce x reduce} level-0 pixels) and its output is brought back to level 0 by the engine. 1 for a
     * predictor trained at full resolution.
     */
    default int reduce() {
        return 1;
    }

    /**
     * The context the predictor needs around each output tile, in pixels at its own scale (the 3rd place's
     * "expansion tiles"): the engine feeds windows of {@code tile + 2 * halo} and keeps the centre. 0 for none.
     */
    default int halo() {
        return 0;
    }

    @Override
    default void close() {
    }
}
