/**
 * Peak heap of a measured run, sampled on a background thread: the one heap sampler of the main-method
 * measurements (polygons, Deep Zoom tiles).
 */
package io.github.hubmapseg.benchmarks.heap;
