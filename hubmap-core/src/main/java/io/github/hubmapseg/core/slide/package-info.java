/**
 * Whole-slide images: region reads of tiled or stripped TIFF/BigTIFF with bounded decoding, and the one
 * tiled-BigTIFF writer and streaming 2x2 pyramid (synthetic slides, probability OME-TIFFs).
 */
package io.github.hubmapseg.core.slide;
