/**
 * JMH benchmarks of Kaggle RLE encoding and parsing at slide scale.
 */
package io.github.hubmapseg.benchmarks.rle;
