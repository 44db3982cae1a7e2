package io.github.hubmapseg.core.synth;

/**
 * The outlines a synthetic slide's glomerulus mask is the union of: a pixel is in the mask iff its centre is inside
 * one of {@code shapes} and inside that shape's clip (if any).
 *
 * @param shapes the label outlines
 * @param clips  per outline, a shape its pixels must also be inside (the tissue, for glomeruli cut by its edge), or
 *               {@code null} (array or entry) for none
 * @param grid   the outlines' spatial index
 */
record LabelOutlines(StarShape[] shapes, StarShape[] clips, ShapeGrid grid) {
}
