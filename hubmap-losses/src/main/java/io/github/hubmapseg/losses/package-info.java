/**
 * The competition's segmentation losses on (B, H, W) logits with exact gradients: BCE, soft Dice and
 * Jaccard, Lovasz hinge, focal, weighted sums, deep supervision and classification heads.
 */
package io.github.hubmapseg.losses;
