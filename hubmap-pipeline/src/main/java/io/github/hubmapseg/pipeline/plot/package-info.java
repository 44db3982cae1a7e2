/**
 * Minimal PNG line charts of training curves and threshold searches, without a plotting library.
 */
package io.github.hubmapseg.pipeline.plot;
