/**
 * JMH benchmarks of tiling: stitching and the whole-slide sliding-window pass (throughput and peak heap)
 * on synthetic slides.
 */
package io.github.hubmapseg.benchmarks.tiling;
