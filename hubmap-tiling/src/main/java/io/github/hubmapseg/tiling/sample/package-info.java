/**
 * Training-tile sampling: grid tiles, tissue filters, balanced and PDF-weighted samplers, foreground
 * crops.
 */
package io.github.hubmapseg.tiling.sample;
