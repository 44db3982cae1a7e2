/**
 * Cross-validation folds grouped by patient or image and stratified, saved and loaded as JSON.
 */
package io.github.hubmapseg.pipeline.folds;
