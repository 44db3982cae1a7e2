/**
 * Learning-rate schedules per optimizer step: constant, cosine and one-cycle (as PyTorch's OneCycleLR).
 */
package io.github.hubmapseg.pipeline.schedule;
