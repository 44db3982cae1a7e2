/**
 * Scores of predicted masks: Dice (the Kaggle metric), connected components, detection at an IoU
 * threshold and bootstrap intervals over slides and glomeruli.
 */
package io.github.hubmapseg.core.metrics;
