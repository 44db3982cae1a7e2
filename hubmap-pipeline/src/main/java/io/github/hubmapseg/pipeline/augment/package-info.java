/**
 * Training augmentations applied jointly to a tile's image and mask, as albumentations' (and the write-ups') transforms,
 * with the write-ups' presets ({@link io.github.hubmapseg.pipeline.augment.Augmentations}).
 */
package io.github.hubmapseg.pipeline.augment;
