/**
 * Training: models built from recipes, the epoch loop with validation and resumable checkpoints, and
 * the optimizers and gradient clipping the write-ups used (Adam, Ranger).
 */
package io.github.hubmapseg.pipeline.train;
