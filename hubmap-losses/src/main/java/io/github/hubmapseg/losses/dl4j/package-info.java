/**
 * Deeplearning4j output layer that trains a graph with any {@link io.github.hubmapseg.losses.SegLoss}.
 */
package io.github.hubmapseg.losses.dl4j;
