/**
 * The contract between tiling and models: a predictor maps a batch of image tiles to per-pixel
 * probabilities.
 */
package io.github.hubmapseg.core.predict;
