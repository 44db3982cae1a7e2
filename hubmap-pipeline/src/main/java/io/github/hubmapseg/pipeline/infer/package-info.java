/**
 * Inference on slides: checkpoints as predictors, ensembles, TTA, reduce, and the outputs (RLE,
 * probability OME-TIFF, overlays, polygons).
 */
package io.github.hubmapseg.pipeline.infer;
