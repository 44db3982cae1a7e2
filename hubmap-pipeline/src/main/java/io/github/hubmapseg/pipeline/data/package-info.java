/**
 * Training data: the competition folder as a dataset, normalisation, tile sampling (balanced, PDF) and
 * batches loaded in parallel with bounded prefetch.
 */
package io.github.hubmapseg.pipeline.data;
