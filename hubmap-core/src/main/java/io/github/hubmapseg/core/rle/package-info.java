/**
 * Kaggle run-length encoding of masks: parsing to runs, streaming encoding by rows and window decoding,
 * never holding a slide-sized mask.
 */
package io.github.hubmapseg.core.rle;
