package io.github.hubmapseg.core.synth;

/**
 * Per-slide H&amp;E stain: optical-density colour vectors of haematoxylin and eosin (RGB order, unit length),
 * stain strengths and the background (glass) intensity. Pixels are rendered by the Beer-Lambert law
 * {@code I_c = background_c * exp(-(h * hStrength * hVector_c + e * eStrength * eVector_c))}.
 *
 * @param hVector    haematoxylin OD vector (r, g, b)
 * @param eVector    eosin OD vector (r, g, b)
 * @param hStrength  haematoxylin strength multiplier
 * @param eStrength  eosin strength multiplier
 * @param background glass intensity per channel (0..255)
 */
public record Stain(double[] hVector, double[] eVector, double hStrength, double eStrength, double[] background) {
}
