/**
 * Conformance of the sliding window and stitcher against the golden vectors (a box-blur predictor with
 * a known result).
 */
package io.github.hubmapseg.tiling.conformance;
