/**
 * Cross-validation splits (group, per-patient, stratified, plain k-fold) of slides or tiles, and their
 * {@code folds.json} / CSV files.
 */
package io.github.hubmapseg.pipeline.folds;
