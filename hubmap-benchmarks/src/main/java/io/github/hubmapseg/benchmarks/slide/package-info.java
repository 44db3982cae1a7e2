/**
 * JMH benchmarks of slide input and output: TIFF region reads across tile layouts and the synthetic
 * slide generators and writer.
 */
package io.github.hubmapseg.benchmarks.slide;
