package io.github.hubmapseg.pipeline.data;

import net.imglib2.Interval;

/**
 * A training tile: a full-resolution region {@code (x, y)} (inclusive max, may extend past the slide, where
 * the reader pads) of one slide.
 *
 * @param slideId the slide
 * @param region  the region in full-resolution pixels
 */
public record SlideTile(String slideId, Interval region) {
}
