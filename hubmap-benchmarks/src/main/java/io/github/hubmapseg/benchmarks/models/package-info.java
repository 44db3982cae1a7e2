/**
 * JMH benchmarks and measurements of the models: encoder forward passes, grouped convolutions and
 * training steps on the CPU backend.
 */
package io.github.hubmapseg.benchmarks.models;
