/**
 * Threshold search on out-of-fold probabilities: Dice per image and threshold on a grid, the best
 * threshold and comparisons between runs.
 */
package io.github.hubmapseg.pipeline.threshold;
