/**
 * The end-to-end reproduction: synthetic data, folds, training, out-of-fold threshold search, ensemble
 * prediction into submission.csv and the report, as {@code hubmap reproduce} runs it.
 */
package io.github.hubmapseg.pipeline;
