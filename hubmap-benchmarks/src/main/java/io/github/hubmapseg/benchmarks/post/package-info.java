/**
 * JMH benchmarks of the post-processing stages of {@code io.github.hubmapseg.tiling.post}: DenseCRF throughput
 * as a ratio to a plain pass over the same patch measured in the same run.
 */
package io.github.hubmapseg.benchmarks.post;
