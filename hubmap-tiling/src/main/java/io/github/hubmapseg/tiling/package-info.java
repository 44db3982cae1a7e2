/**
 * Sliding-window inference over slides in row bands: tile grids, blending weights, TTA, stitching and
 * the memory plan, streaming finished rows to sinks.
 */
package io.github.hubmapseg.tiling;
