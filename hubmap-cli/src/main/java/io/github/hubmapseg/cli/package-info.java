/**
 * The {@code hubmap} command line (picocli): synth, train, predict, evaluate, reproduce, report and the
 * slide, RLE, weight and model tools; each command a thin layer over the library.
 */
package io.github.hubmapseg.cli;
