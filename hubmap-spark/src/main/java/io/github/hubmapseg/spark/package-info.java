/**
 * Cohort prediction on Apache Spark: slides are the tasks, each executor JVM loads the ensemble once and reuses it,
 * every output goes through the pipeline's atomic, idempotent per-slide units; the driver assembles the submission.
 */
package io.github.hubmapseg.spark;
