/**
 * Runnable examples of the library used as a dependency: a custom predictor in the sliding window, a fold
 * ensemble on one slide, the PDF tile sampler in training and the 3rd place's recipe reproduced.
 */
package io.github.hubmapseg.examples;
