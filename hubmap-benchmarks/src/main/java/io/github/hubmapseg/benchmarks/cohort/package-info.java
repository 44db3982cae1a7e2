/**
 * JMH benchmarks of whole cohorts: single-JVM throughput of {@code hubmap predict --out-dir} and the cost of the
 * per-slide unit bookkeeping against the bare engine.
 */
package io.github.hubmapseg.benchmarks.cohort;
