/**
 * Row sinks of the sliding window: thresholding, component filters, RLE, PNG masks, polygons and
 * in-memory images, each keeping only the rows still being written.
 */
package io.github.hubmapseg.tiling.sink;
