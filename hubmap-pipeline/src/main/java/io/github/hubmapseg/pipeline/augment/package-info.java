/**
 * Training-tile augmentations as the write-ups used them (albumentations-style flips, rotations,
 * distortions, colour and noise transforms) on image and mask together, seeded.
 */
package io.github.hubmapseg.pipeline.augment;
