/**
 * JMH benchmarks of the losses (value and gradient on (B, H, W) logits), as ratios to a baseline
 * measured in the same run.
 */
package io.github.hubmapseg.benchmarks.losses;
