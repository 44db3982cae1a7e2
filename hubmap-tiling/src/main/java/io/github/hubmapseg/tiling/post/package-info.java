/**
 * The stages the write-ups put around the model at inference: the empty-window pre-filter (10th place, iafoss's
 * kernel) and the post-processing of the probability rows (team B's DenseCRF, the 10th place's energy confidence and
 * Otsu fallback), as streaming {@link io.github.hubmapseg.tiling.sink.RowSink} stages and a predictor wrapper.
 */
package io.github.hubmapseg.tiling.post;
