package io.github.hubmapseg.pipeline.train;

/** Progress callbacks of a {@link Trainer}; all methods default to doing nothing. Called on the training thread. */
public interface TrainListener {
    /**
     * After each optimizer step.
     *
     * @param epoch   epoch from 1
     * @param batch   batch within the epoch, from 1
     * @param batches batches in the epoch
     * @param loss    the step's loss
     */
    default void step(int epoch, int batch, int batches, double loss) {
    }

    /**
     * After each epoch's validation and checkpoint.
     *
     * @param fold    the fold
     * @param metrics the epoch's metrics
     * @param best    whether this epoch is the new best
     */
    default void epoch(int fold, EpochMetrics metrics, boolean best) {
    }

    /** A listener that does nothing. */
    TrainListener NONE = new TrainListener() {
    };
}
