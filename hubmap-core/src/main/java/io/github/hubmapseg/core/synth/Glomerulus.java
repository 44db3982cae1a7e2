package io.github.hubmapseg.core.synth;

/**
 * One synthetic glomerulus: its outline (the mask is exactly {@link StarShape#contains} of it, capsule
 * included) and rendering parameters.
 *
 * @param shape        outline in slide pixels
 * @param textureSeed  seed of its tuft texture
 * @param bowmanWidth  width of Bowman's space as a fraction of the radius (0 = tuft fills the capsule)
 * @param inMedulla    whether it was placed in the medulla (rare, as in real kidneys it is mostly cortex)
 */
public record Glomerulus(StarShape shape, int textureSeed, double bowmanWidth, boolean inMedulla) {
}
