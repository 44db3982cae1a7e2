package io.github.hubmapseg.core.slide;

/**
 * Describes how a slide file stores its pixels, as printed by {@code hubmap info}.
 *
 * @param width        width in pixels
 * @param height       height in pixels
 * @param channels     samples per pixel
 * @param bitsPerSample bits per sample (8 for the competition's slides)
 * @param planar       {@code true} when channels are stored as separate planes ((3, H, W) layout),
 *                     {@code false} when interleaved (RGBRGB...)
 * @param tiled        {@code true} for tiled TIFFs, {@code false} for stripped ones
 * @param blockWidth   tile width, or the image width for stripped files
 * @param blockHeight  tile height, or rows per strip for stripped files
 * @param compression  compression name ({@code none}, {@code deflate}, {@code lzw}, {@code jpeg}, ...)
 * @param bigTiff      {@code true} for BigTIFF (64-bit offsets)
 * @param reader       the name of the reader that serves this file
 */
public record SlideInfo(long width, long height, int channels, int bitsPerSample, boolean planar,
                        boolean tiled, long blockWidth, long blockHeight, String compression,
                        boolean bigTiff, String reader) {
}
